"""Parsing crops of frames with one stage-2 model, dygraph or exported (Paddle Inference).

A `Forward` maps a normalised batch N x 3 x h x w to logits N x C x h x w (numpy in, numpy
out), so the same code runs either backend. Logits stay soft until the frame is assembled.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import paddle
import paddle.nn.functional as F

from facevid.crops import crop, frame_background_logits, paste_logits
from stage2_seg.data import normalize

Forward = Callable[[np.ndarray], np.ndarray]
Box = Tuple[int, int, int, int]


def dygraph_forward(model: paddle.nn.Layer) -> Forward:
    """A Forward running a dygraph model in eval mode (the caller sets model.eval())."""
    @paddle.no_grad()
    def run(batch: np.ndarray) -> np.ndarray:
        x = paddle.to_tensor(batch)
        logits = model(x)[0]
        if logits.shape[2:] != x.shape[2:]:
            logits = F.interpolate(logits, x.shape[2:], mode="bilinear")
        return logits.numpy()
    return run


class Parser:
    """One stage-2 model: crops at its eval size, optional mirror-aware flip TTA."""

    def __init__(self, cfg: Dict[str, Any], forward: Forward, batch_size: int = 8):
        self.cfg, self.forward, self.batch_size = cfg, forward, batch_size
        self.size = tuple(cfg["eval"]["size"])
        self.num_classes = cfg["_schema"].num_classes
        self.mirror_lut: Optional[np.ndarray] = (cfg["_schema"].mirror_lut()
                                                 if cfg["eval"]["flip_tta"] else None)

    def parse_crops(self, crops: List[np.ndarray]) -> List[np.ndarray]:
        """RGB uint8 crops (h x w x 3, all the same size) -> logits C x h x w each.

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

    def frame_logits(self, image: np.ndarray, boxes: Sequence[Box],
                     mode: str = "bilinear") -> np.ndarray:
        """C x H x W logits of a frame from crops at `boxes` (no boxes: all background)."""
        h, w = image.shape[:2]
        if not boxes:
            return frame_background_logits(self.num_classes, (w, h))
        pairs = [crop(image, box, self.size) for box in boxes]
        logits = self.parse_crops([p[0] for p in pairs])
        return paste_logits(logits, [p[1] for p in pairs], mode=mode)
