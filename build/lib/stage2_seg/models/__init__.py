"""Our models, registered in PaddleSeg's `manager.MODELS` on import."""
from stage2_seg.models.eanet import EANet, EdgeHead
from stage2_seg.models.humanseg_lite import HumanSegLite
from stage2_seg.models.mobile_seg import MobileLRASPP
from stage2_seg.models.refine import DenseRefine

__all__ = ["DenseRefine", "EANet", "EdgeHead", "HumanSegLite", "MobileLRASPP"]
