"""Output folders: only what a tool made is replaced, never an input, one writer at a time."""
import subprocess
import sys

import pytest

from facevid.errors import DataError
from facevid.io.output_folders import OWNER_MARK, atomic_dir, check_not_inputs, check_output_folder


def test_a_folder_made_by_atomic_dir_carries_the_mark_and_may_be_replaced(tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("first")
    assert (out / OWNER_MARK).is_file() and (out / "a.txt").read_text() == "first"
    with pytest.raises(DataError, match="pass --overwrite"):
        check_output_folder(out)
    with atomic_dir(out, overwrite=True) as tmp:
        (tmp / "b.txt").write_text("second")
    assert sorted(p.name for p in out.iterdir()) == [OWNER_MARK, "b.txt"]


def test_overwrite_refuses_a_folder_no_tool_made_and_leaves_it_whole(tmp_path):
    user = tmp_path / "weights"
    user.mkdir()
    (user / "best_model.pdparams").write_bytes(b"a user's weights")
    with pytest.raises(DataError, match=f"no {OWNER_MARK} inside"):
        with atomic_dir(user, overwrite=True):
            pass
    assert (user / "best_model.pdparams").read_bytes() == b"a user's weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights"]     # nothing left beside it
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_dir(empty) as tmp:        # an empty folder is no one's: it may be filled
        (tmp / "x").write_text("x")
    assert (empty / "x").is_file()


def test_an_output_may_not_be_hold_or_lie_inside_an_input(tmp_path):
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    weights = tmp_path / "run" / "w.pdparams"
    for out, needle in ((data, "is the input"), (tmp_path, "holds the input"),
                        (data / "images" / "out", "lies inside the input"),
                        (tmp_path / "run", "holds the input")):
        with pytest.raises(DataError, match=needle):
            check_not_inputs(out, [None, data, weights])
    check_not_inputs(tmp_path / "elsewhere", [data, weights])


def test_a_second_writer_is_told_the_folder_is_in_use_and_a_dead_ones_claim_is_taken_over(tmp_path):
    out = tmp_path / "out"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".out.lock").write_text(str(other.pid))
        with pytest.raises(DataError, match=f"in use: another run \\(process {other.pid}\\)"):
            with atomic_dir(out):
                pass
        assert not out.exists()
    finally:
        other.kill()
        other.wait()
    with atomic_dir(out) as tmp:                 # its process is gone: the claim is stale
        assert (tmp_path / ".out.lock").read_text() != str(other.pid)
        (tmp / "x").write_text("x")
    assert (out / "x").is_file() and not (tmp_path / ".out.lock").exists()


def test_a_mount_point_is_refused_before_any_work(tmp_path, monkeypatch):
    """The probe's case: --out an empty mount point ran every frame, then failed to rename over
    it (EBUSY) and left the outputs in a hidden folder. (Making a real mount needs privileges.)"""
    import os
    mount = tmp_path / "mnt"
    mount.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: str(p) == str(mount) or real(p))
    with pytest.raises(DataError, match="is a mount point.*a folder inside it"):
        check_output_folder(mount)
