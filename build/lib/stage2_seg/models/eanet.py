"""EANet: OCRNet on HRNet with an edge branch parallel to the OCR head (the 3rd-place recipe).

The edge head reads the backbone features and predicts a boundary logit; its features are fused
with the OCR head's features before the classifier, by addition (`fusion: add`, after a 1x1
projection) or by concatenation (`fusion: cat`, then a 1x1 conv). Optionally a DenseRefine head
refines the upsampled logits at full resolution.

In training the model returns a dict of logits at the input size: `seg` (final decoder),
`aux` (OCR soft regions), `edge` (1 channel) and, with the refine head, `refined`. In eval it
returns `[logits]`, the refined ones when there is a refine head, like PaddleSeg's models.
"""
from typing import Optional, Sequence, Tuple

import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddleseg.cvlibs import manager, param_init
from paddleseg.models import layers
from paddleseg.models.ocrnet import SpatialGatherBlock, SpatialOCRModule
from paddleseg.utils import utils

from stage2_seg.models.refine import DenseRefine

FUSIONS = ("add", "cat")


class EdgeHead(nn.Layer):
    """Two 3x3 ConvBNReLU layers and a 1x1 conv to one boundary logit."""

    def __init__(self, in_channels: int, channels: int):
        super().__init__()
        self.features = nn.Sequential(layers.ConvBNReLU(in_channels, channels, 3, padding=1),
                                      layers.ConvBNReLU(channels, channels, 3, padding=1))
        self.logit = nn.Conv2D(channels, 1, 1)

    def forward(self, x: paddle.Tensor):
        feats = self.features(x)
        return feats, self.logit(feats)


@manager.MODELS.add_component
class EANet(nn.Layer):
    def __init__(self, num_classes: int, backbone: nn.Layer, backbone_indices: Sequence[int] = (0,),
                 fusion: str = "cat", ocr_mid_channels: int = 512, ocr_key_channels: int = 256,
                 edge_channels: int = 64, refine_layers: int = 0, refine_growth: int = 16,
                 align_corners: bool = False, pretrained: Optional[str] = None):
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {fusion!r}")
        self.backbone, self.backbone_indices = backbone, list(backbone_indices)
        self.fusion, self.align_corners = fusion, align_corners
        in_channels = [backbone.feat_channels[i] for i in self.backbone_indices]
        shallow, deep = in_channels[0], in_channels[-1]
        mid = ocr_mid_channels
        self.aux_head = nn.Sequential(layers.ConvBNReLU(shallow, shallow, 1),
                                      nn.Conv2D(shallow, num_classes, 1))
        self.conv3x3_ocr = layers.ConvBNReLU(deep, mid, 3, padding=1)
        self.spatial_gather = SpatialGatherBlock(mid, num_classes)
        self.spatial_ocr = SpatialOCRModule(mid, ocr_key_channels, mid)
        self.edge_head = EdgeHead(shallow, edge_channels)
        if fusion == "add":
            self.fuse = layers.ConvBN(edge_channels, mid, 1)
        else:
            self.fuse = layers.ConvBNReLU(mid + edge_channels, mid, 1)
        self.cls_head = nn.Conv2D(mid, num_classes, 1)
        self._init_heads()    # before the refine head: its last conv must stay at zero
        self.refine = (DenseRefine(3 + num_classes, num_classes, refine_layers, refine_growth)
                       if refine_layers > 0 else None)
        if pretrained is not None:
            utils.load_entire_model(self, pretrained)

    def _init_heads(self) -> None:
        # The same initialisation as PaddleSeg's OCRHead, so OCRNet and EANet start alike.
        backbone = {id(layer) for layer in self.backbone.sublayers(include_self=True)}
        for layer in self.sublayers():
            if id(layer) in backbone:
                continue
            if isinstance(layer, nn.Conv2D):
                param_init.normal_init(layer.weight, std=0.001)
            elif isinstance(layer, (nn.BatchNorm, nn.SyncBatchNorm)):
                param_init.constant_init(layer.weight, value=1.0)
                param_init.constant_init(layer.bias, value=0.0)

    def _up(self, x: paddle.Tensor, size) -> paddle.Tensor:
        return F.interpolate(x, size, mode="bilinear", align_corners=self.align_corners)

    @property
    def training_outputs(self) -> Tuple[str, ...]:
        """The names of the logits forward returns in training (what loss terms may read)."""
        return ("seg", "aux", "edge") + (("refined",) if self.refine is not None else ())

    def forward(self, x: paddle.Tensor):
        feats = self.backbone(x)
        shallow, deep = feats[self.backbone_indices[0]], feats[self.backbone_indices[-1]]
        soft_regions = self.aux_head(shallow)
        pixels = self.conv3x3_ocr(deep)
        ocr = self.spatial_ocr(pixels, self.spatial_gather(pixels, soft_regions))
        edge_feats, edge_logit = self.edge_head(shallow)
        if self.fusion == "add":
            fused = ocr + self.fuse(edge_feats)
        else:
            fused = self.fuse(paddle.concat([ocr, edge_feats], axis=1))
        size = paddle.shape(x)[2:]
        seg = self._up(self.cls_head(fused), size)
        refined = self.refine(x, seg) if self.refine is not None else None
        if not self.training:
            return [refined if refined is not None else seg]
        out = {"seg": seg, "aux": self._up(soft_regions, size), "edge": self._up(edge_logit, size)}
        if refined is not None:
            out["refined"] = refined
        return out
