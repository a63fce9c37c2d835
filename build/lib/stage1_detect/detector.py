"""High-recall detection for stage 2: `Detector(frame)` returns merged `Detections` above a low
score threshold, and `VideoDetector` carries boxes over frames where the detector misses. The
detector hands over detections only: each parser crops them with the margin it was trained
with (stage2_seg.parser.CropRule)."""
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import paddle

from facevid.config.sections import DetConfig
from facevid.config.load import load_config
from facevid.boxes.detections import BoxCarrier, Detections, OperatingPoint
from facevid.errors import UserError
from facevid.boxes.mask_boxes import FACE, PERSON
from facevid.data.schema import ClassSchema
from facevid.boxes.tracking import FlowTracker
from stage1_detect.data import categories, detector_inputs
from stage1_detect.export import DetForward, exported_detector_forward


def dygraph_detector_forward(model: paddle.nn.Layer) -> DetForward:
    """The DetForward of a dygraph model (set to eval mode here and by the caller)."""
    model.eval()

    @paddle.no_grad()
    def run(batch: Dict[str, np.ndarray]):
        out = model({k: paddle.to_tensor(v) for k, v in batch.items()})
        return out["bbox"].numpy(), out["bbox_num"].numpy()
    return run


class Detector:
    """One detector, dygraph or exported (Paddle Inference), at its operating point."""

    def __init__(self, forward: DetForward, image_size: Tuple[int, int], schema: ClassSchema,
                 operating_point: OperatingPoint = OperatingPoint(),
                 categories: Sequence[int] = (FACE, PERSON)):
        self.forward, self.image_size, self.schema = forward, tuple(image_size), schema
        self.point = operating_point
        # COCO category id of each network class index (a person-only detector: (PERSON,)).
        self.categories = np.array(categories, np.int64)

    @classmethod
    def from_config(cls, cfg: DetConfig, forward: DetForward) -> "Detector":
        """A detector of a stage-1 config over a forward (dygraph_detector_forward(model) in
        training, exported_detector_forward(export_dir) for an export)."""
        return cls(forward, cfg.train.image_size, cfg.class_schema,
                   OperatingPoint.from_config(cfg), categories(cfg))

    @classmethod
    def from_files(cls, config: Path, weights: Optional[Path] = None,
                   opts: Sequence[str] = (), export_dir: Optional[Path] = None,
                   threads: int = 2) -> "Detector":
        """From a stage-1 config and its weights, or an export of it (Paddle Inference)."""
        return cls.from_loaded(load_config(config, opts, stages=("det",)), weights, export_dir, threads)

    @classmethod
    def from_loaded(cls, cfg: DetConfig, weights: Optional[Path] = None,
                    export_dir: Optional[Path] = None, threads: int = 2) -> "Detector":
        """from_files for a config already loaded."""
        if export_dir is not None:
            return cls.from_config(cfg, exported_detector_forward(export_dir, threads))
        if weights is None:
            raise UserError(f"detector {cfg.path}: give weights or an export_dir")
        # ppdet only for dygraph: an exported detector starts without importing it.
        from stage1_detect.model import trained_detector_model
        return cls.from_config(cfg, dygraph_detector_forward(trained_detector_model(cfg, Path(weights))))

    def raw(self, frame: np.ndarray) -> Detections:
        """Every box the network returns for an RGB frame (H x W x 3), in frame pixels;
        class ids are COCO categories (1 face, 2 person)."""
        rows, counts = self.forward(detector_inputs(frame, self.image_size))
        rows = rows[: int(counts[0])]
        rows = rows[rows[:, 1] > 0]        # ppdet pads an empty result with a zero-score row
        h, w = frame.shape[:2]
        boxes = np.clip(rows[:, 2:6], 0, [w, h, w, h]).astype(np.float32)
        return Detections(boxes, rows[:, 1].astype(np.float32), self.categories[rows[:, 0].astype(np.int64)])

    def __call__(self, frame: np.ndarray) -> Detections:
        """Detections of an RGB frame at the operating point."""
        return self.point.apply(self.raw(frame))


class VideoDetector:
    """A Detector for one video, returning the detections of one category (`class_id`, the
    one the parsers crop). The network runs on every `detect_every`-th frame; in between the
    boxes follow the image by optical flow (facevid.boxes.tracking). A detector frame without any
    detection reuses the last ones, for up to max_missing detector frames. Make a new one per
    video."""

    def __init__(self, detector: Detector, class_id: int):
        self.detector, self.class_id = detector, class_id
        self.carrier = BoxCarrier(detector.point.max_missing)
        self.tracker = FlowTracker()
        self.frame_index = 0

    def __call__(self, frame: np.ndarray) -> Detections:
        every = self.detector.point.detect_every
        run = self.frame_index % every == 0
        self.frame_index += 1
        if not run:
            return self.tracker(frame)
        dets = self.detector(frame)
        dets = self.carrier(dets.select(dets.class_ids == self.class_id))
        # The tracker needs each frame only when some frames skip the detector.
        return self.tracker(frame, dets) if every > 1 else dets
