"""Parsing frames with one stage-2 model, dygraph or exported (Paddle Inference).

The parser owns its crop contract: it turns a detector's `Detections` into crops with the
margin and square rule its model was trained with (`data.crop`, `data.crop_margin`), parses
them at its input size, and pastes the soft logits back into the frame. The detector hands over
detections only.

A `Forward` maps a normalised batch N x 3 x h x w to logits N x C x h x w (numpy in, numpy
out), so the same code runs either backend. Logits stay soft until the frame is assembled.
"""
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from facevid.config.sections import SegConfig
from facevid.boxes.crops import (CropInfo, background_hwc, crop, frame_background_logits, paste_logits,
                                 union_box)
from facevid.boxes.detections import Detections
from facevid.config.load import load_config
from facevid.data.schema import ClassSchema
from facevid.errors import ConfigError
from postprocess.ensemble import softmax
from stage2_seg.crop_rule import Box, CropRule
from stage2_seg.preprocess import normalize
from stage2_seg.exported import exported_forward, read_export_record
from stage2_seg.forward import Forward, dygraph_forward

class Parser:
    """One stage-2 model: crops at its input size, optional mirror-aware flip TTA."""

    def __init__(self, forward: Forward, schema: ClassSchema, size: Tuple[int, int],
                 crop_rule: CropRule, flip_tta: bool = False, batch_size: int = 8,
                 name: str = "parser", in_channels: int = 3):
        self.forward, self.schema, self.size = forward, schema, tuple(size)
        self.crop_rule, self.batch_size, self.name = crop_rule, batch_size, name
        # 4: the model also reads the previous frame's foreground (stage2_seg.temporal).
        self.in_channels = in_channels
        self.num_classes = schema.num_classes
        self.mirror_lut: Optional[np.ndarray] = schema.mirror_lut() if flip_tta else None

    @classmethod
    def from_config(cls, cfg: SegConfig, forward: Forward, name: str = "parser",
                    size: Optional[Tuple[int, int]] = None) -> "Parser":
        return cls(forward, cfg.class_schema, tuple(size or cfg.eval.size),
                   CropRule.from_config(cfg), cfg.eval.flip_tta, name=name,
                   in_channels=cfg.in_channels)

    @classmethod
    def from_files(cls, config: Path, weights: Optional[Path] = None,
                   export_dir: Optional[Path] = None, threads: int = 2, name: Optional[str] = None,
                   opts: Sequence[str] = ()) -> "Parser":
        """A parser from a stage-2 config and its weights, or from an export of it (run through
        Paddle Inference; its recorded input size is used)."""
        cfg = load_config(Path(config), opts)
        if cfg.stage != "seg":
            raise ConfigError(f"{config} is a '{cfg.stage}' config; a parser needs a stage-2 "
                              "(stage: seg) config")
        return cls.from_loaded(cfg, weights, export_dir, threads, name)

    @classmethod
    def from_loaded(cls, cfg: SegConfig, weights: Optional[Path] = None,
                    export_dir: Optional[Path] = None, threads: int = 2,
                    name: Optional[str] = None) -> "Parser":
        """from_files for a config already loaded."""
        name = name or Path(cfg.path).stem
        if export_dir is not None:
            record = read_export_record(export_dir, cfg)
            return cls.from_config(cfg, exported_forward(export_dir, threads), name,
                                   size=tuple(record["input_size"]))
        if weights is None:
            raise ConfigError(f"parser {name}: give weights or an export_dir")
        # PaddleSeg (model building) only for dygraph: a pipeline running exports starts
        # without importing it (seconds of start-up on 2 cores).
        from stage2_seg.components import build_trained_model
        return cls.from_config(cfg, dygraph_forward(build_trained_model(cfg, weights)), name)

    def parse_crops(self, crops: List[np.ndarray]) -> List[np.ndarray]:
        """RGB uint8 crops (h x w x 3, or x 4 with the previous mask; all the same size) ->
        logits C x h x w each (and the learned alpha after them, for a model with one).

        With flip TTA the mirrored crop is parsed too and its logits are flipped back with
        left/right channels swapped before averaging: channel c of the mirrored view scores
        the mirror class of c in the original view.
        """
        out = []
        for i in range(0, len(crops), self.batch_size):
            batch = np.stack([normalize(c) for c in crops[i:i + self.batch_size]])
            logits = self.forward(batch)
            if self.mirror_lut is not None:
                mirrored = self.forward(np.ascontiguousarray(batch[..., ::-1]))[..., ::-1]
                logits = (logits + mirrored[:, self.mirror_lut[: logits.shape[1]]]) / 2
            out.extend(logits)
        return out

    def crop_boxes(self, dets: Detections, frame_size: Tuple[int, int],
                   whole_frame_fallback: bool = True) -> List[Box]:
        return self.crop_rule.boxes(dets, frame_size, whole_frame_fallback)

    def _union_outputs(self, image: np.ndarray, boxes: Sequence[Box], mode: str,
                       with_alpha: bool = False) -> Tuple[np.ndarray, Optional[np.ndarray], Box]:
        """Logits C x h x w over the union of the crops at `boxes` (pixels no crop covers get
        the confident background), the learned alpha h x w there (0 where no crop covers; None
        for a model without one), and that union's box in the frame."""
        x0, y0, x1, y1 = union_box(boxes)
        pairs = [crop(image, box, self.size) for box in boxes]
        outputs = self.parse_crops([p[0] for p in pairs])
        local = [CropInfo((bx0 - x0, by0 - y0, bx1 - x0, by1 - y0), (x1 - x0, y1 - y0), info.out_size)
                 for (bx0, by0, bx1, by1), info in ((p[1].box, p[1]) for p in pairs)]
        k = self.num_classes
        logits = paste_logits([o[:k] for o in outputs], local, mode=mode)
        alpha = None
        if with_alpha and outputs[0].shape[0] > k:   # the learned alpha, after the logits (Forward)
            alpha = paste_logits([o[k:] for o in outputs], local, mode="bilinear",
                                 uncovered_value=np.zeros(1, np.float32))[0]
        return logits, alpha, (x0, y0, x1, y1)

    def frame_logits(self, image: np.ndarray, boxes: Sequence[Box],
                     mode: str = "bilinear") -> np.ndarray:
        """C x H x W logits of a frame from crops at `boxes` (no boxes: all background)."""
        h, w = image.shape[:2]
        out = frame_background_logits(self.num_classes, (w, h))
        if boxes:
            region, _, (x0, y0, x1, y1) = self._union_outputs(image, boxes, mode)
            out[:, y0:y1, x0:x1] = region
        return out

    def frame_probs(self, image: np.ndarray, boxes: Sequence[Box], mode: str = "bilinear") -> np.ndarray:
        """C x H x W probabilities of a frame: softmax(frame_logits)."""
        return self.frame_outputs(image, boxes, mode)[0]

    def frame_outputs(self, image: np.ndarray, boxes: Sequence[Box], mode: str = "bilinear",
                      with_alpha: bool = False) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """C x H x W probabilities of a frame, softmax(frame_logits), computed only over the
        crops' union (outside it every pixel has the same confident-background probabilities),
        which saves most of the work at video resolutions; and `with_alpha`, the model's learned
        alpha H x W in [0, 1] (0 outside the crops), or None for a model without one or a frame
        without crops (where the probabilities say "nobody" anyway)."""
        h, w = image.shape[:2]
        region, alpha_region, (x0, y0, x1, y1) = (
            self._union_outputs(image, boxes, mode, with_alpha) if boxes else (None, None, (0, 0, 0, 0)))
        if (x0, y0, x1, y1) == (0, 0, w, h):    # the crops cover the frame: nothing to fill around
            return softmax(region), alpha_region
        out = np.empty((self.num_classes, h, w), np.float32)
        out[:] = softmax(background_hwc(self.num_classes))[:, None, None]
        alpha = None
        if region is not None:
            out[:, y0:y1, x0:x1] = softmax(region)
        if alpha_region is not None:
            alpha = np.zeros((h, w), np.float32)
            alpha[y0:y1, x0:x1] = alpha_region
        return out, alpha
