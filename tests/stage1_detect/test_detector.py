"""Stage 1 through PaddleDetection: tiny Cascade-RCNN, its samples, training loop and API."""
import numpy as np
import pytest

import stage1_detect  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.config.load import load_config
from facevid.errors import ConfigError
from stage1_detect.data import DetSamples, collate
from stage1_detect.detector import Detector, VideoDetector
from stage1_detect.evaluate import evaluate_detector
from stage1_detect.model import build_detector
from stage1_detect.train import train
from tests.helpers import MICRO_DET, ROOT, TINY_DET



def _cfg(root, *extra):
    return load_config(TINY_DET, MICRO_DET + [f"data.train_root={root}", f"data.val_root={root}",
                                              *extra])


def test_samples_flip_boxes_with_the_image_and_batches_pad_to_32(synth_root):
    plain = DetSamples(_cfg(synth_root, "train.flip_prob=0"))[(0, 1)]
    flipped = DetSamples(_cfg(synth_root, "train.flip_prob=1"))[(0, 1)]
    w = plain["image"].shape[2]
    assert plain["image"].shape == (3, 96, 128) and len(plain["gt_bbox"]) > 0
    np.testing.assert_allclose(flipped["gt_bbox"][:, [2, 0]], w - plain["gt_bbox"][:, [0, 2]], atol=1e-4)
    np.testing.assert_allclose(flipped["image"], plain["image"][:, :, ::-1])
    batch = collate([plain, flipped])
    assert batch["image"].shape == [2, 3, 96, 128] and len(batch["gt_bbox"]) == 2


def test_a_few_steps_lower_the_detector_loss_on_a_fixed_batch(synth_root):
    cfg = _cfg(synth_root)
    paddle.seed(0)
    with paddle.utils.unique_name.guard():
        model = build_detector(cfg)
    samples = DetSamples(cfg)
    batch = collate([samples[(0, 0)], samples[(1, 0)]])
    optimizer = paddle.optimizer.Adam(1e-3, parameters=model.parameters())
    model.train()
    losses = []
    for _ in range(12):
        paddle.seed(1)             # the same anchor and RoI sampling every step
        loss = model(batch)["loss"]
        losses.append(float(loss))
        loss.backward()
        optimizer.step()
        optimizer.clear_grad()
    assert losses[-1] < 0.7 * losses[0], losses


def test_training_loop_checkpoints_and_the_api_returns_detections(synth_root, tmp_path):
    cfg = _cfg(synth_root, "train.iters=2", "train.eval_interval=2", "train.save_interval=2",
               "infer.score_threshold=0.0")
    metrics = train(cfg, tmp_path / "run", show_progress=False)
    for key in ("AP", "AP50", "recall_face", "recall_person", "face_pixels_in_crops",
                "seconds_per_frame", "fallback_frames"):
        assert key in metrics
    assert (tmp_path / "run" / "iter_0000002" / "state.json").is_file()
    detector = Detector.from_files(TINY_DET, tmp_path / "run" / "iter_0000002" / "model.pdparams",
                                   MICRO_DET + [f"data.train_root={synth_root}",
                                                f"data.val_root={synth_root}"])
    frame = np.zeros((96, 128, 3), np.uint8)
    dets = detector(frame)
    assert dets.boxes.shape[1] == 4 and (dets.boxes[:, 2:] <= [128, 96]).all()
    assert set(dets.class_ids.tolist()) <= {1, 2}
    video = VideoDetector(detector, class_id=1)
    assert set(video(frame).class_ids.tolist()) <= {1}
    again = evaluate_detector(detector, cfg, max_frames=2, show_progress=False)
    assert again["frames"] == 2


def test_detector_config_errors_are_clear(synth_root):
    with pytest.raises(ConfigError, match="num_classes is 2 but the detector is trained on 1"):
        _cfg(synth_root, "data.person_boxes=false")
    with pytest.raises(ConfigError, match=r"ResNet: unknown argument\(s\) \['depht'\]"):
        build_detector(_cfg(synth_root, "ResNet.depht=18"))
    with pytest.raises(ConfigError, match="neither one of our config sections"):
        build_detector(_cfg(synth_root, "Resnet.depth=18"))


def test_recipe_configs_build_including_deformable_convolutions():
    for name, dcn in (("stage1_cascade_rcnn_r50_fpn.yml", [-1]),
                      ("stage1_cascade_rcnn_dcn_r50_fpn.yml", [1, 2, 3])):
        cfg = load_config(ROOT / "configs" / name)
        with paddle.utils.unique_name.guard():
            model = build_detector(cfg)
        assert model.backbone.dcn_v2_stages == dcn and cfg.train.image_size == [1333, 800]


