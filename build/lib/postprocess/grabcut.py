"""GrabCut refinement of a parse, seeded by its own confidence (OpenCV's cv2.grabCut).

What it refines: the foreground/background boundary of the whole face or person (every
non-background class against the background), not each part. GrabCut fits one colour model to
foreground and one to background; the face/person outline is where those colours differ and
where a coarse network loses the most (hair strands, ears against clutter), while neighbouring
parts (skin, nose, lips) share colours and would be smeared by it. Pixels GrabCut moves into the
foreground take their most likely foreground class from the parse; pixels it moves out become
background.

It runs only on a band around the uncertain boundary: pixels far from the parse's foreground
edge and confidently classified keep their label and are passed to GrabCut as definite
foreground or background, and GrabCut sees only the bounding box of that band, so the cost
grows with the boundary, not the frame.
"""
from typing import Tuple

import cv2
import numpy as np

from postprocess.ensemble import channel_argmax


def refine_grabcut(image: np.ndarray, probs: np.ndarray, band: int = 6, confident: float = 0.9,
                   iterations: int = 2, background_id: int = 0) -> np.ndarray:
    """image: RGB uint8 H x W x 3; probs: C x H x W (softmax) -> refined labels H x W uint8."""
    labels = channel_argmax(probs)
    fg = labels != background_id
    if fg.all() or not fg.any():
        return labels                       # nothing to separate
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    edge = cv2.dilate(fg.astype(np.uint8), kernel) != cv2.erode(fg.astype(np.uint8), kernel)
    uncertain = edge | (probs.max(axis=0) < confident)
    if not uncertain.any():
        return labels
    y0, y1, x0, x1 = _bounds(uncertain, pad=band, shape=labels.shape)
    fg_prob = 1.0 - probs[background_id, y0:y1, x0:x1]
    region_fg, region_unc = fg[y0:y1, x0:x1], uncertain[y0:y1, x0:x1]
    mask = np.where(region_fg, cv2.GC_FGD, cv2.GC_BGD).astype(np.uint8)
    mask[region_unc] = np.where(fg_prob[region_unc] >= 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD)
    if not ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).any() or \
            not ((mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)).any():
        return labels                       # GrabCut needs both sides to fit its models
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]), cv2.COLOR_RGB2BGR)
    # GrabCut's colour models start from k-means with OpenCV's global RNG: seeding it makes the
    # same frame refine the same way every time within a process.
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    new_fg = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    fg_probs = probs[:, y0:y1, x0:x1].copy()
    fg_probs[background_id] = -1.0
    best_fg = channel_argmax(fg_probs)
    out = labels.copy()
    region = out[y0:y1, x0:x1]
    region[region_unc & new_fg & ~region_fg] = best_fg[region_unc & new_fg & ~region_fg]
    region[region_unc & ~new_fg & region_fg] = background_id
    return out


def refine_labels(image: np.ndarray, labels: np.ndarray, probs: np.ndarray, band: int = 6,
                  confident: float = 0.9, iterations: int = 2, background_id: int = 0) -> np.ndarray:
    """GrabCut decides foreground versus background; `labels` (say, an ensemble's vote) keep
    the part classes where they are foreground, and pixels GrabCut adds take the most likely
    foreground class of `probs`. labels H x W, probs C x H x W -> H x W uint8."""
    refined = refine_grabcut(image, probs, band, confident, iterations, background_id)
    keep = np.where(labels == background_id, refined, labels)
    return np.where(refined == background_id, background_id, keep).astype(np.uint8)


def _bounds(mask: np.ndarray, pad: int, shape: Tuple[int, int]):
    ys, xs = np.nonzero(mask)
    return (max(0, ys.min() - pad), min(shape[0], ys.max() + pad + 1),
            max(0, xs.min() - pad), min(shape[1], xs.max() + pad + 1))
