"""The ImageNet-pretrainable MobileNetV2 (facevid.pretrained.mobilenet) as a PaddleDetection
backbone, so Cascade-RCNN's FPN reads its strides 4-32 and `train.pretrained_backbone` loads
the converted weights into it. The detector's input is already normalised with ImageNet's
statistics (stage1_detect.data), so the network takes it as it is."""
from typing import List, Sequence

import paddle
from ppdet.core.workspace import register, serializable
from ppdet.modeling.shape_spec import ShapeSpec

from facevid.pretrained.mobilenet import TAP_CHANNELS, TAP_STRIDES, MobileNetV2Taps


@register
@serializable
class MobileNetV2Det(MobileNetV2Taps):
    """MobileNetV2 -> the features at `return_idx` of strides (4, 8, 16, 32)."""

    def __init__(self, return_idx: Sequence[int] = (0, 1, 2, 3)):
        super().__init__(3, input_norm="imagenet")
        if not return_idx or any(i not in range(len(TAP_STRIDES)) for i in return_idx):
            raise ValueError(f"MobileNetV2Det.return_idx must pick from 0-3, got {list(return_idx)}")
        self.return_idx = list(return_idx)

    @property
    def out_shape(self) -> List[ShapeSpec]:
        return [ShapeSpec(channels=TAP_CHANNELS[i], stride=TAP_STRIDES[i]) for i in self.return_idx]

    def forward(self, inputs) -> List[paddle.Tensor]:
        taps = self.taps(inputs["image"])
        return [taps[i] for i in self.return_idx]
