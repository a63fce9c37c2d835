"""The learned soft alpha: its targets (a teacher's matte near a real label's boundary), its
loss, the model's head, and how it travels through training samples, exports and the parser."""
import json

import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.boxes.detections import Detections
from facevid.config.load import load_config
from facevid.data.mattes import KNOWN, banded_targets, hard_targets
from facevid.errors import DataError
from facevid.io.files import read_label, write_image
from facevid.runtime.checkpoint import load_weights, save_weights
from pipeline.outputs import FrameOutputs
from stage2_seg.components import build_model
from stage2_seg.data import TrainSamples
from stage2_seg.export import export_parser
from stage2_seg.exported import exported_forward
from stage2_seg.forward import dygraph_forward
from stage2_seg.losses.alpha import alpha_l1
from stage2_seg.models import MobileLRASPP
from stage2_seg.parser import Parser
from stage2_seg.train import check_mattes
from tests.helpers import CONFIGS

ALPHA_CONFIG = CONFIGS / "stage2_portrait_mnv2_person_alpha_cpu.yml"


def test_targets_take_the_teachers_matte_near_the_boundary_and_the_label_elsewhere():
    label = np.zeros((40, 40), np.uint8)
    label[10:30, 10:30] = 1
    label[0, 0] = 255                                   # ignored
    matte = np.full((40, 40), 128, np.uint8)            # the teacher unsure everywhere
    matte[20, 2] = 250                                  # sure of a person the label calls background
    targets = banded_targets(label, matte, 255, band_px=3)
    alpha, known = targets[..., 0], targets[..., 1]
    assert alpha[20, 10] == 128 and alpha[20, 12] == 128 and alpha[20, 7] == 128   # within 3 px
    assert alpha[20, 20] == 255 and alpha[20, 3] == 0 and alpha[35, 35] == 0       # farther
    assert known[20, 10] == KNOWN and known[0, 0] == 0
    targets = banded_targets(label, matte, 255, band_px=9)
    assert targets[20, 2, 1] == 0                       # within the band, contradicting: unknown
    assert (banded_targets(label, matte, 255, 0) == hard_targets(label, 255)).all()
    with pytest.raises(DataError, match="compute the mattes again"):
        banded_targets(label, matte[:20], 255, 3)


def test_the_alpha_loss_is_the_mean_absolute_error_over_known_pixels():
    alpha = paddle.full([1, 1, 4, 4], 0.5)
    targets = np.zeros((1, 2, 4, 4), np.float32)
    targets[0, 0, :2] = 1.0
    targets[0, 1] = 1.0
    assert float(alpha_l1(alpha, paddle.to_tensor(targets))) == pytest.approx(0.5)
    targets[0, 1, 2:] = 0.0                              # unknown pixels do not count
    exact = paddle.to_tensor(targets[:, :1])
    assert float(alpha_l1(exact, paddle.to_tensor(targets))) == pytest.approx(0.0)
    targets[0, 0, 0, 0] = 0.5                            # a soft pixel weighs 1 + edge_weight
    got = float(alpha_l1(paddle.full([1, 1, 4, 4], 1.0), paddle.to_tensor(targets), edge_weight=4))
    # known: the 8 upper pixels; the soft one and its 3 neighbours there weigh 5, the rest 1
    assert got == pytest.approx((5 * 0.5) / (4 * 5 + 4 * 1))


def test_the_alpha_head_gives_an_alpha_in_training_and_after_the_logits_in_eval():
    model = MobileLRASPP(num_classes=2, decoder_channels=8, alpha_head=True)
    x = paddle.rand([2, 3, 64, 48]) * 2 - 1
    model.train()
    out = model(x)
    assert model.training_outputs == ("seg", "alpha") and out["alpha"].shape == [2, 1, 64, 48]
    model.eval()
    logits, alpha = model(x)
    assert float(alpha.min()) >= 0 and float(alpha.max()) <= 1
    stacked = dygraph_forward(model)(x.numpy())
    assert stacked.shape == (2, 3, 64, 48)
    np.testing.assert_allclose(stacked[:, 2], alpha.numpy()[:, 0], atol=1e-6)


