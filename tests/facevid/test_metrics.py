"""Metrics on hand-made cases whose answers are known."""
import numpy as np
import pytest

from facevid.metrics.segmentation import (SegEvaluator, boundary_f, confusion_matrix, decay, region_j,
                             scores_from_confusion)


def _square(h=100, w=100, x=20, y=20, size=40, value=1):
    label = np.zeros((h, w), np.uint8)
    label[y:y + size, x:x + size] = value
    return label


def test_identical_masks_score_one():
    gt = _square()
    ev = SegEvaluator(num_classes=3)
    ev.add(gt.copy(), gt, clip="a")
    m = ev.result()
    assert m["miou"] == 1.0 and m["mean_f1"] == 1.0 and m["J"] == 1.0 and m["F"] == 1.0
    assert m["per_class_iou"][2] is None          # class 2 absent from both: undefined
    assert m["per_class_f1"][2] is None


def test_shifted_mask_known_iou_and_f1():
    gt, pred = _square(size=10), _square(size=10, x=25)     # shifted right by half its width
    cm = confusion_matrix(pred, gt, num_classes=2)
    s = scores_from_confusion(cm)
    assert s["per_class_iou"][1] == pytest.approx(50 / 150)
    assert s["per_class_f1"][1] == pytest.approx(2 * 50 / 200)
    assert s["per_class_iou"][0] == pytest.approx((10000 - 150) / (10000 - 50))
    assert region_j(pred == 1, gt == 1) == pytest.approx(1 / 3)


def test_empty_prediction():
    gt = _square()
    pred = np.zeros_like(gt)
    s = scores_from_confusion(confusion_matrix(pred, gt, 2))
    assert s["per_class_iou"][1] == 0.0 and s["per_class_f1"][1] == 0.0
    assert s["mean_f1"] == 0.0
    assert boundary_f(pred == 1, gt == 1) == 0.0
    assert region_j(pred == 1, gt == 1) == 0.0


def test_class_absent_from_both_is_left_out_of_the_means():
    gt = _square()
    s = scores_from_confusion(confusion_matrix(gt, gt, num_classes=5))
    assert s["per_class_iou"][2:] == [None, None, None]
    assert s["miou"] == 1.0            # mean over the two classes that occur


def test_ignore_pixels_do_not_count():
    gt = _square()
    gt[0:10, :] = 255
    pred = gt.copy()
    pred[0:10, :] = 1                  # wrong, but only where the ground truth is ignored
    assert scores_from_confusion(confusion_matrix(pred, gt, 2, 255))["miou"] == 1.0


def test_boundary_f_tolerates_shifts_within_the_tolerance():
    gt = _square(h=500, w=500, x=100, y=100, size=200)
    near = _square(h=500, w=500, x=102, y=100, size=200)   # tolerance ceil(0.008*707)=6 px
    far = _square(h=500, w=500, x=130, y=100, size=200)
    assert boundary_f(near == 1, gt == 1) == 1.0
    assert 0 < boundary_f(far == 1, gt == 1) < 0.7


def test_decay_and_video_measures_over_a_clip():
    assert decay([1, 1, 0.5, 0.5, 0, 0, 0, 0]) == pytest.approx(1.0)
    assert np.isnan(decay([1, 0]))
    ev = SegEvaluator(num_classes=2)
    gt = _square()
    for t in range(8):           # the prediction drifts away over the clip
        ev.add(_square(x=20 + 5 * t), gt, clip="c")
    m = ev.result()
    assert m["J_decay"] > 0.4 and m["video_pairs"] == 1
    assert m["JF"] == pytest.approx((m["J"] + m["F"]) / 2)


def test_flicker_is_prediction_changes_minus_ground_truth_changes():
    from facevid.metrics.segmentation import SegEvaluator
    gt = np.zeros((4, 4), np.uint8)
    gt[:2] = 1                                   # still ground truth: no real motion
    evaluator = SegEvaluator(2)
    evaluator.add(gt, gt, "a")
    flipped = gt.copy()
    flipped[0, :2] = 0                           # 2 of 16 pixels flicker
    evaluator.add(flipped, gt, "a")
    evaluator.add(gt, gt, "b")                   # another clip: no pair with clip a
    assert evaluator.result()["flicker"] == 2 / 16


def test_video_metrics_are_also_given_per_clip():
    truth = np.zeros((20, 20), np.uint8)
    truth[5:15, 5:15] = 1
    evaluator = SegEvaluator(2)
    for _ in range(2):
        evaluator.add(truth, truth, "right")
        evaluator.add(np.zeros_like(truth), truth, "missed")
    result = evaluator.result()
    assert result["JF_by_clip"] == {"missed": 0.0, "right": 1.0}
    assert result["JF"] == 0.5
