"""Pretrained backbones converted from the packages' PyTorch files, without torch."""
import numpy as np
import pytest

import facevid.paddle_env  # noqa: F401  (before paddle)
from facevid.io.demo_assets import asset_path
from facevid.errors import DataError
from facevid.io.files import read_image
from facevid.io.package_files import package_file
from facevid.pretrained.backbones import BACKBONES
from facevid.pretrained.torch_file import read_torch_state_dict

MOBILENET = BACKBONES["mobilenet_v2"]
needs_mobilenet = pytest.mark.skipif(
    package_file(MOBILENET.package, MOBILENET.relative) is None,
    reason=f"{MOBILENET.pip_name} is a training extra (make train-deps), not installed here")
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
CATS = range(281, 286)        # ImageNet: tabby, tiger cat, Persian, Siamese, Egyptian cat


def test_a_file_that_is_not_a_state_dict_is_refused_by_name(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a pickle at all")
    with pytest.raises(DataError, match="bad.pth: not a readable PyTorch state dict"):
        read_torch_state_dict(bad)
    with pytest.raises(DataError, match="file not found"):
        read_torch_state_dict(tmp_path / "missing.pth")


@needs_mobilenet
def test_the_converted_mobilenet_v2_calls_chelsea_a_cat(tmp_path):
    import cv2
    import paddle
    from facevid.pretrained.convert import build_classifier, convert
    out = tmp_path / "mnv2.pdparams"
    assert convert("mobilenet_v2", MOBILENET.path(), out) == 262
    model = build_classifier("mobilenet_v2")
    model.set_state_dict(paddle.load(str(out)))
    model.eval()
    image = cv2.resize(read_image(asset_path("chelsea")), (224, 224), interpolation=cv2.INTER_AREA)
    x = (image.astype(np.float32) / 255 - IMAGENET_MEAN) / IMAGENET_STD
    probs = paddle.nn.functional.softmax(model(paddle.to_tensor(x.transpose(2, 0, 1)[None].astype(np.float32))))
    probs = probs.numpy()[0]
    assert int(probs.argmax()) in CATS and probs[list(CATS)].sum() > 0.8, probs.argsort()[-5:]
    # A random network does not: the answer comes from the converted weights.
    random = build_classifier("mobilenet_v2")
    random.eval()
    random_probs = paddle.nn.functional.softmax(random(paddle.to_tensor(
        x.transpose(2, 0, 1)[None].astype(np.float32)))).numpy()[0]
    assert random_probs[list(CATS)].sum() < 0.1
