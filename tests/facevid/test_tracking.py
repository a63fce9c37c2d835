"""Boxes follow the pixels inside them between detector runs."""
import numpy as np

from facevid.boxes.detections import Detections
from facevid.boxes.tracking import FlowTracker


def _frame(x: int, y: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    frame = np.full((120, 160, 3), 40, np.uint8)
    patch = rng.integers(0, 255, (30, 30, 3), dtype=np.uint8)    # a textured object
    frame[y:y + 30, x:x + 30] = patch
    return frame


def test_a_box_moves_with_its_object_and_detections_replace_it():
    tracker = FlowTracker()
    start = Detections(np.array([[20, 30, 50, 60]], np.float32), np.ones(1, np.float32), np.ones(1, np.int64))
    assert tracker(_frame(20, 30), start) is start
    moved = tracker(_frame(26, 34))                    # the object moved by (6, 4)
    np.testing.assert_allclose(moved.boxes[0], [26, 34, 56, 64], atol=1.5)
    again = tracker(_frame(30, 36))
    np.testing.assert_allclose(again.boxes[0], [30, 36, 60, 66], atol=2.0)
    fresh = Detections(np.array([[0, 0, 10, 10]], np.float32), np.ones(1, np.float32), np.ones(1, np.int64))
    assert tracker(_frame(30, 36), fresh) is fresh


def test_a_flat_box_keeps_its_place_and_nothing_stays_nothing():
    tracker = FlowTracker()
    flat = Detections(np.array([[100, 80, 140, 110]], np.float32), np.ones(1, np.float32), np.ones(1, np.int64))
    tracker(_frame(20, 30), flat)
    np.testing.assert_allclose(tracker(_frame(22, 30)).boxes, flat.boxes)   # no corners there
    empty = FlowTracker()
    empty(_frame(20, 30), Detections.empty())
    assert len(empty(_frame(21, 30))) == 0
