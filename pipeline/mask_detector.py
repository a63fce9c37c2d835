"""Person boxes from a whole-frame segmentation model: stage 1 for the portrait pipeline's
detect-crop-segment path.

A pipeline whose `detector:` names a stage-2 config (a whole-frame model, `data.crop: frame`)
gets a `MaskDetector`: the model segments the frame at its own small input size, and each
connected region of its foreground (dilated a little, so an arm cut off by a thin gap stays with
its body) becomes a person box. The parser behind it then segments each person at its crop
size and pastes the logits back. Measured on the held-out DAVIS sequences (README, "Portrait"):
the same person-crop model scored J&F 0.586 behind these boxes, 0.597 behind the ground-truth
boxes, and 0.492 / 0.521 behind the Cascade-RCNN person detector trained on the 8 training
sequences from scratch / from the face detector (too few people for it to generalise).
"""
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from facevid.boxes.detections import Detections, OperatingPoint
from facevid.config.sections import SegConfig
from facevid.errors import ConfigError
from facevid.boxes.mask_boxes import PERSON, person_boxes
from postprocess.ensemble import softmax
from stage2_seg.preprocess import normalize
from stage2_seg.parser import Parser

FOREGROUND_PROB = 0.5      # a pixel is a person's when the model gives it at least this
DILATE_FRACTION = 0.015    # of the mask's longer side, on each side: joins fragments of one person
MIN_AREA_FRACTION = 0.002  # regions with fewer foreground pixels (of the frame's) are noise


class MaskDetector:
    """A detector (one category: person; facevid.boxes.detections.DetectorProtocol) made of a
    whole-frame segmentation parser: it runs the parser's network on the frame and boxes each
    region of the mask."""

    def __init__(self, parser: Parser, operating_point: OperatingPoint = OperatingPoint()):
        if parser.crop_rule.mode != "frame" or parser.in_channels != 3:
            raise ConfigError(f"detector {parser.name}: a segmentation model used as the detector "
                              "must parse whole RGB frames (data.crop: frame, 3 input channels)")
        self.parser, self.point = parser, operating_point
        self.categories = np.array([PERSON], np.int64)
        self.background_id = 0

    @classmethod
    def from_loaded(cls, cfg: SegConfig, weights: Optional[Path] = None,
                    export_dir: Optional[Path] = None, threads: int = 2) -> "MaskDetector":
        return cls(Parser.from_loaded(cfg, weights, export_dir, threads=threads))

    def __call__(self, frame: np.ndarray) -> Detections:
        return self.point.apply(self.raw(frame))

    def raw(self, frame: np.ndarray) -> Detections:
        """A person box per foreground region of the model's mask, in frame pixels; its score
        is the region's mean foreground probability."""
        small = cv2.resize(frame, self.parser.size, interpolation=cv2.INTER_LINEAR)
        probs = softmax(self.parser.forward(normalize(small)[None])[0])
        foreground = 1.0 - probs[self.background_id]
        mask = (foreground >= FOREGROUND_PROB).astype(np.uint8)
        radius = max(1, round(DILATE_FRACTION * max(mask.shape)))
        grown = cv2.dilate(mask, np.ones((2 * radius + 1, 2 * radius + 1), np.uint8))
        boxes, scores = [], []
        for x0, y0, x1, y1 in person_boxes(grown, min_pixels=1):
            window = (slice(int(y0), int(y1)), slice(int(x0), int(x1)))
            inside = mask[window] > 0
            if inside.sum() >= MIN_AREA_FRACTION * mask.size:
                boxes.append((x0, y0, x1, y1))
                scores.append(foreground[window][inside].mean())
        boxes = np.array(boxes, np.float32).reshape(-1, 4)
        h, w = frame.shape[:2]
        boxes *= np.array([w / mask.shape[1], h / mask.shape[0]] * 2, np.float32)
        return Detections(boxes, np.array(scores, np.float32), np.full(len(boxes), PERSON, np.int64))
