"""The whole pipeline for one frame: detect, crop, parse, paste logits back, ensemble, argmax,
GrabCut. The Python API for other programs:

    pipe = Pipeline.from_config("configs/pipeline_faces.yml")
    pipe.new_video()                 # before each video: resets the carried-over boxes
    result = pipe(frame_rgb)         # FrameResult: labels, probs, per-model probs, detections

Paddle and the stage packages are imported when a pipeline is built, not when this module is.
"""
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from facevid.config.load import load_config
from facevid.config.pipelines import (ALPHA_SOURCES, NO_DETECTION, GrabCutSettings, GuidedFilterSettings,
                                      ModelEntry, PipelineConfig)
from facevid.config.sections import ModelConfig
from facevid.boxes.crops import region_boxes, union_box
from facevid.boxes.detections import (Detections, DetectorProtocol, ParserProtocol, forget_partial_mask,
                                      grow_to_regions)
from facevid.errors import ConfigError
from facevid.io.frames import as_rgb_frame
from facevid.data.schema import ClassSchema
from postprocess.ensemble import channel_argmax, hard_vote, soft_vote
from postprocess.grabcut import refine_labels
from postprocess.guided_filter import refine_probs

STAGES = ("detect", "parse", "postprocess")
MIN_REGION_PIXELS = 50    # smaller regions of a frame's mask do not grow the next frame's boxes
Box = Tuple[int, int, int, int]


@dataclass
class FrameResult:
    labels: np.ndarray                 # H x W uint8 class ids (after ensembling and GrabCut)
    probs: np.ndarray                  # C x H x W float32, mean over the models
    model_probs: Dict[str, np.ndarray]  # C x H x W float32 of each model, by parser name
    voted: np.ndarray                  # H x W uint8: the ensemble's labels before GrabCut
    detections: Detections             # what stage 1 found (after merging / carrying over)
    crops: List[Box]                   # the crop boxes of the first parser
    seconds: Dict[str, float] = field(default_factory=dict)   # per stage
    # H x W float32 in [0, 1]: with `alpha: learned`, the learned soft alpha of the parsers that
    # have one (their mean; stage2_seg.models.mobile_seg.AlphaHead); None otherwise
    alpha: Optional[np.ndarray] = None


def _export_dir(entry: ModelEntry, cfg: ModelConfig, inference: bool) -> Optional[Path]:
    """The export a model entry runs from: the one it names, or with `engine: inference` its
    weights exported once into the cache (pipeline/engine.py); None runs the weights in dygraph."""
    if entry.export_dir or not (inference and entry.weights):
        return entry.export_dir
    from pipeline.engine import export_of
    return export_of(cfg, Path(entry.weights))


def _load(entry: ModelEntry, stages: Tuple[str, ...]) -> ModelConfig:
    """A model entry's config, loaded once for everything built from it; from its resolved
    path, so relative and absolute names of one file are one config (and one cache entry)."""
    return load_config(Path(entry.config).resolve(), entry.opts, stages=stages)


