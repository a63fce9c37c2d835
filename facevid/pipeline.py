"""The whole pipeline for one frame: detect, crop, parse, paste logits back, ensemble, argmax,
GrabCut. The Python API for other programs:

    pipe = Pipeline.from_config("configs/pipeline_tiny.yml")
    pipe.new_video()                 # before each video: resets the carried-over boxes
    result = pipe(frame_rgb)         # FrameResult: labels, probs, detections, crops, timings

Paddle and the stage packages are imported when a pipeline is built, not when this module is.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from facevid.config import load_config
from facevid.detections import Detections
from facevid.errors import ConfigError
from facevid.schema import ClassSchema
from postprocess.ensemble import hard_vote, soft_vote, softmax
from postprocess.grabcut import refine_labels

STAGES = ("detect", "parse", "postprocess")


@dataclass
class FrameResult:
    labels: np.ndarray                 # H x W uint8 class ids
    probs: np.ndarray                  # C x H x W float32 (mean over the ensemble)
    detections: Detections             # what stage 1 found (after merging / carrying over)
    crops: List[tuple]                 # the crop boxes handed to stage 2
    seconds: Dict[str, float] = field(default_factory=dict)   # per stage


class Pipeline:
    def __init__(self, cfg: Dict[str, Any], parsers: Sequence[Any], detector: Optional[Any] = None):
        self.cfg, self.parsers, self.detector = cfg, list(parsers), detector
        schemas = {p.cfg["_schema"].class_names for p in self.parsers}
        if len(schemas) != 1:
            raise ConfigError("the parsers use different class schemas; an ensemble needs one")
        self.schema: ClassSchema = self.parsers[0].cfg["_schema"]
        self.video_detector = None
        self.new_video()

    @classmethod
    def from_config(cls, path: Path, opts: Sequence[str] = ()) -> "Pipeline":
        cfg = load_config(path, opts)
        import facevid.paddle_env  # noqa: F401  (before paddle)
        import paddle
        from facevid.checkpoint import load_weights
        from stage2_seg.components import build_model
        from stage2_seg.export import exported_forward, is_exported
        from stage2_seg.parser import Parser, dygraph_forward
        parsers = []
        for entry in cfg["parsers"]:
            seg_cfg = load_config(Path(entry["config"]))
            if seg_cfg["stage"] != "seg":
                raise ConfigError(f"parser config {entry['config']} is not a stage-2 config")
            if entry.get("export_dir") and is_exported(entry["export_dir"]):
                forward = exported_forward(entry["export_dir"], threads=cfg["threads"])
            else:
                with paddle.utils.unique_name.guard():
                    model = build_model(seg_cfg)
                load_weights(entry["weights"], model)
                model.eval()
                forward = dygraph_forward(model)
            parsers.append(Parser(seg_cfg, forward))
        detector = None
        if cfg["detector"] is not None:
            from stage1_detect.detector import Detector
            detector = Detector.from_files(cfg["detector"]["config"], cfg["detector"]["weights"])
            if detector.cfg["_schema"].class_names != parsers[0].cfg["_schema"].class_names:
                raise ConfigError("the detector's config uses another class schema than the parsers'")
        return cls(cfg, parsers, detector)

    def new_video(self) -> None:
        if self.detector is not None:
            from stage1_detect.detector import VideoDetector
            self.video_detector = VideoDetector(self.detector)

    def __call__(self, frame: np.ndarray) -> FrameResult:
        """frame: RGB uint8 H x W x 3."""
        h, w = frame.shape[:2]
        seconds = {}
        tic = time.perf_counter()
        if self.video_detector is not None:
            dets = self.video_detector(frame)
            boxes = self.detector.crop_boxes(dets, (w, h))
        else:
            dets, boxes = Detections.empty(), [(0, 0, w, h)]
        seconds["detect"] = time.perf_counter() - tic

        tic = time.perf_counter()
        probs = [softmax(p.frame_logits(frame, boxes, mode=self.cfg["resize"])) for p in self.parsers]
        seconds["parse"] = time.perf_counter() - tic

        tic = time.perf_counter()
        mean = soft_vote(probs) if len(probs) > 1 else probs[0]
        if len(probs) > 1 and self.cfg["ensemble"] == "hard":
            labels = hard_vote([p.argmax(0).astype(np.uint8) for p in probs], self.schema.num_classes,
                               [p.max(0) for p in probs])
        else:
            labels = mean.argmax(0).astype(np.uint8)
        gc = self.cfg["grabcut"]
        if gc["enabled"]:
            labels = refine_labels(frame, labels, mean, gc["band"], gc["confident"], gc["iterations"])
        seconds["postprocess"] = time.perf_counter() - tic
        return FrameResult(labels, mean.astype(np.float32), dets, boxes, seconds)
