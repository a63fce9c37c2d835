"""The probe of issue 35 as tests: the data tools never write onto their inputs, bad values are
refused before any work, a missing data folder fails the data tests, messages name the files."""
import os
import subprocess
import sys

import numpy as np

from facevid.io.files import write_image
from tests.helpers import ROOT, SHARED_ENV, assert_one_line_error, run_tool


def _images(folder, count=2):
    for i in range(count):
        write_image(folder / f"scene_{i:05d}.jpg", np.full((64, 96, 3), 40 * i, np.uint8))
    return folder


def _listing(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*"))


def test_face_scenes_refuse_an_out_on_or_in_their_inputs_and_name_a_bad_backgrounds_folder(tmp_path):
    backgrounds = _images(tmp_path / "backgrounds")
    faces = tmp_path / "celebamask"
    for sub in ("images", "labels"):
        (faces / sub).mkdir(parents=True)
    before = _listing(tmp_path)
    common = ["tools/make_face_scenes.py", "--split", "train", "--count", "2", "--celebamask", faces]
    for out, needle in ((backgrounds, "is the input"), (faces / "images" / "x", "lies inside the input")):
        result = run_tool(*common, "--backgrounds", backgrounds, "--out", out, "--overwrite")
        assert_one_line_error(result, needle)
    assert _listing(tmp_path) == before
    assert_one_line_error(run_tool(*common, "--backgrounds", tmp_path / "gone", "--out", tmp_path / "o"),
                          f"--backgrounds {tmp_path / 'gone'}: folder not found")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run_tool(*common, "--backgrounds", tmp_path / "empty", "--out", tmp_path / "o"),
                          f"--backgrounds {tmp_path / 'empty'}: holds no images")


def test_validation_builders_refuse_their_inputs_as_out_and_steps_below_one(tmp_path):
    scenes = _images(tmp_path / "scenes")
    faces = tmp_path / "celebamask"
    for sub in ("images", "labels"):
        (faces / sub).mkdir(parents=True)
    davis = tmp_path / "davis"
    davis.mkdir()
    before = _listing(tmp_path)
    result = run_tool("tools/make_face_val.py", "--celebamask", faces, "--scenes", scenes,
                      "--out", scenes, "--overwrite")
    assert_one_line_error(result, "is the input")
    common = ["tools/make_portrait_val.py", "--davis", davis, "--celebamask", faces, "--lfw-mattes", scenes]
    assert_one_line_error(run_tool(*common, "--out", davis, "--overwrite"), "is the input")
    assert _listing(tmp_path) == before
    for step in ("0", "-5"):
        result = run_tool(*common, "--out", tmp_path / "val", "--davis-step", step)
        assert result.returncode == 2 and "--davis-step must be >= 1" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_data_folder_that_was_asked_for_and_is_missing_fails_the_run(tmp_path):
    """The probe's case: FACEVID_SHARED_DATA=/nonexistent make test-data was green (every test
    that needs the data skipped); also a trailing space and a file."""
    (tmp_path / "file").write_text("x")
    for value, needle in ((str(tmp_path / "gone"), "missing"), (str(tmp_path) + " ", "spaces"),
                          (str(tmp_path / "file"), "a file"), (str(tmp_path), "holds none of")):
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 "tests/facevid/test_label_cache.py"], cwd=ROOT, capture_output=True,
                                text=True, env={**os.environ, SHARED_ENV: value})
        assert result.returncode == 4 and needle in result.stdout + result.stderr, result.stdout[-800:]


def test_infer_names_the_unreadable_entries_when_no_frame_could_be_read(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"")
    (tmp_path / "photos" / "b.png").write_text("not an image")
    result = run_tool("tools/infer.py", "--dir", tmp_path / "photos", "--out", tmp_path / "out",
                      "--task", "portrait")
    assert_one_line_error(result, "every entry was unreadable", "a.jpg", "b.png")
    assert not (tmp_path / "out").exists()
