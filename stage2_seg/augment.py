"""Training augmentations of the recipe, as plain numpy/OpenCV functions on one sample.

Images are RGB uint8 H x W x 3, labels uint8 H x W of class ids (with an ignore index).
"""
from typing import Tuple

import cv2
import numpy as np

Box = Tuple[int, int, int, int]
SIDES = ("left", "right", "top", "bottom")


def mirror(image: np.ndarray, label: np.ndarray, mirror_lut: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Horizontal flip that swaps left/right classes, so the labels stay true after the flip
    (PaddleSeg's RandomHorizontalFlip flips the pixels but keeps a left eye a left eye)."""
    return image[:, ::-1].copy(), mirror_lut[label[:, ::-1]]


def partial_box(box: Box, side: str, fraction: float) -> Box:
    """Keep `fraction` of a box from one side ("left" keeps its left part): a face that the
    frame border cuts, as stage 1 hands it over (crops are clipped to the frame)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    keep_w, keep_h = max(1, round(w * fraction)), max(1, round(h * fraction))
    if side == "left":
        return x0, y0, x0 + keep_w, y1
    if side == "right":
        return x1 - keep_w, y0, x1, y1
    if side == "top":
        return x0, y0, x1, y0 + keep_h
    if side == "bottom":
        return x0, y1 - keep_h, x1, y1
    raise ValueError(f"side must be one of {SIDES}, got {side!r}")


def rotate(image: np.ndarray, label: np.ndarray, degrees: float,
           ignore_index: int) -> Tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre; pixels rotated in from outside are black and ignored."""
    h, w = label.shape
    matrix = cv2.getRotationMatrix2D((w / 2 - 0.5, h / 2 - 0.5), degrees, 1.0)
    image = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    label = cv2.warpAffine(label, matrix, (w, h), flags=cv2.INTER_NEAREST,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=ignore_index)
    return image, label


def color_jitter(image: np.ndarray, brightness: float, contrast: float, saturation: float) -> np.ndarray:
    """Scale brightness, contrast (towards the mean grey) and saturation (towards the grey
    image) by the given factors (1 = unchanged)."""
    out = image.astype(np.float32) * brightness
    grey = out @ np.float32([0.299, 0.587, 0.114])
    out = grey.mean() + (out - grey.mean()) * contrast
    grey = out @ np.float32([0.299, 0.587, 0.114])
    out = grey[..., None] + (out - grey[..., None]) * saturation
    return np.clip(out, 0, 255).astype(np.uint8)


def low_resolution(image: np.ndarray, factor: float) -> np.ndarray:
    """The image as a camera with `factor` times the pixels per side would have given it:
    shrunk (area average) and enlarged back bilinearly; same size, detail lost."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def area_resize(image: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """cv2.resize with INTER_AREA (the shrink without aliasing), for any number of planes:
    OpenCV's takes at most 4, and an image can carry a previous mask and alpha targets too."""
    if image.ndim == 2 or image.shape[2] <= 4:
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.dstack([cv2.resize(image[..., i:i + 4], size, interpolation=cv2.INTER_AREA)
                      for i in range(0, image.shape[2], 4)])


def paste_onto(image: np.ndarray, label: np.ndarray, background: np.ndarray, scale: float,
               offset: Tuple[float, float], ignore_index: int,
               feather: float = 1.5) -> Tuple[np.ndarray, np.ndarray]:
    """Paste the labelled foreground (label not 0 nor ignore) of a frame onto another scene.

    The frame and its label are scaled by `scale` (<= 1) and placed at `offset` (fractions of
    the free room, 0..1) on the background, which is resized to the frame's size. The mask's
    edge is feathered (Gaussian sigma `feather` px) so no hard cut-out edge is learned; labels
    stay hard. Planes stacked after RGB (a learned alpha's targets) are pasted alike; the
    background must have as many. Returns the composite (H x W x C) and its label (H x W,
    background 0 elsewhere).
    """
    h, w = label.shape
    bg = area_resize(background, (w, h))
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    small = area_resize(image, (sw, sh))
    small_label = cv2.resize(label, (sw, sh), interpolation=cv2.INTER_NEAREST)
    x0, y0 = round((w - sw) * offset[0]), round((h - sh) * offset[1])
    fg = ((small_label != 0) & (small_label != ignore_index)).astype(np.float32)
    alpha = cv2.GaussianBlur(fg, (0, 0), feather) if feather > 0 else fg
    alpha = np.maximum(alpha, fg)[..., None]     # feathered outwards, solid inside
    out, out_label = bg.copy(), np.zeros_like(label)
    region = out[y0:y0 + sh, x0:x0 + sw].astype(np.float32)
    out[y0:y0 + sh, x0:x0 + sw] = (alpha * small + (1 - alpha) * region).round().astype(np.uint8)
    out_label[y0:y0 + sh, x0:x0 + sw] = np.where(small_label == ignore_index, 0, small_label)
    return out, out_label
