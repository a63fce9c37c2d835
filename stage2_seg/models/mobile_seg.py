"""MobileLRASPP: an ImageNet-pretrainable MobileNetV2 with an LR-ASPP head and a light top-down
decoder, for portraits (whole frame or person crops) and faces on a CPU.

The backbone is paddle.vision's MobileNetV2 (the layout torchvision's ImageNet weights convert
into: facevid.pretrained); its features at strides 4, 8, 16 and 32 feed the head. The head is
MobileNetV3's Lite R-ASPP (Howard et al., ICCV 2019) on the stride-32 features: a 1x1 branch
gated by a global-pooling branch. A top-down path then adds the stride-16, 8 and 4 features
(1x1 laterals, a depthwise-separable 3x3 after each sum) so edges are decided at a quarter of
the input, not an eighth.

Inputs follow the project's normalisation, (x / 255 - 0.5) / 0.5 (stage2_seg.data); the
backbone re-normalises to ImageNet's statistics inside, so pretrained weights see what they
were trained on. A 4th input channel (the previous frame's mask, stage2_seg.temporal) gets a
zero-initialised slice of the first convolution, so it starts as the 3-channel network.
"""
from typing import Dict, Tuple

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddle.vision.models import mobilenet_v2
from paddleseg.cvlibs import manager
from paddleseg.models import layers

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# Indices into MobileNetV2.features after which the stride doubles next (outputs at 4, 8, 16, 32).
TAPS = (3, 6, 13, 17)
TAP_CHANNELS = (24, 32, 96, 320)


@manager.BACKBONES.add_component
class MobileNetV2Features(nn.Layer):
    """MobileNetV2 (width 1.0) -> features at strides 4, 8, 16, 32 (24, 32, 96, 320 channels),
    a PaddleSeg backbone (`feat_channels`). With `fused`, a fifth output concatenates all four
    at stride 4 (472 channels), the one map HRNet gives the recipe's EANet/OCR heads (their soft
    regions and pixels must share a size)."""

    def __init__(self, in_channels: int = 3, fused: bool = False):
        super().__init__()
        self.fused = fused
        self.feat_channels = list(TAP_CHANNELS) + ([sum(TAP_CHANNELS)] if fused else [])
        self.features = mobilenet_v2(with_pool=False, num_classes=-1).features[:TAPS[-1] + 1]
        self.in_channels = in_channels
        if in_channels != 3:
            first = self.features[0][0]
            self.features[0][0] = nn.Conv2D(in_channels, first._out_channels, 3, stride=2,
                                            padding=1, bias_attr=False)
        # (x * 0.5 + 0.5 - mean) / std per channel: the project's [-1, 1] input to ImageNet's.
        scale = np.array([0.5 / s for s in IMAGENET_STD], np.float32)
        shift = np.array([(0.5 - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)], np.float32)
        self.register_buffer("rgb_scale", paddle.to_tensor(scale.reshape(1, 3, 1, 1)), persistable=False)
        self.register_buffer("rgb_shift", paddle.to_tensor(shift.reshape(1, 3, 1, 1)), persistable=False)

    def forward(self, x: paddle.Tensor) -> Tuple[paddle.Tensor, ...]:
        rgb = x[:, :3] * self.rgb_scale + self.rgb_shift
        x = paddle.concat([rgb, x[:, 3:]], axis=1) if self.in_channels > 3 else rgb
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in TAPS:
                out.append(x)
        if self.fused:
            size = out[0].shape[2:]
            out.append(paddle.concat([out[0]] + [F.interpolate(f, size, mode="bilinear")
                                                 for f in out[1:]], axis=1))
        return tuple(out)

    def load_imagenet(self, state: Dict[str, np.ndarray]) -> int:
        """Load paddle.vision MobileNetV2 ImageNet weights (facevid.pretrained's conversion);
        the classifier is left out and an extra input channel starts at zero. Returns how many
        tensors were loaded; every feature tensor of this network must be there."""
        own = self.state_dict()
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


class LiteRASPP(nn.Layer):
    """Lite R-ASPP: 1x1 conv + BN + ReLU, times a sigmoid gate from global pooling."""

    def __init__(self, in_channels: int, channels: int):
        super().__init__()
        self.branch = layers.ConvBNReLU(in_channels, channels, 1)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2D(1), nn.Conv2D(in_channels, channels, 1),
                                  nn.Sigmoid())

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return self.branch(x) * self.gate(x)


@manager.MODELS.add_component
class MobileLRASPP(nn.Layer):
    """MobileNetV2 + Lite R-ASPP + top-down decoder to stride 4 -> logits at the input size.

    In training returns {"seg": logits}; in eval `[logits]` like PaddleSeg's models."""

    training_outputs = ("seg",)

    def __init__(self, num_classes: int, in_channels: int = 3, decoder_channels: int = 64,
                 align_corners: bool = False):
        super().__init__()
        self.backbone = MobileNetV2Features(in_channels)
        self.head = LiteRASPP(TAP_CHANNELS[-1], decoder_channels)
        self.laterals = nn.LayerList([layers.ConvBNReLU(c, decoder_channels, 1)
                                      for c in TAP_CHANNELS[:-1]])
        self.fuse = nn.LayerList([layers.DepthwiseConvBN(decoder_channels, decoder_channels, 3)
                                  for _ in TAP_CHANNELS[:-1]])
        self.classifier = nn.Conv2D(decoder_channels, num_classes, 1)
        self.align_corners = align_corners

    def forward(self, x: paddle.Tensor):
        feats = self.backbone(x)
        y = self.head(feats[-1])
        for lateral, fuse, feat in zip(self.laterals[::-1], self.fuse[::-1], feats[-2::-1]):
            y = F.interpolate(y, feat.shape[2:], mode="bilinear", align_corners=self.align_corners)
            y = F.relu(fuse(y + lateral(feat)))
        logits = F.interpolate(self.classifier(y), x.shape[2:], mode="bilinear",
                               align_corners=self.align_corners)
        return [logits] if not self.training else {"seg": logits}
