"""Detector evaluation on a label-map data set: COCO AP (pycocotools) of the raw detections,
recall at IoU `eval.iou` of the mask-derived boxes at the operating point, the fraction of
ground-truth face pixels inside the crops a parser would cut (boxes grown by
`eval.crop_margin`, whole frame when nothing is found: a pixel outside every crop cannot be
parsed), and detection time per frame."""
import contextlib
import io
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from tqdm import tqdm

from facevid.config.sections import DetConfig
from facevid.boxes.crops import boxes_mask
from facevid.boxes.detections import Detections, box_iou, crop_boxes
from facevid.boxes.mask_boxes import CATEGORIES, FACE
from facevid.data.readers import Reader
from facevid.data.splits import face_ids, open_split
from stage1_detect.data import categories, gt_boxes
from stage1_detect.detector import Detector


def coco_ap(gt: Dict[str, Any], results: list) -> Dict[str, float]:
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


def add_coco_frame(gt: Dict[str, Any], results: list, size: Tuple[int, int], truth: np.ndarray,
                   truth_classes: Sequence[int], dets: Detections) -> None:
    """One frame (W, H) into the COCO dicts coco_ap scores: its true boxes (M x 4 xyxy) with
    their category ids, and the detections with their scores."""
    image_id = len(gt["images"]) + 1
    gt["images"].append({"id": image_id, "width": size[0], "height": size[1]})
    for (x0, y0, x1, y1), cls in zip(truth.tolist(), list(truth_classes)):
        gt["annotations"].append({
            "id": len(gt["annotations"]) + 1, "image_id": image_id, "category_id": int(cls),
            "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0), "iscrowd": 0})
    for (x0, y0, x1, y1), score, cls in zip(dets.boxes.tolist(), dets.scores, dets.class_ids):
        results.append({"image_id": image_id, "category_id": int(cls), "score": float(score),
                        "bbox": [x0, y0, x1 - x0, y1 - y0]})


def _hits(truth: np.ndarray, boxes: np.ndarray, iou: float) -> int:
    """How many true boxes some box overlaps by at least `iou`."""
    if not len(truth) or not len(boxes):
        return 0
    return int((box_iou(truth, boxes).max(1) >= iou).sum())


class DetectorEvaluator:
    """Accumulates frames (`add`) and gives the measures (`result`), like SegEvaluator."""

    def __init__(self, categories: Sequence[Dict[str, Any]], iou: float, score_threshold: float,
                 crop_margin: float):
        self.categories, self.iou = list(categories), iou
        self.score_threshold, self.crop_margin = score_threshold, crop_margin
        self.gt: Dict[str, Any] = {"images": [], "annotations": [], "categories": self.categories}
        self.results: List[Dict[str, Any]] = []
        ids = [c["id"] for c in self.categories]
        self.found, self.found_unmerged, self.total = ({c: 0 for c in ids} for _ in range(3))
        self.face_pixels = self.face_pixels_in_crops = self.fallback_frames = 0
        self.seconds: List[float] = []

    def add(self, truth: np.ndarray, truth_classes: np.ndarray, face_mask: np.ndarray,
            raw: Detections, dets: Detections, seconds: float) -> None:
        """One frame: true boxes (M x 4) with category ids (M), the mask of its face pixels
        (H x W bool), the raw detections, those at the operating point, and the time taken."""
        h, w = face_mask.shape
        add_coco_frame(self.gt, self.results, (w, h), truth, truth_classes, raw)
        # Merging grows boxes (good for coverage, bad for IoU): recall is given both ways.
        unmerged = raw.select(raw.scores >= self.score_threshold)
        for c in self.total:
            mine = truth[truth_classes == c]
            self.total[c] += len(mine)
            self.found[c] += _hits(mine, dets.boxes[dets.class_ids == c], self.iou)
            self.found_unmerged[c] += _hits(mine, unmerged.boxes[unmerged.class_ids == c], self.iou)
        crops = crop_boxes(dets, (w, h), self.crop_margin, True, FACE, fallback_whole_frame=True)
        self.fallback_frames += int(not len(dets.select(dets.class_ids == FACE)))
        covered = boxes_mask(crops, face_mask.shape)
        self.face_pixels += int(face_mask.sum())
        self.face_pixels_in_crops += int((face_mask & covered).sum())
        self.seconds.append(seconds)

    def result(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"frames": len(self.seconds), "score_threshold": self.score_threshold,
                               "iou": self.iou, "crop_margin": self.crop_margin,
                               **coco_ap(self.gt, self.results)}
        for c in self.categories:
            total = self.total[c["id"]]
            out[f"recall_{c['name']}"] = self.found[c["id"]] / total if total else None
            out[f"recall_{c['name']}_unmerged"] = self.found_unmerged[c["id"]] / total if total else None
            out[f"gt_boxes_{c['name']}"] = total
        # With the whole-frame fallback, frames without detections count as fully covered.
        out["face_pixels_in_crops"] = (self.face_pixels_in_crops / self.face_pixels
                                       if self.face_pixels else None)
        out["fallback_frames"] = self.fallback_frames
        # The first frame pays for lazy initialisation; the steady state is what users see.
        steady = self.seconds[1:] if len(self.seconds) > 1 else self.seconds
        out["seconds_per_frame"] = float(np.mean(steady)) if steady else None
        return out


def evaluate_detector(detector: Detector, cfg: DetConfig, reader: Optional[Reader] = None,
                      max_frames: Optional[int] = None, show_progress: bool = True) -> Dict[str, Any]:
    """Score `detector` on the config's validation split (or `reader`)."""
    reader = reader or open_split(cfg, "val")
    n = len(reader) if max_frames is None else min(max_frames, len(reader))
    order = categories(cfg)
    evaluator = DetectorEvaluator([c for c in CATEGORIES if c["id"] in order],
                                  cfg.eval.iou, detector.point.score_threshold,
                                  cfg.eval.crop_margin)
    ids = face_ids(cfg)
    for i in tqdm(range(n), desc="detect", unit="frame", disable=not show_progress, leave=False):
        image, label = reader.load(i)
        truth, classes = gt_boxes(cfg, label)
        tic = time.perf_counter()
        raw = detector.raw(image)
        seconds = time.perf_counter() - tic
        evaluator.add(truth, np.array(order, np.int64)[classes], np.isin(label, ids), raw,
                      detector.point.apply(raw), seconds)   # no second forward
    return evaluator.result()