def test_weights_without_the_new_head_start_a_fine_tuning_and_nothing_else(tmp_path):
    save_weights(tmp_path / "w.pdparams", MobileLRASPP(num_classes=2, decoder_channels=8))
    model = MobileLRASPP(num_classes=2, decoder_channels=8, alpha_head=True)
    new = load_weights(tmp_path / "w.pdparams", model, new_layers_ok=True)
    assert new and all(name.startswith("alpha_head.") for name in new)
    with pytest.raises(Exception, match="lack"):
        load_weights(tmp_path / "w.pdparams", model)


def _portrait_set(root, teacher):
    """Two frames of one clip, a person square on the right half; the teacher's mattes."""
    for i in range(2):
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :, 0] = np.arange(64)[None] * 4        # a horizontal ramp: flips show
        mask = np.zeros((48, 64), np.uint8)
        mask[12:40, 36:56] = 255
        matte = (mask > 0).astype(np.uint8) * 200
        write_image(root / "JPEGImages" / "clip" / f"{i:05d}.jpg", image)
        write_image(root / "Annotations" / "clip" / f"{i:05d}.png", mask)
        write_image(teacher / "mattes" / "clip" / f"{i:05d}.png", matte)
    (teacher / "images").symlink_to(root / "JPEGImages")


def _alpha_config(root, teacher, *more):
    return load_config(ALPHA_CONFIG, [
        f"data.train_root={root}", f"data.val_root={root}", "data.split_file=null",
        "data.val_layout=null", "data.extra_sets=[]", "data.backgrounds_root=null",
        f"data.teacher_mattes={teacher}", "data.crop=frame", "train.crop_size=[64,48]",
        "eval.size=[64,48]", "train.rotate_deg=0", "train.color_jitter=[0,0,0]",
        "train.init_weights=null", "model.decoder_channels=8", "train.batch_size=2",
        "train.alpha_band=0.1", "train.negative_prob=0", "train.paste_prob=0", *more])


def test_samples_carry_alpha_targets_that_follow_the_flip(tmp_path):
    root, teacher = tmp_path / "set", tmp_path / "teacher"
    _portrait_set(root, teacher)
    plain = TrainSamples(_alpha_config(root, teacher, "train.flip_prob=0"))
    flipped = TrainSamples(_alpha_config(root, teacher, "train.flip_prob=1"))
    image, label, targets = plain[(0, 3)]
    assert targets.shape == (2, 48, 64) and image.shape == (3, 48, 64)
    # the matte (200) near the square's edge, the label (255) in its middle, 0 far away
    assert targets[0, 26, 36] == pytest.approx(200 / 255, abs=0.02)
    assert targets[0, 26, 46] == pytest.approx(1.0) and targets[0, 26, 5] == 0
    assert (targets[1] == 1).all()
    image_f, label_f, targets_f = flipped[(0, 3)]
    np.testing.assert_allclose(targets_f, targets[:, :, ::-1], atol=1e-6)
    np.testing.assert_array_equal(label_f, label[:, ::-1])


def test_a_run_needs_every_training_matte_before_it_starts(tmp_path):
    root, teacher = tmp_path / "set", tmp_path / "teacher"
    _portrait_set(root, teacher)
    (teacher / "mattes" / "clip" / "00001.png").unlink()
    samples = TrainSamples(_alpha_config(root, teacher))
    with pytest.raises(DataError, match="1 of 2 training images have no matte"):
        check_mattes(samples)


