"""The stage-1 -> stage-2 contract: box logic with known answers (pure numpy)."""
import numpy as np
import pytest

from facevid.boxes.detections import (BoxCarrier, Detections, box_iou, crop_boxes, grow_to_regions,
                                      merge_duplicates)


def _dets(boxes, scores, classes):
    return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.array(scores, np.float32),
                      np.array(classes, np.int64))


def test_detections_validate_shapes():
    with pytest.raises(ValueError, match="N x 4"):
        Detections(np.zeros((2, 3), np.float32), np.zeros(2, np.float32), np.zeros(2, np.int64))
    assert len(Detections.empty()) == 0


def test_box_iou_known_values():
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], np.float32)
    np.testing.assert_allclose(box_iou(a, b), [[1.0, 50 / 150, 0.0]])


def test_merge_duplicates_encloses_overlapping_boxes_of_one_class_only():
    dets = _dets([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [50, 50, 60, 60]],
                 [0.9, 0.3, 0.8, 0.2], [1, 1, 2, 1])
    merged = merge_duplicates(dets, iou=0.5)
    faces = merged.select(merged.class_ids == 1)
    assert len(merged) == 3 and len(faces) == 2
    np.testing.assert_allclose(faces.boxes[0], [0, 0, 11, 11])     # enclosing box, best score
    assert faces.scores[0] == pytest.approx(0.9)
    np.testing.assert_allclose(merged.select(merged.class_ids == 2).boxes, [[0, 0, 10, 10]])


def test_crop_boxes_margin_square_clip_and_fallback():
    dets = _dets([[10, 10, 30, 20], [0, 0, 5, 5]], [0.9, 0.9], [1, 2])
    assert crop_boxes(dets, (100, 80), margin=0.5, square=True, class_id=1) == [(0, 0, 40, 35)]
    assert crop_boxes(dets, (100, 80), margin=0.0, square=False, class_id=1) == [(10, 10, 30, 20)]
    assert crop_boxes(Detections.empty(), (100, 80), 0.5, True, 1) == [(0, 0, 100, 80)]
    assert crop_boxes(Detections.empty(), (100, 80), 0.5, True, 1, fallback_whole_frame=False) == []


def test_box_carrier_reuses_last_boxes_for_a_few_missed_frames():
    seen = _dets([[0, 0, 10, 10]], [0.9], [1])
    carry = BoxCarrier(max_missing=2)
    assert len(carry(seen)) == 1
    assert len(carry(Detections.empty())) == 1 and len(carry(Detections.empty())) == 1
    assert len(carry(Detections.empty())) == 0       # third miss in a row: give up
    assert len(carry(seen)) == 1


def test_grow_to_regions_encloses_overlapping_regions_and_drops_lone_ones():
    dets = _dets([[10, 10, 20, 20], [50, 50, 60, 60]], [0.9, 0.4], [2, 2])
    regions = np.array([[15, 12, 30, 40],      # overlaps the first box: it grows to enclose it
                        [18, 5, 22, 11],       # overlaps the first too (above it)
                        [20, 20, 25, 25],      # touches the first box's corner only: no
                        [80, 80, 90, 90]],     # overlaps nothing: dropped, not a new box
                       np.float32)
    grown = grow_to_regions(dets, regions)
    np.testing.assert_allclose(grown.boxes, [[10, 5, 30, 40], [50, 50, 60, 60]])
    np.testing.assert_allclose(grown.scores, [0.9, 0.4])
    assert len(grow_to_regions(Detections.empty(), regions)) == 0
    np.testing.assert_allclose(grow_to_regions(dets, np.zeros((0, 4), np.float32)).boxes, dets.boxes)
