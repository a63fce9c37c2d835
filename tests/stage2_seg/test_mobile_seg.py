"""MobileLRASPP (MobileNetV2 + Lite R-ASPP) and loading converted ImageNet weights into it."""
import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.runtime.checkpoint import load_pretrained_backbone, save_weights
from facevid.errors import UserError
from stage2_seg.models import HumanSegLite, MobileLRASPP
from facevid.pretrained.mobilenet import IMAGENET_MEAN, IMAGENET_STD


def test_logits_at_the_input_size_in_eval_and_named_in_training():
    model = MobileLRASPP(num_classes=2, decoder_channels=8)
    x = paddle.rand([2, 3, 72, 128]) * 2 - 1
    model.eval()
    (logits,) = model(x)
    assert logits.shape == [2, 2, 72, 128]
    model.train()
    assert list(model(x)) == ["seg"] and model.training_outputs == ("seg",)


def test_the_backbone_sees_imagenet_statistics_of_the_projects_normalised_input():
    """(x / 255 - 0.5) / 0.5 in, (x / 255 - mean) / std out of the first step."""
    features = MobileLRASPP(num_classes=2, decoder_channels=8).backbone
    rgb = np.random.default_rng(0).integers(0, 255, (1, 3, 4, 4)).astype(np.float32)
    ours = paddle.to_tensor(rgb / 127.5 - 1)
    got = (ours[:, :3] * features.rgb_scale + features.rgb_shift).numpy()
    want = (rgb / 255 - np.array(IMAGENET_MEAN)[:, None, None]) / np.array(IMAGENET_STD)[:, None, None]
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_pretrained_weights_load_into_the_backbone_and_a_fourth_channel_starts_at_zero(tmp_path):
    source = MobileLRASPP(num_classes=2, decoder_channels=8).backbone
    state = {k: v.numpy() + 0.5 for k, v in source.state_dict().items()}   # known values
    path = tmp_path / "imagenet.pdparams"
    paddle.save(state, str(path))
    model = MobileLRASPP(num_classes=2, in_channels=4, decoder_channels=8)
    load_pretrained_backbone(path, model)
    first = model.backbone.state_dict()["features.0.0.weight"].numpy()
    np.testing.assert_allclose(first[:, :3], state["features.0.0.weight"])
    assert (first[:, 3] == 0).all()
    np.testing.assert_allclose(model.backbone.state_dict()["features.17.conv.3._mean"].numpy(),
                               state["features.17.conv.3._mean"])
    del state["features.17.conv.3._mean"]
    paddle.save(state, str(path))
    with pytest.raises(UserError, match="does not fit the model's backbone"):
        load_pretrained_backbone(path, model)
    with pytest.raises(UserError, match="make train-deps"):
        load_pretrained_backbone(tmp_path / "missing.pdparams", model)
    save_weights(tmp_path / "lite.pdparams", HumanSegLite(2))
    with pytest.raises(UserError, match="has no backbone that takes ImageNet weights"):
        load_pretrained_backbone(tmp_path / "lite.pdparams", HumanSegLite(2))


def test_the_recipes_eanet_runs_on_the_fused_mobilenet_features():
    from stage2_seg.models import EANet
    from stage2_seg.models.mobile_seg import MobileNetV2Features
    backbone = MobileNetV2Features(fused=True)
    assert backbone.feat_channels[-1] == 24 + 32 + 96 + 320
    model = EANet(num_classes=5, backbone=backbone, backbone_indices=[4], ocr_mid_channels=16,
                  ocr_key_channels=8, edge_channels=8)
    model.train()
    out = model(paddle.rand([2, 3, 64, 64]))
    assert {k: v.shape for k, v in out.items()} == {"seg": [2, 5, 64, 64], "aux": [2, 5, 64, 64],
                                                   "edge": [2, 1, 64, 64]}


def test_the_fused_map_projection_is_new_and_imagenet_weights_load_around_it(tmp_path):
    from stage2_seg.models.mobile_seg import MobileNetV2Features
    backbone = MobileNetV2Features(fused=True, fused_channels=16)
    assert backbone.feat_channels[-1] == 16
    assert backbone(paddle.rand([1, 3, 64, 64]))[-1].shape == [1, 16, 16, 16]
    state = {k: v.numpy() + 0.25 for k, v in MobileNetV2Features().state_dict().items()}
    before = backbone.fuse_projection.state_dict()["_conv.weight"].numpy().copy()
    assert backbone.load_imagenet(state) == len(state)
    np.testing.assert_allclose(backbone.state_dict()["features.1.conv.0.0.weight"].numpy(),
                               state["features.1.conv.0.0.weight"])
    np.testing.assert_array_equal(backbone.fuse_projection.state_dict()["_conv.weight"].numpy(), before)
