"""The recipe's losses, each a function plus a thin layer registered in PaddleSeg's
`manager.LOSSES` so YAML names it by `type:`."""
from stage2_seg.losses.alpha import AlphaL1Loss, alpha_l1
from stage2_seg.losses.connectivity import SoftConnectivityLoss, soft_connectivity_loss
from stage2_seg.losses.partial import PartialCrossEntropyLoss, partial_cross_entropy
from stage2_seg.losses.edges import (EdgeAttentionCELoss, EdgeBCELoss, edge_attention_ce,
                                     edge_bce, label_edges)

__all__ = ["AlphaL1Loss", "alpha_l1", "EdgeAttentionCELoss", "EdgeBCELoss", "PartialCrossEntropyLoss", "SoftConnectivityLoss",
           "edge_attention_ce", "edge_bce", "label_edges", "partial_cross_entropy",
           "soft_connectivity_loss"]
