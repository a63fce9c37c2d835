"""Data files that ship inside installed packages (demo footage, pretrained weights, teachers),
found without importing the package."""
import importlib.util
from pathlib import Path
from typing import Optional


def package_file(package: str, relative: str) -> Optional[Path]:
    """`relative` inside the installed `package`, or None where the package or file is absent."""
    spec = importlib.util.find_spec(package)
    path = Path(spec.origin).parent / relative if spec and spec.origin else None
    return path if path is not None and path.is_file() else None