def test_an_exported_alpha_model_gives_the_parser_an_alpha_inside_its_crops(tmp_path):
    root, teacher = tmp_path / "set", tmp_path / "teacher"
    _portrait_set(root, teacher)
    cfg = _alpha_config(root, teacher, "data.crop=person")
    with paddle.utils.unique_name.guard():
        model = build_model(cfg)
    save_weights(tmp_path / "w.pdparams", model)
    export_parser(cfg, tmp_path / "w.pdparams", tmp_path / "export")
    assert json.loads((tmp_path / "export" / "export.json").read_text())["alpha"] is True
    parser = Parser.from_loaded(cfg, export_dir=tmp_path / "export")
    frame = np.full((120, 160, 3), 90, np.uint8)
    dets = Detections(np.array([[40.0, 30.0, 80.0, 90.0]]), np.array([0.9]), np.array([2]))
    boxes = parser.crop_boxes(dets, (160, 120), whole_frame_fallback=False)
    assert parser.frame_outputs(frame, boxes)[1] is None            # not asked for
    probs, alpha = parser.frame_outputs(frame, boxes, with_alpha=True)
    assert probs.shape == (2, 120, 160) and alpha.shape == (120, 160)
    x0, y0, x1, y1 = boxes[0]
    assert alpha[y0:y1, x0:x1].min() > 0 and (alpha[:, :x0] == 0).all()
    dygraph = Parser.from_loaded(cfg, weights=tmp_path / "w.pdparams")
    np.testing.assert_allclose(dygraph.frame_outputs(frame, boxes, with_alpha=True)[1], alpha,
                               atol=1e-4)
    assert parser.frame_outputs(frame, [], with_alpha=True)[1] is None   # nobody: no crop
    np.testing.assert_allclose(exported_forward(tmp_path / "export")(
        np.zeros((1, 3, 48, 64), np.float32)).shape, (1, 3, 48, 64))
    # A pipeline hands the learned alpha on when asked to; by default the outputs ramp the
    # person probability instead.
    from pipeline.pipeline import Pipeline
    assert Pipeline([parser], alpha="learned")(frame).alpha.shape == (120, 160)
    assert Pipeline([parser])(frame).alpha is None


def test_the_written_alpha_is_the_learned_one_when_the_model_gives_one(tmp_path):
    from facevid.data.schema import load_schema
    outputs = FrameOutputs(tmp_path, ("alpha",), load_schema("portrait"), None, 0.5)
    probs = np.zeros((2, 4, 6), np.float32)
    probs[0] = 1.0                                        # the classes say: nobody
    learned = np.linspace(0, 1, 24, dtype=np.float32).reshape(4, 6)
    outputs.add("f0", np.zeros((4, 6, 3), np.uint8), np.zeros((4, 6), np.uint8), probs, [], learned)
    outputs.add("f1", np.zeros((4, 6, 3), np.uint8), np.zeros((4, 6), np.uint8), probs, [])
    outputs.close()
    np.testing.assert_array_equal(read_label(tmp_path / "alpha" / "f0.png"),
                                  (learned * 255 + 0.5).astype(np.uint8))
    assert (read_label(tmp_path / "alpha" / "f1.png") == 0).all()


def test_pasted_people_and_empty_scenes_carry_their_targets(tmp_path):
    root, teacher = tmp_path / "set", tmp_path / "teacher"
    _portrait_set(root, teacher)
    write_image(tmp_path / "scenes" / "a.jpg", np.full((30, 40, 3), 50, np.uint8))
    pasted = TrainSamples(_alpha_config(root, teacher, f"data.backgrounds_root={tmp_path / 'scenes'}",
                                        "train.paste_prob=1", "train.paste_scale=[0.6,0.6]"))
    _, label, targets = pasted[(0, 1)]
    known = targets[1] > 0
    assert (label == 1).any() and known.all()
    assert ((targets[0] > 0.5) == (label == 1))[known].mean() > 0.95
    empty = TrainSamples(_alpha_config(root, teacher, f"data.backgrounds_root={tmp_path / 'scenes'}",
                                       "train.negative_prob=1"))
    _, label, targets = empty[(0, 1)]
    assert (label == 0).all() and (targets[0] == 0).all() and (targets[1] == 1).all()



def test_an_untrained_alpha_head_gives_the_person_probability():
    model = MobileLRASPP(num_classes=3, decoder_channels=8, alpha_head=True)
    model.eval()
    logits, alpha = model(paddle.rand([1, 3, 32, 48]) * 2 - 1)
    probs = paddle.nn.functional.softmax(logits, axis=1).numpy()
    np.testing.assert_allclose(alpha.numpy()[:, 0], 1 - probs[:, 0], atol=1e-5)
