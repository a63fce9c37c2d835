"""Shared fixtures: tiny configs and tiny synthetic data sets written into tmp folders."""
from pathlib import Path

import pytest
import yaml

from facevid.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "configs" / "stage2_ocrnet_tiny.yml"

# Smallest widths that keep the model's structure: seconds per step on the CPU.
MICRO_OPTS = [
    "model.ocr_mid_channels=16", "model.ocr_key_channels=8",
    "model.backbone.stage1_num_channels=[8]",
    "model.backbone.stage2_num_channels=[4,8]",
    "model.backbone.stage3_num_channels=[4,8,16]",
    "model.backbone.stage4_num_channels=[4,8,16,32]",
    "train.crop_size=[32,32]", "eval.size=[32,32]", "train.batch_size=2",
]


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory) -> Path:
    """Two tiny clips of the face task (sfp18 ids)."""
    root = tmp_path_factory.mktemp("synth") / "clips"
    return generate(root, clips=2, seed=5, frames=4, size=(128, 96))


@pytest.fixture
def write_yaml(tmp_path):
    def _write(name: str, data) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data))
        return path
    return _write
