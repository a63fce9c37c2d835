"""What several test modules share: paths, the tiny configs and the overrides that shrink them
to micro models (seconds per step on the CPU)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
# The one place that decides where the real data sets are. They sit beside the project on the
# developers' machines and CI (../shared/data) and nowhere on a user's: FACEVID_SHARED_DATA names
# another folder, or "none" to run the suite as a user's machine runs it (conftest.py then also
# refuses any read under ../shared, so a test that still reaches for it fails loudly).
SHARED_ENV = "FACEVID_SHARED_DATA"
DEFAULT_SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_SETS = ("davis_person", "davis_backgrounds", "celebamask_1k", "lfw_parts", "davis_unlabelled")


def shared_data_hidden() -> bool:
    return os.environ.get(SHARED_ENV, "").strip().lower() == "none"


def shared_data_problem() -> str | None:
    """Why the data folder FACEVID_SHARED_DATA names cannot be used, or None. Only a folder that
    was asked for is checked: unset, the tests that need it skip (a user's clone has none)."""
    value = os.environ.get(SHARED_ENV)
    if value is None or shared_data_hidden():
        return None
    path = Path(value)
    if not path.is_dir():
        return (f"{SHARED_ENV}={value!r} is not a folder ({'a file' if path.exists() else 'missing'}"
                f"{'; note the spaces around it' if value != value.strip() else ''})")
    if not any((path / name).is_dir() for name in SHARED_SETS):
        return f"{SHARED_ENV}={value!r} holds none of the data sets {', '.join(SHARED_SETS)}"
    return None


def shared_data(name: str) -> Path | None:
    """The data set `name` (e.g. "davis_person"), or None where it is not available."""
    if shared_data_hidden():
        return None
    root = Path(os.environ.get(SHARED_ENV) or DEFAULT_SHARED_DATA)
    path = root / name
    return path if path.is_dir() else None


def needs_shared(name: str):
    """Skip marker for a test that needs a real data set, with the reason."""
    return pytest.mark.skipif(shared_data(name) is None, reason=(
        f"the data set {name} is not available ({SHARED_ENV}={os.environ.get(SHARED_ENV, '')!r}, "
        f"default {DEFAULT_SHARED_DATA}): the real data sets are not part of the repository"))


def run_tool(*args, timeout=300) -> subprocess.CompletedProcess:
    """A tool or script run as a user runs it, from the project root."""
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_error(result, *needles) -> None:
    """Exit 2, no traceback, and a last line `error: ...` naming every needle."""
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and all(n in last for n in needles), last
