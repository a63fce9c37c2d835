"""What several test modules share: paths, the tiny configs and the overrides that shrink them
to micro models (seconds per step on the CPU)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
TINY = CONFIGS / "stage2_ocrnet_tiny.yml"
TINY_EANET = CONFIGS / "stage2_eanet_cat_tiny.yml"
TINY_DET = CONFIGS / "stage1_cascade_rcnn_r18_tiny.yml"

# Smallest widths that keep the model's structure.
MICRO_OPTS = [
    "model.ocr_mid_channels=16", "model.ocr_key_channels=8",
    "model.backbone.stage1_num_channels=[8]",
    "model.backbone.stage2_num_channels=[4,8]",
    "model.backbone.stage3_num_channels=[4,8,16]",
    "model.backbone.stage4_num_channels=[4,8,16,32]",
    "train.crop_size=[32,32]", "eval.size=[32,32]", "train.batch_size=2",
]
MICRO_EANET = MICRO_OPTS + ["model.edge_channels=4", "model.refine_growth=4"]
MICRO_DET = ["train.image_size=[128,96]", "FPN.out_channel=16", "CascadeTwoFCHead.out_channel=32",
             "BBoxAssigner.batch_size_per_im=32", "RPNHead.rpn_target_assign.batch_size_per_im=64"]
MICRO_SEG = ["train.iters=2", "train.crop_size=[32,32]", "eval.size=[32,32]",
             "model.ocr_mid_channels=16", "model.backbone.stage4_num_channels=[4,8,16,32]",
             "model.backbone.stage3_num_channels=[4,8,16]", "model.backbone.stage2_num_channels=[4,8]"]
# The shared data sets beside the project (CI has them; a user's clone does not).
SHARED_DATA = ROOT.parent / "shared" / "data"
