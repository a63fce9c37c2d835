"""The stage-1 -> stage-2 contract (docs/DESIGN.md section 6): `Detections`, what a detector
and a parser promise (`DetectorProtocol`, `ParserProtocol`), the operating point a detector
hands its detections over at, and the pure box logic that turns them into crops without
missing faces: duplicate merging, margins, square crops clipped to the frame, a whole-frame
fallback, and carrying boxes over frames where the detector misses."""
import dataclasses
from dataclasses import dataclass, field
from typing import List, Optional, Protocol, Sequence, Tuple

import numpy as np

from facevid.config.sections import DetConfig, DetInfer
from facevid.boxes.crops import expand_box

IntBox = Tuple[int, int, int, int]


@dataclass(frozen=True)
class Detections:
    """Boxes N x 4 float32 xyxy in frame pixels, scores N float32, class_ids N int64."""
    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray

    def __post_init__(self):
        n = len(self.scores)
        if self.boxes.shape != (n, 4) or self.class_ids.shape != (n,):
            raise ValueError(f"Detections need boxes N x 4, scores N, class_ids N; got "
                             f"{self.boxes.shape}, {self.scores.shape}, {self.class_ids.shape}")

    @staticmethod
    def empty() -> "Detections":
        return Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.scores)

    def select(self, keep: np.ndarray) -> "Detections":
        return Detections(self.boxes[keep], self.scores[keep], self.class_ids[keep])



class DetectorProtocol(Protocol):
    """Stage 1. Called with an RGB frame (H x W x 3 uint8), returns the `Detections` at its
    operating point `point`, in frame pixels; `categories` lists the class ids it can return
    (1 face, 2 person). It resizes and normalises its own input and knows nothing of crops."""
    categories: np.ndarray
    point: "OperatingPoint"

    def __call__(self, frame: np.ndarray) -> Detections: ...


class ParserProtocol(Protocol):
    """Stage 2. Owns its crop rule and normalisation (those it was trained with):
    `crop_boxes` turns detections into integer crop boxes (none with no detection unless the
    whole-frame fallback is asked for), `frame_outputs` parses the crops of a frame (RGB, plus a
    previous-mask channel when `in_channels` is 4) and returns C x H x W probabilities of its
    schema's classes, soft until the frame is assembled, and when asked its learned soft alpha
    H x W (None for a model without one)."""
    name: str
    in_channels: int

    def crop_boxes(self, dets: Detections, frame_size: Tuple[int, int],
                   whole_frame_fallback: bool = True) -> List[IntBox]: ...

    def frame_outputs(self, image: np.ndarray, boxes: Sequence[IntBox], mode: str = "bilinear",
                      with_alpha: bool = False) -> Tuple[np.ndarray, Optional[np.ndarray]]: ...


_INFER = DetInfer()   # the defaults, declared once with their meaning in facevid.config.sections


