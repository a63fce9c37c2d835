"""EANet (edge branch, add/cat fusion, refine head), its configs, and mirror-aware flip TTA."""
import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.config.load import load_config
from facevid.errors import ConfigError
from stage2_seg.components import build_model
from stage2_seg.parser import Parser
from stage2_seg.forward import dygraph_forward
from stage2_seg.losses.terms import LossComputer
from tests.helpers import MICRO_EANET, ROOT

CONFIGS = ROOT / "configs"


def _tiny(fusion, *extra):
    return load_config(CONFIGS / f"stage2_eanet_{fusion}_tiny.yml", MICRO_EANET + list(extra))


@pytest.mark.parametrize("fusion", ["add", "cat"])
def test_training_outputs_and_every_loss_term_backpropagates(fusion):
    cfg = _tiny(fusion)
    model = build_model(cfg)
    assert model.fusion == fusion
    x = paddle.randn([2, 3, 32, 32])
    out = model(x)
    assert set(out) == {"seg", "aux", "edge", "refined"}
    assert out["seg"].shape == [2, 18, 32, 32] and out["edge"].shape == [2, 1, 32, 32]
    labels = paddle.randint(0, 18, [2, 32, 32])
    parts = LossComputer.for_model(cfg, model)(out, labels)
    assert {"aux/CrossEntropyLoss", "seg/LovaszSoftmaxLoss", "edge/EdgeBCELoss",
            "seg/EdgeAttentionCELoss", "refined/CrossEntropyLoss"} <= set(parts)
    parts["total"].backward()
    for name in ("edge_head", "fuse", "refine", "cls_head"):
        grads = [p.grad for p in getattr(model, name).parameters()]
        assert any(g is not None and float(g.abs().sum()) > 0 for g in grads), name
    model.eval()
    (logits,) = model(x)
    assert logits.shape == [2, 18, 32, 32]


def test_refine_head_starts_as_the_identity_and_is_switchable():
    model = build_model(_tiny("cat"))
    out = model(paddle.randn([1, 3, 32, 32]))
    np.testing.assert_allclose(out["refined"].numpy(), out["seg"].numpy(), atol=1e-6)
    plain = build_model(_tiny("cat", "model.refine_layers=0",
                              "loss=[{output: seg, type: CrossEntropyLoss}]"))
    assert plain.refine is None and "refined" not in plain(paddle.randn([1, 3, 32, 32]))


def test_a_loss_on_a_missing_output_and_a_bad_fusion_are_config_errors():
    cfg = _tiny("cat", "model.refine_layers=0")
    model = build_model(cfg)
    with pytest.raises(ConfigError, match="reads output 'refined'"):   # before any training
        LossComputer.for_model(cfg, model)
    with pytest.raises(ConfigError, match="fusion must be one of"):
        build_model(_tiny("cat", "model.fusion=sum"))


@pytest.mark.parametrize("name", ["stage2_ocrnet.yml", "stage2_eanet_add.yml", "stage2_eanet_cat.yml"])
def test_full_recipe_configs_build_and_run_a_small_forward(name):
    """The published recipe: SE-HRNet-W48, 448 train / 480 eval, built and run at 64x64."""
    cfg = load_config(CONFIGS / name)
    assert cfg.train.crop_size == [448, 448] and cfg.eval.size == [480, 480]
    model = build_model(cfg)
    assert model.backbone.has_se and model.backbone.stage4_num_channels == [48, 96, 192, 384]
    model.eval()
    with paddle.no_grad():
        (logits,) = model(paddle.randn([1, 3, 64, 64]))
    assert logits.shape == [1, 18, 64, 64]


def test_flip_tta_of_a_mirror_symmetric_input_gives_mirror_consistent_labels():
    cfg = _tiny("cat")
    model = build_model(cfg)
    rng = np.random.default_rng(1)
    for param in model.parameters():       # away from the near-zero init: a lopsided model
        if not param.stop_gradient:        # (BN running statistics are parameters too)
            param.set_value(rng.normal(0, 0.2, param.shape).astype(np.float32))
    model.eval()
    half = rng.integers(0, 255, (32, 16, 3), dtype=np.uint8)
    symmetric = np.concatenate([half, half[:, ::-1]], axis=1)
    lut = cfg.class_schema.mirror_lut()
    tta = Parser.from_config(load_config(CONFIGS / "stage2_eanet_cat_tiny.yml",
                                         MICRO_EANET + ["eval.flip_tta=true"]), dygraph_forward(model))
    (logits,) = tta.parse_crops([symmetric])
    labels = np.argmax(logits, axis=0).astype(np.uint8)
    assert any(lut[c] != c for c in np.unique(labels))     # some left/right class is predicted
    assert np.array_equal(lut[labels[:, ::-1]], labels)
    plain_parser = Parser.from_config(load_config(CONFIGS / "stage2_eanet_cat_tiny.yml",
                                                  MICRO_EANET + ["eval.flip_tta=false"]),
                                      dygraph_forward(model))
    (plain,) = plain_parser.parse_crops([symmetric])
    swapped = plain[lut[:18]][:, :, ::-1]
    assert not np.allclose(swapped, plain)          # without TTA the model is not symmetric


def test_frame_probabilities_are_the_softmax_of_the_frame_logits():
    from postprocess.ensemble import softmax
    cfg = _tiny("cat")
    model = build_model(cfg)
    rng = np.random.default_rng(2)
    for param in model.parameters():
        if not param.stop_gradient:
            param.set_value(rng.normal(0, 0.2, param.shape).astype(np.float32))
    model.eval()
    parser = Parser.from_config(cfg, dygraph_forward(model))
    frame = rng.integers(0, 255, (60, 90, 3), dtype=np.uint8)
    for boxes in ([(10, 5, 40, 35), (30, 20, 70, 58)], [], [(0, 0, 90, 60)]):
        np.testing.assert_allclose(parser.frame_probs(frame, boxes),
                                   softmax(parser.frame_logits(frame, boxes)), atol=1e-5)
