"""Conversion: a package's PyTorch file -> a checked Paddle state dict on disk."""
from pathlib import Path

import facevid.paddle_env  # noqa: F401  (before paddle)
import paddle
from paddle.vision import models

from facevid.errors import DataError
from facevid.runtime.checkpoint import save_state_dict
from facevid.pretrained.backbones import torchvision_to_paddle
from facevid.pretrained.torch_file import read_torch_state_dict


def build_classifier(arch: str) -> paddle.nn.Layer:
    """paddle.vision's ImageNet classifier of that name (random weights)."""
    return getattr(models, arch)()


def convert(arch: str, pth: Path, out: Path) -> int:
    """Write `pth` converted for `arch` to `out` (atomically); every name and shape must match
    paddle.vision's network exactly. Returns the number of tensors."""
    state = torchvision_to_paddle(read_torch_state_dict(pth))
    expected = {k: tuple(v.shape) for k, v in build_classifier(arch).state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state.items()}
    if got != expected:
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        wrong = sorted(k for k in set(got) & set(expected) if got[k] != expected[k])
        raise DataError(f"{pth}: does not fit paddle.vision's {arch} (missing {missing[:3]}, "
                        f"unexpected {extra[:3]}, other shapes {wrong[:3]})")
    save_state_dict(out, state)
    return len(state)
