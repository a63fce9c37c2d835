"""MobileNetV2's features at strides 4, 8, 16 and 32, in the layout the converted ImageNet
weights load into: one network for both stages (the stage-2 segmentation backbone,
stage2_seg.models.mobile_seg, and the stage-1 detector backbone, stage1_detect.backbones),
each registering it with its own framework.

The network is paddle.vision's MobileNetV2 (width 1.0), cut after its last inverted-residual
block. It takes images normalised either the stage-2 way, (x / 255 - 0.5) / 0.5, re-normalised
inside to ImageNet's statistics so pretrained weights see what they were trained on, or already
with ImageNet's statistics (the detector's input). A 4th input channel (a previous frame's mask)
gets a zero-initialised slice of the first convolution, so it starts as the 3-channel network.
"""
from typing import Dict, List

import numpy as np
import paddle
import paddle.nn as nn
from paddle.vision.models import mobilenet_v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# Indices into MobileNetV2.features after which the stride doubles next (outputs at 4, 8, 16, 32).
TAPS = (3, 6, 13, 17)
TAP_CHANNELS = (24, 32, 96, 320)
TAP_STRIDES = (4, 8, 16, 32)
INPUT_NORMS = ("half", "imagenet")    # (x/255 - 0.5)/0.5, or ImageNet's mean and std


class MobileNetV2Taps(nn.Layer):
    """MobileNetV2 -> its features at strides 4, 8, 16, 32 (24, 32, 96, 320 channels)."""

    def __init__(self, in_channels: int = 3, input_norm: str = "half"):
        super().__init__()
        if input_norm not in INPUT_NORMS:
            raise ValueError(f"input_norm must be one of {INPUT_NORMS}, got {input_norm!r}")
        self.features = mobilenet_v2(with_pool=False, num_classes=-1).features[:TAPS[-1] + 1]
        self.in_channels, self.input_norm = in_channels, input_norm
        if in_channels != 3:
            first = self.features[0][0]
            self.features[0][0] = nn.Conv2D(in_channels, first._out_channels, 3, stride=2,
                                            padding=1, bias_attr=False)
        # (x * 0.5 + 0.5 - mean) / std per channel: the project's [-1, 1] input to ImageNet's.
        scale = np.array([0.5 / s for s in IMAGENET_STD], np.float32)
        shift = np.array([(0.5 - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)], np.float32)
        self.register_buffer("rgb_scale", paddle.to_tensor(scale.reshape(1, 3, 1, 1)), persistable=False)
        self.register_buffer("rgb_shift", paddle.to_tensor(shift.reshape(1, 3, 1, 1)), persistable=False)

    def taps(self, x: paddle.Tensor) -> List[paddle.Tensor]:
        if self.input_norm == "half":
            rgb = x[:, :3] * self.rgb_scale + self.rgb_shift
            x = paddle.concat([rgb, x[:, 3:]], axis=1) if self.in_channels > 3 else rgb
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in TAPS:
                out.append(x)
        return out

    def load_imagenet(self, state: Dict[str, np.ndarray]) -> int:
        """Load paddle.vision MobileNetV2 ImageNet weights (facevid.pretrained.convert's output);
        the classifier is left out and an extra input channel starts at zero. Returns how many
        tensors were loaded; every feature tensor must be there (layers a subclass adds on top
        keep their initialisation)."""
        own = {k: v for k, v in self.state_dict().items() if k.startswith("features.")}
        loaded = {}
        for name, value in own.items():
            if name not in state:
                raise ValueError(f"pretrained weights lack {name}")
            source = np.asarray(state[name], np.float32)
            if name == "features.0.0.weight" and self.in_channels != 3:
                padded = np.zeros(value.shape, np.float32)
                padded[:, :3] = source
                source = padded
            if list(source.shape) != list(value.shape):
                raise ValueError(f"pretrained {name} has shape {list(source.shape)}, the network "
                                 f"{list(value.shape)}")
            loaded[name] = source
        self.set_state_dict(loaded)
        return len(loaded)
