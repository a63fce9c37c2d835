"""MobileLRASPP: an ImageNet-pretrainable MobileNetV2 with an LR-ASPP head and a light top-down
decoder, for portraits (whole frame or person crops) and faces on a CPU.

The backbone is paddle.vision's MobileNetV2 (the layout torchvision's ImageNet weights convert
into: facevid.pretrained); its features at strides 4, 8, 16 and 32 feed the head. The head is
MobileNetV3's Lite R-ASPP (Howard et al., ICCV 2019) on the stride-32 features: a 1x1 branch
gated by a global-pooling branch. A top-down path then adds the stride-16, 8 and 4 features
(1x1 laterals, a depthwise-separable 3x3 after each sum) so edges are decided at a quarter of
the input, not an eighth.

Inputs follow the project's normalisation, (x / 255 - 0.5) / 0.5 (stage2_seg.preprocess); the
backbone re-normalises to ImageNet's statistics inside (facevid.pretrained.mobilenet). A 4th
input channel (the previous frame's mask, stage2_seg.temporal) starts at zero.

With `edge_head` the recipe's EdgeHead (stage2_seg.models.eanet) reads the stride-4 backbone
features beside the decoder, predicts a boundary logit (the `edge` output, for EdgeBCELoss) and
adds its features into the decoder's before the classifier (EANet's `add` fusion). The fusion's
batch norm starts at zero, so a head added to trained weights starts out changing nothing.
"""
from typing import Tuple

import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddleseg.cvlibs import manager
from paddleseg.models import layers

from facevid.pretrained.mobilenet import TAP_CHANNELS, MobileNetV2Taps
from stage2_seg.models.eanet import EdgeHead


@manager.BACKBONES.add_component
class MobileNetV2Features(MobileNetV2Taps):
    """MobileNetV2 (facevid.pretrained.mobilenet) as a PaddleSeg backbone: features at strides
    4, 8, 16, 32 (24, 32, 96, 320 channels, `feat_channels`). With `fused`, a fifth output
    concatenates all four at stride 4 (472 channels), the one map HRNet gives the recipe's
    EANet/OCR heads (their soft regions and pixels must share a size); `fused_channels` projects
    it (1x1 conv, BN, ReLU) to that many channels, since heads on 472 channels at stride 4 cost
    several times the backbone (EANet's on 192x192 crops: 8 s per batch of 8 on 2 cores)."""

    def __init__(self, in_channels: int = 3, fused: bool = False, fused_channels: int = 0):
        super().__init__(in_channels)
        self.fused = fused
        width = fused_channels or sum(TAP_CHANNELS)
        self.feat_channels = list(TAP_CHANNELS) + ([width] if fused else [])
        self.fuse_projection = (layers.ConvBNReLU(sum(TAP_CHANNELS), fused_channels, 1)
                                if fused and fused_channels else None)

    def forward(self, x: paddle.Tensor) -> Tuple[paddle.Tensor, ...]:
        out = self.taps(x)
        if self.fused:
            size = out[0].shape[2:]
            fused = paddle.concat([out[0]] + [F.interpolate(f, size, mode="bilinear")
                                              for f in out[1:]], axis=1)
            out.append(self.fuse_projection(fused) if self.fuse_projection is not None else fused)
        return tuple(out)


class LiteRASPP(nn.Layer):
    """Lite R-ASPP: 1x1 conv + BN + ReLU, times a sigmoid gate from global pooling."""

    def __init__(self, in_channels: int, channels: int):
        super().__init__()
        self.branch = layers.ConvBNReLU(in_channels, channels, 1)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2D(1), nn.Conv2D(in_channels, channels, 1),
                                  nn.Sigmoid())

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return self.branch(x) * self.gate(x)


class AlphaHead(nn.Layer):
    """A learned soft alpha at the input's full resolution, as a correction of the segmentation:
    alpha = sigmoid(person logit + delta), where the person logit is the model's own (foreground
    against background, upsampled bilinearly, held fixed here) and delta comes from the
    decoder's stride-4 features, narrowed and upsampled, beside the input image, through two
    small 3x3 convolutions, so hair and edges are drawn from the pixels (as MODNet's detail
    branch does) at a few percent of the network's cost. delta starts at zero: an untrained head
    gives the class probability, and training only has to learn where the edge is soft.
    Output: alpha in [0, 1], N x 1 x H x W."""

    def __init__(self, feature_channels: int, image_channels: int, width: int = 8):
        super().__init__()
        self.narrow = layers.ConvBNReLU(feature_channels, width, 1)
        self.mix = layers.ConvBNReLU(width + image_channels, width, 3)
        zero = paddle.ParamAttr(initializer=nn.initializer.Constant(0.0))
        self.out = nn.Conv2D(width, 1, 3, padding=1, weight_attr=zero, bias_attr=zero)

    def forward(self, features: paddle.Tensor, image: paddle.Tensor,
                logits: paddle.Tensor) -> paddle.Tensor:
        y = F.interpolate(self.narrow(features), image.shape[2:], mode="bilinear")
        delta = self.out(self.mix(paddle.concat([y, image], axis=1)))
        person = paddle.logsumexp(logits[:, 1:], axis=1, keepdim=True) - logits[:, :1]
        return F.sigmoid(person.detach() + delta)


@manager.MODELS.add_component
class MobileLRASPP(nn.Layer):
    """MobileNetV2 + Lite R-ASPP + top-down decoder to stride 4 -> logits at the input size.

    In training returns {"seg": logits} (and "alpha" with `alpha_head`, "edge" with
    `edge_head`); in eval `[logits]` like PaddleSeg's models, or `[logits, alpha]`."""

    def __init__(self, num_classes: int, in_channels: int = 3, decoder_channels: int = 64,
                 align_corners: bool = False, alpha_head: bool = False,
                 edge_head: bool = False, edge_channels: int = 16):
        super().__init__()
        self.training_outputs = (("seg",) + (("alpha",) if alpha_head else ())
                                 + (("edge",) if edge_head else ()))
        self.alpha_head = AlphaHead(decoder_channels, in_channels) if alpha_head else None
        self.edge_head = EdgeHead(TAP_CHANNELS[0], edge_channels) if edge_head else None
        self.edge_fuse = _zero_conv_bn(edge_channels, decoder_channels) if edge_head else None
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
        out = {}
        if self.edge_head is not None:
            edge_feats, edge_logit = self.edge_head(feats[0])
            y = y + self.edge_fuse(edge_feats)
            out["edge"] = self._up(edge_logit, x.shape[2:])
        out["seg"] = logits = self._up(self.classifier(y), x.shape[2:])
        if self.alpha_head is not None:
            out["alpha"] = self.alpha_head(y, x, logits)
        if self.training:
            return out
        return [logits] if self.alpha_head is None else [logits, out["alpha"]]

    def _up(self, x: paddle.Tensor, size) -> paddle.Tensor:
        return F.interpolate(x, size, mode="bilinear", align_corners=self.align_corners)


def _zero_conv_bn(in_channels: int, out_channels: int) -> nn.Layer:
    """A 1x1 ConvBN whose batch-norm scale starts at zero: it outputs zeros until trained."""
    fuse = layers.ConvBN(in_channels, out_channels, 1)
    fuse._batch_norm.weight.set_value(paddle.zeros_like(fuse._batch_norm.weight))
    return fuse