def test_a_person_only_detector_reports_person_categories(tmp_path):
    from facevid.boxes.mask_boxes import PERSON
    from facevid.synthetic.clips import generate
    data = generate(tmp_path / "p", clips=1, seed=1, frames=2, size=(128, 96), task="portrait")
    cfg = load_config(ROOT / "configs" / "stage1_cascade_rcnn_persons_cpu.yml",
                      MICRO_DET + ["data.format=challenge", f"data.train_root={data}",
                                   f"data.val_root={data}", "data.split_file=null",
                                   "data.mask_values=ids", "train.iters=1", "train.eval_interval=1",
                                   "train.save_interval=1", "infer.score_threshold=0.0",
                                   "CSPResNet.width_mult=0.125"])
    metrics = train(cfg, tmp_path / "run", show_progress=False)
    assert "recall_person" in metrics and "recall_face" not in metrics
    assert (tmp_path / "run" / "best_model.pdparams").is_file()     # chosen by person recall
    detector = Detector.from_files(ROOT / "configs" / "stage1_cascade_rcnn_persons_cpu.yml",
                                   tmp_path / "run" / "iter_0000001" / "model.pdparams",
                                   MICRO_DET + ["CSPResNet.width_mult=0.125"])
    assert detector.categories.tolist() == [PERSON]
    assert set(detector.raw(np.zeros((96, 128, 3), np.uint8)).class_ids.tolist()) <= {PERSON}
    with pytest.raises(ConfigError, match="face_boxes and data.person_boxes are both false"):
        load_config(ROOT / "configs" / "stage1_cascade_rcnn_persons_cpu.yml", ["data.person_boxes=false"])


def test_the_exported_detector_finds_what_the_dygraph_one_finds(synth_root, tmp_path):
    from stage1_detect.export import export_detector
    from stage1_detect.model import trained_detector_model
    cfg = _cfg(synth_root, "infer.score_threshold=0.0")
    with paddle.utils.unique_name.guard():
        model = build_detector(cfg)
    rng = np.random.default_rng(0)
    for param in model.parameters():              # a lopsided model that finds boxes
        if not param.stop_gradient and len(param.shape) > 1:
            param.set_value(param.numpy() + rng.normal(0, 0.05, param.shape).astype(np.float32))
    from facevid.runtime.checkpoint import save_weights
    save_weights(tmp_path / "w.pdparams", model)
    export_detector(cfg, trained_detector_model(cfg, tmp_path / "w.pdparams"), tmp_path / "w.pdparams",
                    tmp_path / "export")
    opts = MICRO_DET + ["infer.score_threshold=0.0"]
    dygraph = Detector.from_files(TINY_DET, tmp_path / "w.pdparams", opts)
    exported = Detector.from_files(TINY_DET, opts=opts, export_dir=tmp_path / "export")
    from facevid.data.readers import ChallengeClips
    frame = ChallengeClips(synth_root).load(0)[0]
    a, b = dygraph.raw(frame), exported.raw(frame)
    assert len(a) == len(b) > 0
    np.testing.assert_allclose(a.boxes, b.boxes, atol=0.5)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-3)


def test_cascade_rcnn_trains_on_the_pretrainable_mobilenet_backbone(synth_root, tmp_path):
    from stage1_detect.backbones import MobileNetV2Det
    cfg = load_config(ROOT / "configs" / "stage1_cascade_rcnn_faces_mnv2_cpu.yml",
                      [f"data.train_root={synth_root}", f"data.val_root={synth_root}",
                       "schema=sfp18", "data.format=challenge", "train.image_size=[128,96]"])
    with paddle.utils.unique_name.guard():
        model = build_detector(cfg)
    assert isinstance(model.backbone, MobileNetV2Det)
    assert [s.stride for s in model.backbone.out_shape] == [4, 8, 16, 32]
    samples = DetSamples(cfg)
    model.train()
    loss = model(collate([samples[(0, 0)], samples[(1, 0)]]))["loss"]
    loss.backward()
    assert np.isfinite(float(loss))
    assert model.backbone.features[0][0].weight.grad is not None
    with pytest.raises(ValueError, match="return_idx must pick from 0-3"):
        MobileNetV2Det(return_idx=[4])