class Pipeline:
    def __init__(self, parsers: Sequence[ParserProtocol], detector: Optional[DetectorProtocol] = None,
                 ensemble: str = "hard", resize: str = "bilinear",
                 grabcut: GrabCutSettings = GrabCutSettings(), smoothing: float = 0.0,
                 no_detection: str = "background", alpha: str = "probability",
                 grow_to_previous_mask: bool = False,
                 guided_filter: GuidedFilterSettings = GuidedFilterSettings(),
                 detect_every_by_mask: int = 1, forget_partial_mask: bool = False):
        self.parsers, self.detector = list(parsers), detector
        if (grow_to_previous_mask or detect_every_by_mask > 1) and detector is None:
            raise ConfigError("grow_to_previous_mask and between_detections: previous_mask work on "
                              "the detector's boxes; this pipeline has no detector (remove the key "
                              "or add a detector)")
        self.grow_to_previous_mask, self.forget_partial_mask = grow_to_previous_mask, forget_partial_mask
        # Video: the detector runs on every k-th frame; in between, the boxes are the regions of
        # the previous frame's mask (between_detections: previous_mask).
        self.detect_every_by_mask = detect_every_by_mask
        if no_detection not in NO_DETECTION:
            raise ConfigError(f"no_detection must be one of {NO_DETECTION}, got {no_detection!r}")
        if alpha not in ALPHA_SOURCES:
            raise ConfigError(f"alpha must be one of {ALPHA_SOURCES}, got {alpha!r}")
        self.learned_alpha = alpha == "learned"   # FrameResult.alpha; else outputs ramp the probability
        # Without a detector every frame is one crop; with one, a frame where it finds nothing
        # is background unless the whole-frame fallback is asked for.
        self.whole_frame_fallback = detector is None or no_detection == "whole_frame"
        self.ensemble, self.resize, self.grabcut = ensemble, resize, grabcut
        self.guided = guided_filter
        # Video: this share of the previous frame's probabilities is blended into each frame's
        # (an exponential moving average; 0 = none), against flicker.
        self.smoothing = smoothing
        if len({p.schema.class_names for p in self.parsers}) != 1:
            raise ConfigError("the parsers use different class schemas; an ensemble needs one")
        if len({p.name for p in self.parsers}) != len(self.parsers):
            raise ConfigError("two parsers have the same name; give each a `name:`")
        self.schema: ClassSchema = self.parsers[0].schema
        self.crop_class = self._crop_class()
        self.video_detector = None
        self._lock = threading.Lock()
        self._frame_size: Optional[Tuple[int, int]] = None
        self._prev_fg: Optional[np.ndarray] = None      # for parsers that read the last mask
        self.new_video()

    def _crop_class(self) -> Optional[int]:
        from stage2_seg.crop_rule import CROP_CLASS
        classes = {CROP_CLASS[p.crop_rule.mode] for p in self.parsers} - {None}
        if len(classes) > 1:
            raise ConfigError("the parsers crop different things (faces and persons); "
                              "one pipeline ensembles parsers of one crop mode")
        if self.detector is not None and not classes:
            raise ConfigError("the pipeline has a detector but every parser parses whole frames "
                              "(data.crop: frame); remove the detector or use crop-trained parsers")
        if self.detector is not None and not set(classes) <= set(self.detector.categories.tolist()):
            raise ConfigError("the parsers crop a category the detector was not trained on "
                              "(a face parser needs a face detector, a person parser a person one)")
        return classes.pop() if classes else None

    @classmethod
    def from_config(cls, path: Path, opts: Sequence[str] = ()) -> "Pipeline":
        """A pipeline from its YAML (stage: pipeline) and `key=value` overrides."""
        return cls.from_loaded(load_config(path, opts, stages=("pipeline",)))

    @classmethod
    def from_loaded(cls, cfg: PipelineConfig) -> "Pipeline":
        """A pipeline from a loaded pipeline config (tools read its other sections too)."""
        from stage2_seg.parser import Parser       # paddle only once the config is valid
        inference = cfg.engine == "inference"
        parsers, names = [], set()
        for i, entry in enumerate(cfg.parsers):
            name = entry.name or Path(entry.config).stem
            name = name if name not in names else f"{name}#{i + 1}"
            names.add(name)
            model_cfg = _load(entry, ("seg",))
            parsers.append(Parser.from_loaded(model_cfg, entry.weights,
                                              _export_dir(entry, model_cfg, inference),
                                              threads=cfg.threads, name=name))
        detector = None
        if cfg.detector is not None:
            det = cfg.detector
            det_cfg = _load(det, ("det", "seg"))
            # A stage-2 config as the detector: boxes around its whole-frame mask.
            if det_cfg.stage == "seg":
                from pipeline.mask_detector import MaskDetector as kind
            else:
                from stage1_detect.detector import Detector as kind
            detector = kind.from_loaded(det_cfg, det.weights, _export_dir(det, det_cfg, inference),
                                        threads=cfg.threads)
            if cfg.detect_every is not None and cfg.between_detections == "flow":
                detector.point = replace(detector.point, detect_every=cfg.detect_every)
        by_mask = cfg.detect_every if cfg.between_detections == "previous_mask" else None
        return cls(parsers, detector, cfg.ensemble, cfg.resize, cfg.grabcut,
                   cfg.smoothing, cfg.no_detection, cfg.alpha, cfg.grow_to_previous_mask,
                   guided_filter=cfg.guided_filter, detect_every_by_mask=by_mask or 1,
                   forget_partial_mask=cfg.forget_partial_mask)

    def new_video(self) -> None:
        """Forget the boxes and the mask carried over from the previous frames."""
        self._frame_size = None
        self._prev_fg = None
        self._prev_regions: Optional[np.ndarray] = None   # boxes of the last frame's mask regions
        self._frame_index = 0
        self._prev_probs: Optional[np.ndarray] = None
        if self.detector is not None:
            from stage1_detect.detector import VideoDetector
            self.video_detector = VideoDetector(self.detector, self.crop_class)

    def __call__(self, frame: np.ndarray) -> FrameResult:
        """frame: RGB uint8 H x W x 3 (grey and RGBA are converted, anything else refused).

        Thread-safe: calls from several threads take turns (a pipeline carries one video's
        state, and Paddle Inference predictors crash when run from two threads at once). For
        frames in parallel, build one Pipeline per thread."""
        with self._lock:
            return self._call(frame)

    def _call(self, frame: np.ndarray) -> FrameResult:
        frame = as_rgb_frame(frame)
        size = (frame.shape[1], frame.shape[0])
        if self._frame_size is not None and size != self._frame_size:
            self.new_video()    # boxes from a frame of another size would crop the wrong place
        self._frame_size = size
        tic = time.perf_counter()
        dets = self._detections(frame)
        return self.parse(frame, dets, {"detect": time.perf_counter() - tic})

    def _detections(self, frame: np.ndarray) -> Detections:
        """This frame's boxes: the detector's (grown to the previous mask's regions with
        grow_to_previous_mask), or between detector frames those regions themselves."""
        index, self._frame_index = self._frame_index, self._frame_index + 1
        regions = self._prev_regions
        if index % self.detect_every_by_mask and regions is not None and len(regions):
            return Detections(regions.copy(), np.ones(len(regions), np.float32),
                              np.full(len(regions), self.crop_class, np.int64))
        if self.video_detector is None:
            return Detections.empty()
        dets = self.video_detector(frame)
        if self.forget_partial_mask and regions is not None and self._prev_fg is not None:
            self._prev_fg = forget_partial_mask(self._prev_fg, dets.boxes, regions)
        if self.grow_to_previous_mask and regions is not None:
            dets = grow_to_regions(dets, regions)
        return dets

    def _remember(self, mean: np.ndarray, labels: np.ndarray, window: Box) -> None:
        """What the next frame reads of this one: the foreground probability (parsers with a
        4th channel) and the boxes of the mask's regions (grow_to_previous_mask, boxes between
        detector frames with between_detections: previous_mask). `labels` is
        background outside `window` (the crops' union), so its regions are found inside it."""
        if any(p.in_channels == 4 for p in self.parsers):
            self._prev_fg = 1.0 - mean[0]
        if self.grow_to_previous_mask or self.detect_every_by_mask > 1:
            # at half resolution (a box a pixel off is covered by the crop's margin): a quarter
            # of the connected-components work, every frame
            x0, y0, x1, y1 = window
            half = (labels[y0:y1:2, x0:x1:2] > 0).astype(np.uint8)
            boxes = region_boxes(half, [1], MIN_REGION_PIXELS // 4) if half.size else []
            regions = np.array(boxes, np.float32)
            self._prev_regions = regions.reshape(-1, 4) * 2 + np.array([x0, y0, x0, y0], np.float32)

    def _guided(self, frame: np.ndarray, probs: np.ndarray, window: Box,
                crops: Dict[str, List[Box]]) -> np.ndarray:
        """A copy of probs with the window refined by the guided filter, its radius a fraction
        of the largest crop's side (the model's output cells grow with the crop)."""
        x0, y0, x1, y1 = window
        side = max(max(bx1 - bx0, by1 - by0) for boxes in crops.values() for bx0, by0, bx1, by1 in boxes)
        out = probs.copy()
        out[:, y0:y1, x0:x1] = refine_probs(frame[y0:y1, x0:x1], probs[:, y0:y1, x0:x1],
                                            max(1, round(self.guided.radius * side)),
                                            self.guided.eps, self.guided.subsample)
        return out

    def _input_for(self, parser: Any, frame: np.ndarray) -> np.ndarray:
        """The frame, with the previous frame's foreground probability as a 4th channel for a
        parser that reads it (zeros at a video's start)."""
        if parser.in_channels != 4:
            return frame
        from stage2_seg.temporal import with_prev_channel
        prev = self._prev_fg if self._prev_fg is not None else np.zeros(frame.shape[:2], np.float32)
        return with_prev_channel(frame, prev)

    def parse(self, frame: np.ndarray, dets: Detections,
              seconds: Optional[Dict[str, float]] = None) -> FrameResult:
        """Everything after detection, for a frame and its detections."""
        seconds = dict(seconds or {})
        size = (frame.shape[1], frame.shape[0])
        tic = time.perf_counter()
        crops = {p.name: p.crop_boxes(dets, size, self.whole_frame_fallback) for p in self.parsers}
        outputs = {p.name: p.frame_outputs(self._input_for(p, frame), crops[p.name], self.resize,
                                           with_alpha=self.learned_alpha)
                   for p in self.parsers}
        probs = {name: out[0] for name, out in outputs.items()}
        alphas = [out[1] for out in outputs.values() if out[1] is not None]
        seconds["parse"] = time.perf_counter() - tic

        tic = time.perf_counter()
        stacked = list(probs.values())
        mean = soft_vote(stacked) if len(stacked) > 1 else stacked[0]
        if self.smoothing > 0 and self._prev_probs is not None and self._prev_probs.shape == mean.shape:
            mean = (1 - self.smoothing) * mean + self.smoothing * self._prev_probs
            stacked = [mean]                 # the vote is over the smoothed probabilities
        self._prev_probs = mean
        # Outside every crop each model says "background" with the same confidence: decide
        # only inside the crops' union (the whole frame when smoothing carries other frames in).
        x0, y0, x1, y1 = ((0, 0, size[0], size[1]) if self.smoothing > 0
                          else union_box([box for boxes in crops.values() for box in boxes]))
        if self.guided.enabled and any(crops.values()) and x1 > x0 and y1 > y0:
            stacked = [self._guided(frame, p, (x0, y0, x1, y1), crops) for p in stacked]
            mean = stacked[0] if len(stacked) == 1 else soft_vote(stacked)
        voted = np.zeros((size[1], size[0]), np.uint8)
        window = (slice(None), slice(y0, y1), slice(x0, x1))
        if len(stacked) > 1 and self.ensemble == "hard":
            voted[y0:y1, x0:x1] = hard_vote([channel_argmax(p[window]) for p in stacked],
                                            self.schema.num_classes, [p[window].max(0) for p in stacked])
        else:
            voted[y0:y1, x0:x1] = channel_argmax(mean[window])
        labels = voted
        if self.grabcut.enabled:
            labels = refine_labels(frame, voted, mean, self.grabcut.band, self.grabcut.confident,
                                   self.grabcut.iterations)
        seconds["postprocess"] = time.perf_counter() - tic
        self._remember(mean, labels, (x0, y0, x1, y1))
        return FrameResult(labels, mean.astype(np.float32, copy=False), probs, voted, dets,
                           crops[self.parsers[0].name], seconds,
                           alpha=sum(alphas) / len(alphas) if alphas else None)
