"""A wheel carries the project's configs and weights (pyproject.toml's data-files), so code
installed without a checkout finds its class schemas, splits, shipped configs and weights."""
import tomllib
from pathlib import Path

from facevid.io.package_files import SHARE, project_root
from tests.helpers import ROOT


def test_every_config_and_weights_file_goes_into_the_wheel():
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    packed = {}
    for target, patterns in data_files.items():
        for pattern in patterns:
            for path in ROOT.glob(pattern):
                packed[path.relative_to(ROOT)] = Path(target)
    shipped = [p.relative_to(ROOT) for p in list((ROOT / "configs").rglob("*.yml"))
               + list((ROOT / "weights").glob("*.pdparams"))]
    assert shipped and not [p for p in shipped if p not in packed]
    # ... each to the same place below share/facevid-parse as in the checkout.
    assert all(target == SHARE / path.parent for path, target in packed.items())


def test_a_checkout_is_its_own_project_root():
    assert project_root() == ROOT
