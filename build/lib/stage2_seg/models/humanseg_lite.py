"""PaddleSeg's PP-HumanSeg-Lite with linear logits.

PaddleSeg's `PPHumanSegLite` ends in a separable conv + BN + ReLU, so its logits are clipped at
zero. From pretrained weights that goes unnoticed; trained from scratch here (DAVIS person
frames, Adam 2e-3) every pixel's two logits died at 0 within 500 iterations and the model
predicted background everywhere (J 0.0 on the validation sequences). This variant keeps the
architecture and ends in a depthwise conv + BN and a 1x1 conv without activation.
"""
import paddle.nn as nn
from paddleseg.cvlibs import manager, param_init
from paddleseg.models import PPHumanSegLite, layers


@manager.MODELS.add_component
class HumanSegLite(PPHumanSegLite):
    """PP-HumanSeg-Lite whose last layer gives unbounded logits. `in_channels` 4 adds the
    previous frame's mask as an input channel (see stage2_seg.temporal)."""

    def __init__(self, num_classes: int, in_channels: int = 3, align_corners: bool = False):
        super().__init__(num_classes, in_channels=in_channels, pretrained=None,
                         align_corners=align_corners)
        self.depthwise_separable2 = nn.Sequential(
            layers.DepthwiseConvBN(64, 64, 3),
            nn.Conv2D(64, num_classes, 1))
        for layer in self.depthwise_separable2.sublayers():
            if isinstance(layer, nn.Conv2D):
                param_init.normal_init(layer.weight, std=0.001)
