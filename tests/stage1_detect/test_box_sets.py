"""Teacher boxes on real frames: the resumable cache, the frames a box set keeps, the zoom
around a face, and detector samples drawn from a box set."""
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from facevid.config.load import load_config
from facevid.config.sections import BoxSetEntry
from facevid.errors import ConfigError, UserError
from facevid.io.files import write_image
from stage1_detect.box_sets import open_box_set, zoom_to_face
from stage1_detect.data import DetSamples
from stage1_detect.teacher import read_box_cache, write_teacher_boxes
from tests.helpers import MICRO_DET, TINY_DET


class FakeTeacher:
    """Boxes and scores per image, told by the image's first pixel (0, 1 or 2)."""
    answers = {0: ([], []), 1: ([[10, 10, 30, 34]], [0.9]), 2: ([[10, 10, 30, 34], [40, 5, 50, 15]], [0.8, 0.4])}

    def __init__(self):
        self.calls = 0

    def __call__(self, image):
        self.calls += 1
        boxes, scores = self.answers[int(image[0, 0, 0])]
        return np.array(boxes, np.float32).reshape(-1, 4), np.array(scores, np.float32)


def _frames(root: Path) -> Path:
    for clip, kinds in (("a", (0, 1)), ("b", (2, 1))):
        for i, kind in enumerate(kinds):
            image = np.full((48, 64, 3), 100, np.uint8)
            image[0, 0] = kind
            write_image(root / clip / f"{i:05d}.png", image)
    return root


def test_teacher_boxes_are_cached_once_and_resume_where_they_stopped(tmp_path):
    images, out = _frames(tmp_path / "frames"), tmp_path / "boxes"
    teacher = FakeTeacher()
    assert write_teacher_boxes(images, out, teacher, min_score=0.3) == 4
    cache = read_box_cache(out)
    assert cache["boxes"]["b/00000.png"] == {"boxes": [[10, 10, 30, 34], [40, 5, 50, 15]], "scores": [0.8, 0.4]}
    assert cache["boxes"]["a/00000.png"] == {"boxes": [], "scores": []}
    del cache["boxes"]["a/00001.png"]                     # as if stopped before the last image
    (out / "boxes.json").write_text(json.dumps(cache))
    assert write_teacher_boxes(images, out, teacher, min_score=0.3) == 1 and teacher.calls == 5
    with pytest.raises(UserError, match="choose another --out"):
        write_teacher_boxes(images, out, teacher, min_score=0.5)
    with pytest.raises(UserError, match="choose another --out"):
        write_teacher_boxes(images / "a", out, teacher, min_score=0.3)


def _box_set(tmp_path, **entry):
    images, out = _frames(tmp_path / "frames"), tmp_path / "boxes"
    write_teacher_boxes(images, out, FakeTeacher(), min_score=0.3)
    return open_box_set(BoxSetEntry(**{"root": str(out), "share": 0.5, "zoom_prob": 0.0, **entry}))


def test_a_box_set_keeps_sure_faces_and_leaves_out_frames_with_an_unsure_one(tmp_path):
    kept = _box_set(tmp_path)
    assert [p.relative_to(tmp_path / "frames").as_posix() for p in kept.images] == \
        ["a/00000.png", "a/00001.png", "b/00001.png"] and kept.left_out == 1
    assert [len(b) for b in kept.boxes] == [0, 1, 1]
    image, boxes = kept.load(1)
    assert image.shape == (48, 64, 3) and boxes.tolist() == [[10, 10, 30, 34]]
    # the unsure face counted as sure: the frame comes back with both boxes
    assert [len(b) for b in _box_set(tmp_path, sure_score=0.4).boxes] == [0, 1, 2, 1]
    split = tmp_path / "split.yml"
    split.write_text(yaml.safe_dump({"train": ["a/00001"], "val": ["a/00000", "b/00000", "b/00001"]}))
    assert len(_box_set(tmp_path, split_file=str(split))) == 1
    with pytest.raises(ConfigError, match="raise unsure_score"):
        _box_set(tmp_path, unsure_score=0.2)


def test_zoom_to_face_keeps_the_box_on_the_face_at_the_chosen_width():
    image = np.zeros((240, 320, 3), np.uint8)
    image[100:120, 200:216] = 255                                   # a 16 x 20 "face"
    rng = np.random.default_rng(0)
    for _ in range(20):
        zoomed, boxes = zoom_to_face(image, np.float32([[200, 100, 216, 120]]), rng, [160, 120], (24, 48))
        assert zoomed.shape == image.shape and boxes.shape == (1, 4)
        ys, xs = np.nonzero(zoomed[..., 0] > 127)
        np.testing.assert_allclose(boxes[0], [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], atol=1.5)
        width_at_training_size = (boxes[0, 2] - boxes[0, 0]) * 0.5  # 320x240 trains at 160x120
        assert 24 - 1e-3 <= width_at_training_size <= 32 + 1e-3    # MAX_ZOOM 4 caps 16 px at 32
    _, none = zoom_to_face(image, np.zeros((0, 4), np.float32), rng, [160, 120], (24, 48))
    assert none.shape == (0, 4)


def test_detector_samples_draw_box_set_frames_by_their_share(tmp_path, synth_root, write_yaml):
    kept = _box_set(tmp_path)
    opts = [f"data.train_root={synth_root}", f"data.val_root={synth_root}", "data.person_boxes=false",
            "num_classes=1", "train.flip_prob=0"]
    entry = {"root": str(tmp_path / "boxes"), "share": 0.99}
    config = write_yaml("det.yml", {"_base_": str(TINY_DET), "data": {"box_sets": [entry]}})
    samples = DetSamples(load_config(config, MICRO_DET + opts))
    drawn = [samples[(0, seed)] for seed in range(6)]
    # every box-set frame is 64x48, resized to fit 128x96: faces at twice their size, class 0
    assert all(s["image"].shape == (3, 96, 128) for s in drawn)
    boxes = np.concatenate([s["gt_bbox"] for s in drawn])
    assert len(boxes) and set(np.concatenate([s["gt_class"] for s in drawn]).ravel()) == {0}
    np.testing.assert_allclose(np.unique(boxes, axis=0), [[20, 20, 60, 68]])
    assert len(kept) == 3
    with pytest.raises(ConfigError, match="exactly one of data.face_boxes and data.person_boxes"):
        load_config(config, MICRO_DET + opts[:2])
    # A set of scenes without people: its teacher boxes are false ones, every frame background.
    negative = write_yaml("neg.yml", {"_base_": str(TINY_DET), "data": {"box_sets": [{**entry, "negative": True}]}})
    drawn = [DetSamples(load_config(negative, MICRO_DET + opts))[(0, seed)] for seed in range(6)]
    assert all(s["gt_bbox"].shape == (0, 4) for s in drawn)
    for bad, message in (({"unsure_score": 0.6}, "above sure_score"), ({"share": 1.0}, "leave room"),
                         ({"zoom_face_px": [50, 20]}, "low <= high")):
        config = write_yaml("bad.yml", {"_base_": str(TINY_DET), "data": {"box_sets": [{**entry, **bad}]}})
        with pytest.raises(ConfigError, match=message):
            load_config(config, MICRO_DET + opts)
