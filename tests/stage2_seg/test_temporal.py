"""The previous-mask channel: simulated in training, fed by the pipeline at inference."""
import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)

from facevid.config.load import load_config
from stage2_seg.components import build_model
from stage2_seg.data import TrainSamples
from stage2_seg.parser import Parser
from stage2_seg.forward import dygraph_forward
from facevid.config.sections import PrevMaskNoise
from stage2_seg.temporal import simulated_prev_mask, with_prev_channel
from tests.helpers import CONFIGS


def test_simulated_previous_masks_are_dropped_or_moved_copies():
    label = np.zeros((60, 80), np.uint8)
    label[20:40, 30:50] = 1
    drops = [simulated_prev_mask(label, 255, PrevMaskNoise(drop_prob=1.0), np.random.default_rng(i))
             for i in range(3)]
    assert all(d.max() == 0 for d in drops)
    moved = simulated_prev_mask(label, 255, PrevMaskNoise(drop_prob=0.0, shift=0.1, edge_px=0),
                                np.random.default_rng(1))
    assert set(np.unique(moved).tolist()) <= {0, 255}
    overlap = ((moved > 0) & (label > 0)).sum() / (label > 0).sum()
    assert 0.2 < overlap and not np.array_equal(moved > 0, label > 0)


def test_the_four_channel_model_trains_on_and_parses_with_or_without_a_previous_mask(tmp_path, monkeypatch):
    from facevid.synthetic.clips import generate
    data = generate(tmp_path / "p", clips=1, seed=1, frames=2, size=(128, 96), task="portrait")
    cfg = load_config(CONFIGS / "stage2_portrait_lite_temporal_cpu.yml",
                      ["train.crop_size=[64,48]", "eval.size=[64,48]", "data.format=challenge",
                       f"data.train_root={data}", f"data.val_root={data}", "data.split_file=null",
                       "data.mask_values=ids", "data.backgrounds_root=null", "data.extra_sets=[]", "train.paste_prob=0",
                       "train.negative_prob=0"])
    image, label = TrainSamples(cfg)[(0, 5)]
    assert image.shape == (4, 48, 64) and -1.0 <= image[3].min() and image[3].max() <= 1.0
    model = build_model(cfg)
    assert model.conv_bn0._conv.weight.shape[1] == 4
    rng = np.random.default_rng(0)
    for param in model.parameters():       # away from the near-zero init
        if not param.stop_gradient:
            param.set_value(rng.normal(0, 0.3, param.shape).astype(np.float32))
    model.eval()
    parser = Parser.from_config(cfg, dygraph_forward(model))
    frame = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    without = parser.frame_logits(with_prev_channel(frame, np.zeros((48, 64), np.float32)), [(0, 0, 64, 48)])
    with_mask = parser.frame_logits(with_prev_channel(frame, np.ones((48, 64), np.float32)), [(0, 0, 64, 48)])
    assert without.shape == (2, 48, 64) and not np.allclose(without, with_mask)

    from pipeline.pipeline import GrabCutSettings, Pipeline
    pipe = Pipeline([parser], grabcut=GrabCutSettings(enabled=False))
    first = pipe(frame)
    second = pipe(frame)                     # now with the first frame's mask as channel 4
    assert not np.allclose(first.probs, second.probs)
    pipe.new_video()
    np.testing.assert_allclose(pipe(frame).probs, first.probs, atol=1e-6)   # a cut: no memory

    # Validation during training feeds it each frame's predecessor in the clip, as video does.
    from stage2_seg.evaluate import evaluate
    metrics = evaluate(model, cfg, show_progress=False)
    assert metrics["frames"] == 2 and 0.0 <= metrics["miou"] <= 1.0
    # eval.lowres_scale: every validation frame is degraded by that factor before parsing.
    import stage2_seg.evaluate as evaluation
    seen = []
    real = evaluation.low_resolution
    monkeypatch.setattr(evaluation, "low_resolution",
                        lambda image, factor: seen.append((image.shape, factor)) or real(image, factor))
    cfg.eval.lowres_scale = 0.1
    evaluate(model, cfg, show_progress=False)
    assert seen == [((96, 128, 3), 0.1)] * 2
    # The second frame gets the first one's mask; not so in a clip of unrelated photos.
    cfg.eval.lowres_scale = None
    prev_masks = []
    real_prev = evaluation.with_prev_channel
    monkeypatch.setattr(evaluation, "with_prev_channel",
                        lambda image, prev: prev_masks.append(prev.copy()) or real_prev(image, prev))
    evaluate(model, cfg, show_progress=False)
    assert not prev_masks[0].any() and prev_masks[1].any()
    prev_masks.clear()
    cfg.eval.photo_clips = ["clip_0000"]
    evaluate(model, cfg, show_progress=False)
    assert not prev_masks[0].any() and not prev_masks[1].any()


def test_probability_smoothing_blends_the_previous_frame_and_resets_at_a_cut():
    from pipeline.pipeline import GrabCutSettings, Pipeline
    from stage2_seg.crop_rule import CropRule
    from facevid.data.schema import load_schema
    outputs = iter([np.full((1, 2, 8, 8), v, np.float32) * np.array([1, -1], np.float32)[None, :, None, None]
                    for v in (3.0, -3.0, -3.0)])
    parser = Parser(lambda batch: next(outputs), load_schema("portrait"), (8, 8), CropRule("frame", 0.0))
    pipe = Pipeline([parser], grabcut=GrabCutSettings(enabled=False), smoothing=0.5)
    frame = np.zeros((8, 8, 3), np.uint8)
    first = pipe(frame).probs[1, 0, 0]            # background-sure frame
    second = pipe(frame).probs[1, 0, 0]           # person-sure frame, blended half with the first
    np.testing.assert_allclose(second, (first + (1 - first)) / 2, atol=1e-6)
    pipe.new_video()
    assert pipe(frame).probs[1, 0, 0] > 0.99      # after a cut: no memory


def test_a_three_channel_model_starts_its_previous_mask_variant_computing_the_same(tmp_path):
    """init_weights from an RGB model into one that also reads the previous mask: the first
    convolution's new input channel starts at zero, so the output ignores the mask at first."""
    import paddle
    from facevid.runtime.checkpoint import load_weights, save_weights
    from stage2_seg.models.mobile_seg import MobileLRASPP
    rgb = MobileLRASPP(num_classes=2, decoder_channels=8)
    save_weights(tmp_path / "w.pdparams", rgb)
    temporal = MobileLRASPP(num_classes=2, in_channels=4, decoder_channels=8)
    grown = load_weights(tmp_path / "w.pdparams", temporal, new_layers_ok=True)
    assert len(grown) == 1 and "input channels 3 -> 4" in grown[0]
    rgb.eval(), temporal.eval()
    x = paddle.rand([1, 3, 64, 48]) * 2 - 1
    mask = paddle.rand([1, 1, 64, 48])
    np.testing.assert_allclose(temporal(paddle.concat([x, mask], axis=1))[0].numpy(),
                               rgb(x)[0].numpy(), atol=1e-5)
    with pytest.raises(Exception, match="shape"):          # only a fine-tuning may grow it
        load_weights(tmp_path / "w.pdparams", temporal)
