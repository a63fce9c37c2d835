"""Detector evaluation on a label-map data set: COCO AP (pycocotools) of the raw detections,
recall at IoU `eval.iou` of the mask-derived boxes at the operating point (infer.*), the
fraction of ground-truth face pixels inside the crops handed to stage 2 (the number that
matters: a pixel outside every crop cannot be parsed), and detection time per frame."""
import contextlib
import io
import time
from typing import Any, Dict, Optional

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from tqdm import tqdm

from facevid.detections import box_iou
from facevid.mask_boxes import CATEGORIES
from facevid.readers import Reader
from facevid.splits import face_ids, open_split
from stage1_detect.data import gt_boxes
from stage1_detect.detector import Detector


def _coco_ap(gt: Dict[str, Any], results: list) -> Dict[str, float]:
    if not gt["annotations"]:
        return {"AP": None, "AP50": None}
    if not results:
        return {"AP": 0.0, "AP50": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):    # pycocotools prints its tables
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes(results), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return {"AP": float(evaluator.stats[0]), "AP50": float(evaluator.stats[1])}


def _hits(truth: np.ndarray, boxes: np.ndarray, iou: float) -> int:
    """How many true boxes some box overlaps by at least `iou`."""
    if not len(truth) or not len(boxes):
        return 0
    return int((box_iou(truth, boxes).max(1) >= iou).sum())


def evaluate_detector(detector: Detector, reader: Optional[Reader] = None,
                      max_frames: Optional[int] = None, show_progress: bool = True) -> Dict[str, Any]:
    cfg = detector.cfg
    reader = reader or open_split(cfg, "val")
    n = len(reader) if max_frames is None else min(max_frames, len(reader))
    categories = CATEGORIES[: 2 if cfg["data"]["person_boxes"] else 1]
    gt = {"images": [], "annotations": [], "categories": categories}
    results, seconds = [], []
    found = {c["id"]: 0 for c in categories}
    found_unmerged = {c["id"]: 0 for c in categories}
    total = {c["id"]: 0 for c in categories}
    face_pixels = face_pixels_in_crops = fallback_frames = 0
    ids = face_ids(cfg)
    for i in tqdm(range(n), desc="detect", unit="frame", disable=not show_progress, leave=False):
        image, label = reader.load(i)
        boxes, classes = gt_boxes(cfg, label)
        gt["images"].append({"id": i + 1, "width": label.shape[1], "height": label.shape[0]})
        for box, cls in zip(boxes, classes):
            x0, y0, x1, y1 = box.tolist()
            gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": i + 1,
                                      "category_id": int(cls) + 1, "bbox": [x0, y0, x1 - x0, y1 - y0],
                                      "area": (x1 - x0) * (y1 - y0), "iscrowd": 0})
        tic = time.perf_counter()
        raw = detector.raw(image)
        seconds.append(time.perf_counter() - tic)
        for box, score, cls in zip(raw.boxes, raw.scores, raw.class_ids):
            x0, y0, x1, y1 = box.tolist()
            results.append({"image_id": i + 1, "category_id": int(cls), "score": float(score),
                            "bbox": [x0, y0, x1 - x0, y1 - y0]})
        dets = detector.operating_point(raw)    # low threshold, merged: no second forward
        # Merging grows boxes (good for coverage, bad for IoU): recall is given both ways.
        unmerged = raw.select(raw.scores >= cfg["infer"]["score_threshold"])
        for c in found:
            truth = boxes[classes == c - 1]
            total[c] += len(truth)
            found[c] += _hits(truth, dets.boxes[dets.class_ids == c], cfg["eval"]["iou"])
            found_unmerged[c] += _hits(truth, unmerged.boxes[unmerged.class_ids == c], cfg["eval"]["iou"])
        covered = np.zeros(label.shape, bool)
        crops = detector.crop_boxes(dets, (label.shape[1], label.shape[0]))
        fallback_frames += crops == [(0, 0, label.shape[1], label.shape[0])] and not len(dets)
        for x0, y0, x1, y1 in crops:
            covered[y0:y1, x0:x1] = True
        face = np.isin(label, ids)
        face_pixels += int(face.sum())
        face_pixels_in_crops += int((face & covered).sum())
    out: Dict[str, Any] = {"frames": n, "score_threshold": cfg["infer"]["score_threshold"],
                           "iou": cfg["eval"]["iou"], **_coco_ap(gt, results)}
    for c in categories:
        out[f"recall_{c['name']}"] = found[c["id"]] / total[c["id"]] if total[c["id"]] else None
        out[f"recall_{c['name']}_unmerged"] = (found_unmerged[c["id"]] / total[c["id"]]
                                               if total[c["id"]] else None)
        out[f"gt_boxes_{c['name']}"] = total[c["id"]]
    # With the whole-frame fallback, frames without detections count as fully covered.
    out["face_pixels_in_crops"] = face_pixels_in_crops / face_pixels if face_pixels else None
    out["fallback_frames"] = int(fallback_frames)
    # The first frame pays for lazy initialisation; the steady state is what users see.
    steady = seconds[1:] if len(seconds) > 1 else seconds
    out["seconds_per_frame"] = float(np.mean(steady)) if steady else None
    return out
