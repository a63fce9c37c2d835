"""Segmentation metrics from one confusion matrix, and DAVIS-style video measures.

Image metrics (docs/DESIGN.md section 8): per-class IoU and F1 from one confusion matrix; mIoU over
classes that occur in the ground truth or the prediction; mean F1 over foreground classes.
Video measures (Perazzi et al., CVPR 2016): per class and clip, J = region IoU and F = boundary
F-measure with a tolerance of 0.008 x the image diagonal, averaged over the clip's frames (a frame
where both masks are empty scores 1, as in DAVIS), then over (clip, class) pairs; decay = mean
over the first quarter of the frames minus mean over the last quarter. Flicker = the mean
fraction of pixels whose predicted class changes between consecutive frames, minus the same for
the ground truth (0: changes only where the scene does; > 0: the mask flickers).
"""
import math
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

BOUNDARY_TOLERANCE = 0.008


def confusion_matrix(pred: np.ndarray, gt: np.ndarray, num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """C x C int64 counts, rows = ground truth, columns = prediction; ignore pixels skipped."""
    if pred.shape != gt.shape:
        raise ValueError(f"prediction {pred.shape} and ground truth {gt.shape} differ in shape")
    valid = gt != ignore_index
    g, p = gt[valid].astype(np.int64), pred[valid].astype(np.int64)
    if g.size and (g.max() >= num_classes or p.max() >= num_classes):
        raise ValueError(f"label values exceed the {num_classes} classes")
    return np.bincount(g * num_classes + p, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def _nan_to_none(values) -> List[Optional[float]]:
    return [None if math.isnan(v) else float(v) for v in values]


def scores_from_confusion(cm: np.ndarray) -> Dict[str, object]:
    """IoU and F1 per class (None where the class is absent from both), their means, accuracy."""
    cm = cm.astype(np.float64)
    tp = np.diag(cm)
    gt_sum, pred_sum = cm.sum(1), cm.sum(0)
    union = gt_sum + pred_sum - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / union, np.nan)
        f1 = np.where(gt_sum + pred_sum > 0, 2 * tp / (gt_sum + pred_sum), np.nan)
    fg_f1 = f1[1:]
    return {
        "miou": float(np.nanmean(iou)) if np.any(~np.isnan(iou)) else None,
        "mean_f1": float(np.nanmean(fg_f1)) if np.any(~np.isnan(fg_f1)) else None,
        "per_class_iou": _nan_to_none(iou),
        "per_class_f1": _nan_to_none(f1),
        "pixel_accuracy": float(tp.sum() / cm.sum()) if cm.sum() else None,
    }


def _boundary(mask: np.ndarray) -> np.ndarray:
    # Outside the image counts as background, as in DAVIS' seg2bmap.
    eroded = cv2.erode(mask, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return (mask > 0) & (eroded == 0)


def region_j(pred_mask: np.ndarray, gt_mask: np.ndarray) -> float:
    """IoU of two boolean masks; 1 when both are empty (DAVIS convention)."""
    union = np.logical_or(pred_mask, gt_mask).sum()
    return 1.0 if union == 0 else float(np.logical_and(pred_mask, gt_mask).sum() / union)


def boundary_f(pred_mask: np.ndarray, gt_mask: np.ndarray,
               tolerance: float = BOUNDARY_TOLERANCE) -> float:
    """Boundary F-measure of two boolean masks with a tolerance of `tolerance` x diagonal."""
    pb, gb = _boundary(pred_mask.astype(np.uint8)), _boundary(gt_mask.astype(np.uint8))
    if not pb.any() and not gb.any():
        return 1.0
    if not pb.any() or not gb.any():
        return 0.0
    radius = max(1, int(math.ceil(tolerance * math.hypot(*pred_mask.shape))))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    gb_dil = cv2.dilate(gb.astype(np.uint8), disk) > 0
    pb_dil = cv2.dilate(pb.astype(np.uint8), disk) > 0
    precision = (pb & gb_dil).sum() / pb.sum()
    recall = (gb & pb_dil).sum() / gb.sum()
    return 0.0 if precision + recall == 0 else float(2 * precision * recall / (precision + recall))


def decay(values: Sequence[float]) -> float:
    """Mean of the first quarter minus mean of the last quarter (NaN with fewer than 4 values)."""
    if len(values) < 4:
        return float("nan")
    bins = np.array_split(np.asarray(values, np.float64), 4)
    return float(bins[0].mean() - bins[-1].mean())


class SegEvaluator:
    """Accumulates frames (optionally grouped in clips) and reports every metric at the end."""

    def __init__(self, num_classes: int, ignore_index: int = 255, video: bool = True):
        self.num_classes, self.ignore_index, self.video = num_classes, ignore_index, video
        self.cm = np.zeros((num_classes, num_classes), np.int64)
        # clip -> list over frames of {class: (J, F)} for classes in the prediction or the GT.
        self.frames: Dict[str, List[Dict[int, tuple]]] = defaultdict(list)
        self.gt_classes: Dict[str, set] = defaultdict(set)
        # Flicker: per consecutive pair of a clip, the fraction of pixels whose prediction
        # changes minus the fraction whose ground truth changes (real motion).
        self.previous: Dict[str, tuple] = {}
        self.changes: List[float] = []

    def add(self, pred: np.ndarray, gt: np.ndarray, clip: str = "") -> None:
        self.cm += confusion_matrix(pred, gt, self.num_classes, self.ignore_index)
        if not self.video:
            return
        valid = gt != self.ignore_index
        pred = np.where(valid, pred, self.num_classes)   # an id no class has
        gt = np.where(valid, gt, self.num_classes)
        last = self.previous.get(clip)
        if last is not None and last[0].shape == pred.shape:
            self.changes.append(float((last[0] != pred).mean() - (last[1] != gt).mean()))
        self.previous[clip] = (pred, gt)
        present = set(np.unique(gt).tolist()) | set(np.unique(pred).tolist())
        present.discard(self.num_classes)
        present.discard(0)          # video measures are about the parts, not the background
        scores = {}
        for c in present:
            p, g = pred == c, gt == c
            scores[c] = (region_j(p, g), boundary_f(p, g))
        self.frames[clip].append(scores)
        self.gt_classes[clip] |= set(np.unique(gt[valid]).tolist()) - {0}

    def result(self) -> Dict[str, object]:
        out = scores_from_confusion(self.cm)
        if not self.video:
            return out
        per_pair_j, per_pair_f, j_decays, f_decays = [], [], [], []
        jf_by_clip: Dict[str, Optional[float]] = {}

        def mean(values):
            values = [v for v in values if not math.isnan(v)]
            return float(np.mean(values)) if values else None

        for clip, frames in self.frames.items():
            first = len(per_pair_j)
            for c in sorted(self.gt_classes[clip]):
                js = [f.get(c, (1.0, 1.0))[0] for f in frames]
                fs = [f.get(c, (1.0, 1.0))[1] for f in frames]
                per_pair_j.append(np.mean(js))
                per_pair_f.append(np.mean(fs))
                j_decays.append(decay(js))
                f_decays.append(decay(fs))
            clip_j, clip_f = mean(per_pair_j[first:]), mean(per_pair_f[first:])
            jf_by_clip[clip] = None if clip_j is None else (clip_j + clip_f) / 2

        j, f = mean(per_pair_j), mean(per_pair_f)
        jd, fd = mean(j_decays), mean(f_decays)
        out.update({
            "J": j, "F": f, "JF": None if j is None else (j + f) / 2,
            "J_decay": jd, "F_decay": fd, "decay": None if jd is None else (jd + fd) / 2,
            "video_pairs": len(per_pair_j),
            "flicker": float(np.mean(self.changes)) if self.changes else None,
            "JF_by_clip": dict(sorted(jf_by_clip.items())),
        })
        return out
