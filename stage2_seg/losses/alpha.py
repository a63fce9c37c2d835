"""L_alpha: the learned soft alpha against its targets (facevid.data.mattes: a teacher's
matte near the person's boundary, the label elsewhere).

Mean absolute error over the pixels whose target is known, with the pixels where the target is
soft (between 0 and 1, and their 3x3 neighbourhood) weighted `1 + edge_weight`: they are a few
percent of a frame, and they are what the alpha is for (hair, edges); MODNet weights its
detail branch to the transition region the same way (Ke et al., AAAI 2022).
"""
import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddleseg.cvlibs import manager

SOFT = (0.02, 0.98)     # a target strictly between these is soft (partial coverage)


def alpha_l1(alpha: paddle.Tensor, targets: paddle.Tensor, edge_weight: float = 4.0) -> paddle.Tensor:
    """alpha N x 1 x H x W in [0, 1]; targets N x 2 x H x W (alpha, known in {0, 1})."""
    if alpha.shape[2:] != targets.shape[2:]:
        alpha = F.interpolate(alpha, targets.shape[2:], mode="bilinear")
    target, known = targets[:, :1], targets[:, 1:]
    soft = ((target > SOFT[0]) & (target < SOFT[1])).astype("float32")
    weight = known * (1 + edge_weight * F.max_pool2d(soft, 3, stride=1, padding=1))
    return (paddle.abs(alpha - target) * weight).sum() / paddle.clip(weight.sum(), min=1.0)


@manager.LOSSES.add_component
class AlphaL1Loss(nn.Layer):
    """Reads the alpha targets the samples carry, not the labels (stage2_seg.losses.terms)."""
    reads_alpha_targets = True

    def __init__(self, edge_weight: float = 4.0, ignore_index: int = 255):
        super().__init__()
        self.edge_weight = edge_weight

    def forward(self, alpha: paddle.Tensor, targets: paddle.Tensor) -> paddle.Tensor:
        return alpha_l1(alpha, targets, self.edge_weight)
