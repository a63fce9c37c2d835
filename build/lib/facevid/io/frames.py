"""What a frame must be before any model sees it: RGB uint8, H x W x 3, of a size we can hold.

The Python API takes whatever a caller has (OpenCV, PIL, imageio arrays); what converts
without guessing is converted (grey, grey with a channel axis, RGBA), everything else is
refused with a message that says what was given and what is expected.
"""
from typing import Any

import numpy as np

from facevid.errors import UserError

# Frames above this many pixels are refused: 8K UHD (7680 x 4320) is about 33 MP; a 10000 x
# 8000 still would need several GB for 19-class float logits at frame resolution.
MAX_PIXELS = 40_000_000
MIN_SIDE = 8


def as_rgb_frame(frame: Any) -> np.ndarray:
    """RGB uint8 H x W x 3 from H x W x 3, H x W (grey), H x W x 1 or H x W x 4 (RGBA, alpha
    dropped) uint8 arrays. Anything else is a UserError naming the problem."""
    if frame is None:
        raise UserError("the frame is None (a video that ended, or an image that did not load)")
    if not isinstance(frame, np.ndarray):
        raise UserError(f"a frame must be a numpy array (RGB uint8 H x W x 3), got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise UserError(f"a frame must be uint8 RGB (values 0-255), got dtype {frame.dtype}; "
                        "convert it first, e.g. np.clip(x * 255, 0, 255).astype(np.uint8) for "
                        "floats in [0, 1]")
    if frame.ndim == 3 and frame.shape[0] in (1, 3, 4) and frame.shape[2] not in (1, 3, 4):
        raise UserError(f"the frame looks channels-first ({frame.shape}); pass H x W x 3, "
                        "e.g. frame.transpose(1, 2, 0)")
    if frame.ndim == 2:
        frame = np.repeat(frame[..., None], 3, axis=2)
    elif frame.ndim == 3 and frame.shape[2] == 1:
        frame = np.repeat(frame, 3, axis=2)
    elif frame.ndim == 3 and frame.shape[2] == 4:
        frame = frame[..., :3]
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise UserError(f"a frame must be H x W x 3 (RGB), H x W (grey) or H x W x 4 (RGBA); "
                        f"got shape {frame.shape}")
    h, w = frame.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise UserError(f"the frame is {w}x{h} pixels; at least {MIN_SIDE}x{MIN_SIDE} is needed")
    if h * w > MAX_PIXELS:
        raise UserError(f"the frame is {w}x{h} ({h * w / 1e6:.0f} MP), above the limit of "
                        f"{MAX_PIXELS / 1e6:.0f} MP; downscale it first")
    return np.ascontiguousarray(frame)
