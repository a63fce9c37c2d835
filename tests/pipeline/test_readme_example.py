"""The README's "Use it from Python" block runs as written (the shipped pipeline on the
scikit-image astronaut) and prints what it says it prints."""
import re
import subprocess
import sys

import pytest

from facevid.io.demo_assets import asset_path
from facevid.errors import DataError
from tests.helpers import ROOT


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Use it from Python"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_python_example_runs(tmp_path):
    try:
        asset_path("astronaut")
    except DataError as exc:
        pytest.skip(str(exc))
    script = tmp_path / "example.py"
    script.write_text(_readme_block())
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    assert set(lines) >= {"faces", "pixels per class"}
    assert "skin" in lines["pixels per class"] and "hair" in lines["pixels per class"]
