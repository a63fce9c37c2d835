"""The person teacher (a training extra: `make train-deps`): known answers on real photos, and
its label cache. The pure helpers run everywhere."""
import json

import numpy as np
import pytest

from facevid.io.demo_assets import asset_path
from facevid.io.files import read_image, write_image
from stage1_detect.person_teacher import mask_extent, padded_box

try:
    from stage1_detect.person_teacher import find_ssd
    find_ssd()
    import mediapipe  # noqa: F401
    MISSING = None
except Exception as err:          # the wheel or mediapipe absent: UserError or ImportError
    MISSING = str(err)
needs_teacher = pytest.mark.skipif(MISSING is not None, reason=f"the person teacher is absent "
                                   f"({MISSING}): a training extra (make train-deps)")


def test_a_padded_box_grows_on_each_side_and_stays_inside_the_frame():
    assert padded_box(np.array([10, 20, 30, 60.0]), 0.15, 100, 100) == (7, 14, 33, 66)
    assert padded_box(np.array([0, 0, 100, 50.0]), 0.5, 60, 120) == (0, 0, 120, 60)


def test_the_mask_extent_is_the_box_of_its_true_pixels():
    mask = np.zeros((10, 12), bool)
    mask[2:5, 3:9] = True
    np.testing.assert_array_equal(mask_extent(mask), [3, 2, 9, 5])
    assert mask_extent(np.zeros((4, 4), bool)) is None


@needs_teacher
def test_the_astronaut_is_one_outlined_person_and_a_cat_or_a_rocket_none():
    from stage1_detect.person_teacher import PersonTeacher
    teacher = PersonTeacher(*find_ssd())
    labels = teacher(read_image(asset_path("astronaut")))     # NASA's portrait, 512x512
    assert len(labels.boxes) == 1 and labels.posed.all() and labels.scores[0] > 0.6
    x0, y0, x1, y1 = labels.boxes[0]
    assert x0 < 60 and y0 < 60 and x1 > 330 and y1 > 480      # head to the frame's bottom
    assert labels.probability[300, 250] > 0.9 and labels.probability[20, 480] < 0.1   # suit; sky
    assert labels.mask()[300, 250] and not labels.mask()[20, 480]
    for photo in ("chelsea", "rocket"):
        labels = teacher(read_image(asset_path(photo)))
        assert len(labels.boxes) == 0 and labels.probability.max() == 0
    teacher.close()


@needs_teacher
def test_the_tool_labels_a_folder_resumes_and_refuses_other_settings(tmp_path):
    from tests.helpers import assert_one_line_error, run_tool
    images = tmp_path / "images"
    write_image(images / "a" / "astronaut.jpg", read_image(asset_path("astronaut")))
    write_image(images / "cat.png", read_image(asset_path("chelsea")))
    out = tmp_path / "labels"
    result = run_tool("tools/teacher_persons.py", "--images", images, "--out", out)
    assert result.returncode == 0, result.stderr
    boxes = json.loads((out / "boxes.json").read_text())["boxes"]
    assert sorted(boxes) == ["a/astronaut.jpg", "cat.png"] and len(boxes["a/astronaut.jpg"]["boxes"]) == 1
    assert read_image(out / "mattes" / "a" / "astronaut.png")[300, 250].min() > 230
    again = run_tool("tools/teacher_persons.py", "--images", images, "--out", out)
    assert again.returncode == 0 and "0 images labelled" in again.stderr
    changed = run_tool("tools/teacher_persons.py", "--images", images, "--out", out, "--pad", "0.3")
    assert_one_line_error(changed, "made with pad 0.15")
    inside = run_tool("tools/teacher_persons.py", "--images", images, "--out", images / "labels")
    assert_one_line_error(inside, "lies inside the input")
