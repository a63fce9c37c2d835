"""A teacher's label cache: resumed only with the same images and settings, never inside them."""
import json

import numpy as np
import pytest

from facevid.errors import UserError
from facevid.io.files import write_image
from facevid.io.label_cache import open_label_cache


@pytest.fixture
def images(tmp_path):
    write_image(tmp_path / "images" / "a.jpg", np.zeros((8, 8, 3), np.uint8))
    return tmp_path / "images"


def test_a_cache_records_its_source_and_settings_and_resumes_with_the_same(images, tmp_path):
    out = tmp_path / "cache"
    open_label_cache(images, out, {"short_side": 512})
    assert (out / "images").resolve() == images.resolve()
    assert json.loads((out / "teacher.json").read_text()) == {"short_side": 512,
                                                              "images": str(images.resolve())}
    write_image(out / "mattes" / "a.png", np.zeros((8, 8), np.uint8))
    open_label_cache(images, out, {"short_side": 512})                  # a resume
    with pytest.raises(UserError, match=r"made with short_side 64 \(now 512\)"):
        open_label_cache(images, tmp_path / "other", {"short_side": 64})
        write_image(tmp_path / "other" / "mattes" / "a.png", np.zeros((8, 8), np.uint8))
        open_label_cache(images, tmp_path / "other", {"short_side": 512})
    # The refusal leaves the settings on file as they were: they still describe every label.
    assert json.loads((tmp_path / "other" / "teacher.json").read_text())["short_side"] == 64


def test_a_cache_is_refused_onto_its_images_a_file_other_images_or_a_users_folder(images, tmp_path):
    for out, needle in ((images, "is the input"), (images / "cache", "lies inside the input"),
                        (tmp_path, "holds the input")):
        with pytest.raises(UserError, match=needle):
            open_label_cache(images, out, {})
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="is a file"):
        open_label_cache(images, tmp_path / "file", {})
    with pytest.raises(UserError, match="file"):
        open_label_cache(images, tmp_path / "file" / "below", {})
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("a user's")
    with pytest.raises(UserError, match="not a label cache"):
        open_label_cache(images, tmp_path / "mine", {})
    other = tmp_path / "other_images"
    write_image(other / "b.jpg", np.zeros((8, 8, 3), np.uint8))
    open_label_cache(other, tmp_path / "cache", {})
    with pytest.raises(UserError, match="holds labels of"):
        open_label_cache(images, tmp_path / "cache", {})
