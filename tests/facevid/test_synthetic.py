import json

import cv2
import numpy as np
import pytest

from facevid.errors import DataError
from facevid.io.files import read_label
from facevid.data.schema import load_schema
from facevid.synthetic.clips import generate, render_clip
from facevid.synthetic.persons import PersonPose, draw_person, random_look

SCHEMA = load_schema("sfp18")


def _clip(seed, frames=3, size=(160, 120)):
    return render_clip(np.random.default_rng([seed, 0]), SCHEMA, size, frames)


def test_same_seed_same_clip_and_different_seed_differs():
    a, b, c = _clip(3), _clip(3), _clip(4)
    assert all(np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not np.array_equal(a[0][1], c[0][1])


def test_labels_are_schema_ids_and_frames_move():
    frames = _clip(7, frames=4)
    for image, label in frames:
        assert image.shape == (120, 160, 3) and label.shape == (120, 160)
        assert label.max() < SCHEMA.num_classes
    assert not np.array_equal(frames[0][1], frames[-1][1])       # people move between frames


@pytest.mark.parametrize("roll,yaw", [(0, 0), (-18, 0.5), (18, -0.5)])
def test_left_parts_appear_on_the_image_right_of_right_parts(roll, yaw):
    """The subject's left eye, brow, eyeshadow and ear are on the image's right for a frontal
    face, whatever the head's roll and yaw: so a horizontal flip must swap those classes."""
    layer = np.zeros((200, 200), np.uint8)
    look = random_look(np.random.default_rng(0))
    draw_person(layer, PersonPose(cx=100, cy=80, r=30, roll=roll, yaw=yaw), look, SCHEMA)
    for part in ("eye", "brow", "eyeshadow", "ear"):
        xs_left = np.nonzero(layer == SCHEMA.index(f"left_{part}"))[1]
        xs_right = np.nonzero(layer == SCHEMA.index(f"right_{part}"))[1]
        assert xs_left.mean() > xs_right.mean(), part


def test_the_generated_set_exercises_the_recipe():
    """Across a few clips: several people per frame, small heads, faces cut by the border,
    thin brows and hair strands."""
    skin, brow = SCHEMA.index("skin"), SCHEMA.index("left_brow")
    many, small, cut, thin = 0, 0, 0, 0
    for seed in range(10):
        label = _clip(seed, frames=1, size=(384, 288))[0][1]
        n, _, stats, _ = cv2.connectedComponentsWithStats((label == skin).astype(np.uint8))
        heads = [s for s in stats[1:] if s[4] > 30]
        many += len(heads) >= 2
        small += any(s[2] < 0.1 * 384 for s in heads)
        cut += any(s[0] == 0 or s[0] + s[2] == 384 for s in heads)
        brows = label == brow
        if brows.any():
            thin += int(np.min(brows.sum(0)[brows.sum(0) > 0])) <= 2
    assert many >= 3 and small >= 3 and cut >= 1 and thin >= 3


def test_generate_writes_layout_portrait_labels_and_refuses_to_clobber(tmp_path):
    out = generate(tmp_path / "p", clips=1, seed=0, frames=2, size=(64, 48), task="portrait")
    labels = sorted((out / "clip_0000" / "labels").glob("*.png"))
    assert len(labels) == 2 and len(list((out / "clip_0000" / "images").glob("*.jpg"))) == 2
    assert set(np.unique(read_label(labels[0]))) <= {0, 1}
    assert json.loads((out / "meta.json").read_text())["schema"] == "portrait"
    with pytest.raises(DataError, match="exists and is not empty"):
        generate(out, clips=1, seed=0, frames=1, size=(64, 48))
    assert labels[0].exists()                     # the refused run left the old set intact
