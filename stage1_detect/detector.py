"""High-recall detection for stage 2: `Detector(frame)` returns merged `Detections` above a low
score threshold, `Detector.crop_boxes` turns them into crops (margin, square, clipped, whole
frame when nothing is found), and `VideoDetector` carries boxes over frames where the detector
misses."""
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np
import paddle

from facevid.checkpoint import load_weights
from facevid.config import load_config
from facevid.detections import BoxCarrier, Detections, IntBox, crop_boxes, merge_duplicates
from facevid.mask_boxes import FACE, PERSON
from stage1_detect.data import collate, resize_for_detector, to_chw
from stage1_detect.model import build_detector


class Detector:
    def __init__(self, model: paddle.nn.Layer, cfg: Dict[str, Any]):
        self.model, self.cfg = model, cfg
        self.model.eval()

    @classmethod
    def from_files(cls, config: Path, weights: Path, opts: Sequence[str] = ()) -> "Detector":
        cfg = load_config(config, opts)
        with paddle.utils.unique_name.guard():
            model = build_detector(cfg)
        load_weights(weights, model)
        return cls(model, cfg)

    @paddle.no_grad()
    def raw(self, frame: np.ndarray) -> Detections:
        """Every box the network returns for an RGB frame (H x W x 3), in frame pixels;
        class ids are COCO categories (1 face, 2 person)."""
        image, scale = resize_for_detector(frame, self.cfg["train"]["image_size"])
        batch = collate([{"image": to_chw(image), "im_shape": np.float32(image.shape[:2]),
                          "scale_factor": np.float32([scale, scale])}])
        out = self.model(batch)
        rows = out["bbox"].numpy()[: int(out["bbox_num"].numpy()[0])]
        rows = rows[rows[:, 1] > 0]        # ppdet pads an empty result with a zero-score row
        h, w = frame.shape[:2]
        boxes = np.clip(rows[:, 2:6], 0, [w, h, w, h]).astype(np.float32)
        return Detections(boxes, rows[:, 1].astype(np.float32), rows[:, 0].astype(np.int64) + 1)

    def __call__(self, frame: np.ndarray) -> Detections:
        """Detections of an RGB frame at the operating point (see `operating_point`)."""
        return self.operating_point(self.raw(frame))

    def operating_point(self, dets: Detections) -> Detections:
        """Raw detections -> score >= infer.score_threshold, duplicates merged, at most
        infer.max_detections of them (best first)."""
        infer = self.cfg["infer"]
        dets = merge_duplicates(dets.select(dets.scores >= infer["score_threshold"]), infer["merge_iou"])
        return dets.select(np.argsort(-dets.scores, kind="stable")[: infer["max_detections"]])

    def crop_boxes(self, dets: Detections, frame_size) -> List[IntBox]:
        infer = self.cfg["infer"]
        return crop_boxes(dets, frame_size, infer["margin"], infer["square"],
                          FACE if infer["crop_class"] == "face" else PERSON,
                          infer["fallback_whole_frame"])


class VideoDetector:
    """A Detector for one video, returning the detections of the crop class
    (infer.crop_class); a frame without any reuses the last ones, for up to infer.max_missing
    frames. Make a new one per video."""

    def __init__(self, detector: Detector):
        self.detector = detector
        infer = detector.cfg["infer"]
        self.crop_class = FACE if infer["crop_class"] == "face" else PERSON
        self.carrier = BoxCarrier(infer["max_missing"])

    def __call__(self, frame: np.ndarray) -> Detections:
        dets = self.detector(frame)
        return self.carrier(dets.select(dets.class_ids == self.crop_class))
