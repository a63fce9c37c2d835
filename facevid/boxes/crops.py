"""Face boxes derived from label maps, and crops that can be pasted back exactly.

A crop is recorded as a `CropInfo` (integer box in frame pixels, clipped to the frame, and the
size the crop was resized to) so its logits can be resized back and placed where they came from.
Several crops in one frame are merged in logit space (mean where they overlap).
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

Box = Tuple[float, float, float, float]        # x0, y0, x1, y1 (x1, y1 exclusive)
# Logit given to the background class where no crop covers the frame: softmax ~ 1 for it.
UNCOVERED_BACKGROUND_LOGIT = 20.0


@dataclass(frozen=True)
class CropInfo:
    box: Tuple[int, int, int, int]   # x0, y0, x1, y1 in frame pixels, inside the frame
    frame_size: Tuple[int, int]      # W, H of the frame
    out_size: Tuple[int, int]        # w, h the crop was resized to


def region_boxes(label: np.ndarray, class_ids: Sequence[int], min_pixels: int = 16) -> List[Box]:
    """One box per connected region of the union of `class_ids` (a face's parts, a person),
    largest first.

    label: H x W class ids. Returns boxes x0, y0, x1, y1 with x1, y1 exclusive.
    """
    mask = np.isin(label, list(class_ids)).astype(np.uint8)
    # Close small gaps (a brow separated from the skin by a pixel) so a face stays one region.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = [(float(x), float(y), float(x + w), float(y + h), area)
             for x, y, w, h, area in stats[1:n] if area >= min_pixels]
    boxes.sort(key=lambda b: -b[4])
    return [b[:4] for b in boxes]


def expand_box(box: Box, margin: float, frame_size: Tuple[int, int], square: bool = True,
               scale: float = 1.0, shift: Tuple[float, float] = (0.0, 0.0)) -> Tuple[int, int, int, int]:
    """Grow a box by `margin` of its size on each side (optionally square, rescaled and
    shifted by a fraction of its size), then round and clip it to the frame."""
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) * (1 + 2 * margin) * scale, (y1 - y0) * (1 + 2 * margin) * scale
    if square:
        w = h = max(w, h)
    cx = (x0 + x1) / 2 + shift[0] * w
    cy = (y0 + y1) / 2 + shift[1] * h
    fw, fh = frame_size
    bx0 = int(np.clip(np.floor(cx - w / 2), 0, fw - 1))
    by0 = int(np.clip(np.floor(cy - h / 2), 0, fh - 1))
    bx1 = int(np.clip(np.ceil(cx + w / 2), bx0 + 1, fw))
    by1 = int(np.clip(np.ceil(cy + h / 2), by0 + 1, fh))
    return bx0, by0, bx1, by1


def crop(image: np.ndarray, box: Tuple[int, int, int, int], out_size: Tuple[int, int],
         is_label: bool = False) -> Tuple[np.ndarray, CropInfo]:
    """Cut `box` out of an image (H x W [x 3]) and resize it to out_size (w, h).

    Labels are resized with nearest neighbour, images bilinearly.
    """
    x0, y0, x1, y1 = box
    patch = image[y0:y1, x0:x1]
    interp = cv2.INTER_NEAREST if is_label else cv2.INTER_LINEAR
    out = cv2.resize(patch, tuple(out_size), interpolation=interp)
    return out, CropInfo(box=tuple(box), frame_size=(image.shape[1], image.shape[0]),
                         out_size=tuple(out_size))


def union_box(boxes: Sequence[Tuple[int, int, int, int]]) -> Tuple[int, int, int, int]:
    """The bounding box of integer boxes (x0, y0, x1, y1); (0, 0, 0, 0) when there is none."""
    if not boxes:
        return 0, 0, 0, 0
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def boxes_mask(boxes: Sequence[Tuple[int, int, int, int]], shape: Tuple[int, int]) -> np.ndarray:
    """H x W bool: the pixels inside any of the integer boxes (x0, y0, x1, y1)."""
    mask = np.zeros(shape, bool)
    for x0, y0, x1, y1 in boxes:
        mask[y0:y1, x0:x1] = True
    return mask


def paste_logits(crop_logits: Sequence[np.ndarray], infos: Sequence[CropInfo],
                 background_id: int = 0, mode: str = "bilinear",
                 uncovered_value: Optional[np.ndarray] = None) -> np.ndarray:
    """Merge crop logits (each C x h x w) into full-frame logits C x H x W.

    mode "bilinear": each crop's logits are resized bilinearly back to its box. mode "nearest"
    (PaddleSeg's deploy path, kept to measure the difference): the argmax is taken at crop
    resolution and the one-hot labels are resized with nearest neighbour. Overlapping crops are
    averaged; pixels no crop covers get a confident background (or `uncovered_value`, one value
    per channel: 0 for a learned alpha).
    """
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"mode must be 'bilinear' or 'nearest', got {mode!r}")
    if not infos:
        raise ValueError("paste_logits needs at least one crop (use frame_background_logits)")
    num_classes = crop_logits[0].shape[0]
    w, h = infos[0].frame_size
    # Channel-first throughout: at video sizes each transpose of a C x H x W map is a full copy.
    resized = [_resized_crop(logits, info.box, mode) for logits, info in zip(crop_logits, infos)]
    if len(infos) == 1 and infos[0].box == (0, 0, w, h):
        return resized[0]          # one crop over the whole frame (the whole-frame models)
    total = np.zeros((num_classes, h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    for part, (x0, y0, x1, y1) in zip(resized, (info.box for info in infos)):
        total[:, y0:y1, x0:x1] += part
        count[y0:y1, x0:x1] += 1
    if count.max() > 1:
        np.divide(total, np.maximum(count, 1), out=total)
    uncovered = count == 0
    if uncovered.any():
        fill = background_hwc(num_classes, background_id) if uncovered_value is None else uncovered_value
        total[:, uncovered] = np.asarray(fill, np.float32).reshape(-1, 1)
    return total


def _resized_crop(logits: np.ndarray, box: Tuple[int, int, int, int], mode: str) -> np.ndarray:
    """One crop's C x h x w logits resized back to its box, as paste_logits' mode says."""
    x0, y0, x1, y1 = box
    if mode == "bilinear":
        return resize_chw(logits, (x1 - x0, y1 - y0))
    hard = cv2.resize(np.argmax(logits, axis=0).astype(np.uint8), (x1 - x0, y1 - y0),
                      interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(
        (np.eye(logits.shape[0], dtype=np.float32)[hard] * UNCOVERED_BACKGROUND_LOGIT).transpose(2, 0, 1))


def background_hwc(num_classes: int, background_id: int = 0) -> np.ndarray:
    vec = np.zeros(num_classes, np.float32)
    vec[background_id] = UNCOVERED_BACKGROUND_LOGIT
    return vec


def frame_background_logits(num_classes: int, size: Tuple[int, int], background_id: int = 0) -> np.ndarray:
    """Logits C x H x W of a frame where nothing was found: confident background everywhere."""
    w, h = size
    return np.broadcast_to(background_hwc(num_classes, background_id)[:, None, None],
                           (num_classes, h, w)).copy()


def resize_chw(logits: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Bilinear resize of C x h x w float maps to C x H x W, size = (W, H).

    One OpenCV call per channel, each writing straight into the output: about 3x faster at
    19 x 854x480 than resizing the channel-last copy and transposing back."""
    w, h = size
    out = np.empty((logits.shape[0], h, w), np.float32)
    for c in range(logits.shape[0]):
        cv2.resize(np.ascontiguousarray(logits[c], np.float32), (w, h), dst=out[c],
                   interpolation=cv2.INTER_LINEAR)
    return out
