"""Shared fixtures: tiny configs and tiny synthetic data sets written into tmp folders."""
import os
import sys
from pathlib import Path

import pytest
import yaml

from facevid.synthetic.clips import generate
from tests.helpers import DEFAULT_SHARED_DATA, SHARED_ENV, shared_data_hidden, shared_data_problem

_SHARED = str(DEFAULT_SHARED_DATA.parent.resolve())
_READ_EVENTS = {"open", "os.listdir", "os.scandir", "glob.glob"}


def _refuse_shared_reads(event: str, args: tuple) -> None:
    """With the shared data hidden, a test that still reads under ../shared fails here, naming
    the path, instead of passing on the developers' machines and failing on a user's."""
    if event in _READ_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path == _SHARED or path.startswith(_SHARED + os.sep):
            raise PermissionError(f"{path}: a test read the shared data while {SHARED_ENV}=none "
                                  "(a user's machine has no ../shared; make the data in the test "
                                  "or mark it with tests.helpers.needs_shared)")


if shared_data_hidden():
    sys.addaudithook(_refuse_shared_reads)


def pytest_sessionstart(session) -> None:
    """A data folder that was asked for and is not there fails the run: skipping every test
    that needs it would report green without testing anything."""
    problem = shared_data_problem()
    if problem is not None:
        pytest.exit(f"{problem}: fix the path, or unset it to skip the tests that need the data",
                    returncode=4)


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
