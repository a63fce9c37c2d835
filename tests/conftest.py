"""Shared fixtures: tiny configs and tiny synthetic data sets written into tmp folders."""
from pathlib import Path

import pytest
import yaml

from facevid.synthetic import generate


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
