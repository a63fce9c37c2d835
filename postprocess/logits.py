"""Logits to labels. Resizing soft logits bilinearly before the argmax keeps thin parts and
smooth edges; PaddleSeg's deploy path takes the argmax at network resolution and then upsamples
the hard labels with nearest neighbour (jagged edges). Both are here so the gap can be measured."""
from typing import Tuple

import cv2
import numpy as np

from facevid.crops import resize_chw


def labels_from_logits(logits: np.ndarray, size: Tuple[int, int], mode: str = "bilinear") -> np.ndarray:
    """C x h x w logits -> uint8 labels H x W at size (W, H).

    mode "bilinear": resize logits, then argmax. mode "nearest": argmax, then nearest resize.
    """
    if mode == "bilinear":
        if logits.shape[1:] != (size[1], size[0]):
            logits = resize_chw(logits, size)
        return np.argmax(logits, axis=0).astype(np.uint8)
    if mode == "nearest":
        hard = np.argmax(logits, axis=0).astype(np.uint8)
        return cv2.resize(hard, tuple(size), interpolation=cv2.INTER_NEAREST)
    raise ValueError(f"mode must be 'bilinear' or 'nearest', got {mode!r}")