@dataclass(frozen=True)
class OperatingPoint:
    """Which raw detections are handed over: the config's `infer` section (DetInfer) as the
    detector's frozen settings."""
    score_threshold: float = _INFER.score_threshold
    merge_iou: float = _INFER.merge_iou
    max_detections: int = _INFER.max_detections
    max_missing: int = _INFER.max_missing
    detect_every: int = _INFER.detect_every

    def apply(self, dets: Detections) -> Detections:
        """Raw detections -> score >= score_threshold, duplicates merged, at most
        max_detections of them (best first)."""
        dets = merge_duplicates(dets.select(dets.scores >= self.score_threshold), self.merge_iou)
        return dets.select(np.argsort(-dets.scores, kind="stable")[: self.max_detections])

    @classmethod
    def from_config(cls, cfg: DetConfig) -> "OperatingPoint":
        return cls(**dataclasses.asdict(cfg.infer))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes a (N x 4) and b (M x 4), xyxy -> N x M."""
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def merge_duplicates(dets: Detections, iou: float = 0.5) -> Detections:
    """Greedy per-class merging: each group of boxes overlapping the best remaining one by more
    than `iou` becomes their enclosing box with the best score. Enclosing rather than dropping
    (as NMS does) so a merged crop still covers everything its parts covered."""
    out_boxes, out_scores, out_ids = [], [], []
    for c in np.unique(dets.class_ids):
        idx = np.nonzero(dets.class_ids == c)[0]
        idx = idx[np.argsort(-dets.scores[idx], kind="stable")]
        while len(idx):
            group = idx[box_iou(dets.boxes[idx[:1]], dets.boxes[idx])[0] > iou]
            group = np.union1d(group, idx[:1])
            boxes = dets.boxes[group]
            out_boxes.append(np.concatenate([boxes[:, :2].min(0), boxes[:, 2:].max(0)]))
            out_scores.append(dets.scores[idx[0]])
            out_ids.append(c)
            idx = np.setdiff1d(idx, group, assume_unique=True)
            idx = idx[np.argsort(-dets.scores[idx], kind="stable")]
    if not out_boxes:
        return Detections.empty()
    return Detections(np.array(out_boxes, np.float32), np.array(out_scores, np.float32),
                      np.array(out_ids, np.int64))


def grow_to_regions(dets: Detections, regions: np.ndarray) -> Detections:
    """Each detection grown to enclose every region box (M x 4 xyxy) it overlaps; regions that
    overlap no detection are dropped. For video, the regions are the previous frame's mask:
    the parser's mask reaches the legs and arms a detector at low resolution cuts off, and a
    region the detector no longer supports does not live on (a false person would persist)."""
    if not len(dets) or not len(regions):
        return dets
    boxes = dets.boxes.copy()
    for i, hits in enumerate(_overlaps(dets.boxes, regions)):
        if hits.any():
            boxes[i, :2] = np.minimum(boxes[i, :2], regions[hits, :2].min(0))
            boxes[i, 2:] = np.maximum(boxes[i, 2:], regions[hits, 2:].max(0))
    return Detections(boxes, dets.scores, dets.class_ids)


def _overlaps(boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """N x M bool: box i and region j share an area."""
    tl = np.maximum(boxes[:, None, :2], regions[None, :, :2])
    br = np.minimum(boxes[:, None, 2:], regions[None, :, 2:])
    return np.all(br > tl, axis=2)


# A fresh detection this much larger (in area) than the previous mask's regions it overlaps
# holds more of a person than the mask kept: a mask that shrank to a part of someone.
PARTIAL_MASK_RATIO = 1.5


def forget_partial_mask(prev_fg: np.ndarray, boxes: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """The previous frame's foreground (H x W) with each fresh detection's box (N x 4 xyxy) set
    to 0 where the detection covers more than PARTIAL_MASK_RATIO times the box of the previous
    mask's regions (M x 4) it overlaps: a model that reads the previous mask would otherwise keep
    segmenting the part it kept, frame after frame, and the rest of the person stays lost.
    Returns prev_fg itself when nothing is forgotten, else a copy."""
    if not len(boxes) or not len(regions):
        return prev_fg          # a person the mask did not have: its channel is 0 there already
    out = prev_fg
    for box, hit in zip(boxes, _overlaps(boxes, regions)):
        if not hit.any():
            continue
        kept = np.concatenate([regions[hit, :2].min(0), regions[hit, 2:].max(0)])
        if _area(box) > PARTIAL_MASK_RATIO * _area(kept):
            out = out.copy() if out is prev_fg else out
            x0, y0, x1, y1 = np.round(box).astype(int)
            out[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = 0
    return out


def _area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def crop_boxes(dets: Detections, frame_size: Tuple[int, int], margin: float, square: bool,
               class_id: Optional[int] = None, fallback_whole_frame: bool = True) -> List[IntBox]:
    """Crop boxes for stage 2: each detection (of `class_id`, or all) grown by `margin`,
    optionally square, clipped to the frame. No detection: the whole frame, if allowed."""
    keep = dets.class_ids == class_id if class_id is not None else np.ones(len(dets), bool)
    boxes = [expand_box(tuple(b), margin, frame_size, square=square) for b in dets.boxes[keep]]
    if not boxes and fallback_whole_frame:
        boxes = [(0, 0, frame_size[0], frame_size[1])]
    return boxes


@dataclass
class BoxCarrier:
    """For video: when the detector finds nothing in a frame, reuse the last detections for up
    to `max_missing` frames (faces rarely vanish for a frame; detectors often miss one)."""
    max_missing: int = 5
    _last: Detections = field(default_factory=Detections.empty)
    _missing: int = 0

    def __call__(self, dets: Detections) -> Detections:
        if len(dets):
            self._last, self._missing = dets, 0
            return dets
        self._missing += 1
        return self._last if self._missing <= self.max_missing else dets
