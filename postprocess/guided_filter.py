"""Edge-aware refinement of soft probabilities by the guided filter (He, Sun and Tang, "Guided
Image Filtering", ECCV 2010), computed at a reduced resolution as in He and Sun's "Fast Guided
Filter" (arXiv:1505.00996).

Why: the person model decides at a quarter of its 192x192 input, so on a 300-pixel crop its
outline is drawn in steps of about 6 pixels and then upsampled bilinearly: smooth, but not where
the image's edges are. The guided filter makes the probability locally a linear function of the
frame's brightness (q = a * I + b in each window), so the 0.5 contour moves onto the nearby
brightness edge, and leaves flat regions as they were. It is linear in the probabilities, so
filtered class probabilities still sum to 1.
"""
import cv2
import numpy as np


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float,
                  subsample: int = 1) -> np.ndarray:
    """guide: H x W float32 in [0, 1]; src: C x H x W float32 -> C x H x W, each channel
    filtered with windows of (2 radius + 1)^2 pixels and regularisation eps (larger: smoother,
    less edge-following). The linear coefficients are computed on both images shrunk by
    `subsample` (and the radius with them) and enlarged back, which costs 1 / subsample^2."""
    h, w = guide.shape
    s = max(1, min(subsample, radius))
    small = (max(1, w // s), max(1, h // s))
    guide_s = cv2.resize(guide, small, interpolation=cv2.INTER_AREA) if s > 1 else guide
    r = max(1, round(radius / s))
    mean_i = _box(guide_s, r)
    var_i = _box(guide_s * guide_s, r) - mean_i * mean_i
    out = np.empty_like(src, dtype=np.float32)
    for c, channel in enumerate(src):
        p = cv2.resize(channel, small, interpolation=cv2.INTER_AREA) if s > 1 else channel
        mean_p = _box(p, r)
        a = (_box(guide_s * p, r) - mean_i * mean_p) / (var_i + eps)
        b = mean_p - a * mean_i
        mean_a, mean_b = _box(a, r), _box(b, r)
        if s > 1:
            mean_a = cv2.resize(mean_a, (w, h), interpolation=cv2.INTER_LINEAR)
            mean_b = cv2.resize(mean_b, (w, h), interpolation=cv2.INTER_LINEAR)
        out[c] = mean_a * guide + mean_b
    return out


def refine_probs(frame: np.ndarray, probs: np.ndarray, radius: int, eps: float,
                 subsample: int = 1) -> np.ndarray:
    """frame RGB uint8 h x w x 3 and its C x h x w probabilities -> the probabilities guided by
    the frame's brightness, clipped to [0, 1] and renormalised (clipping breaks the sum)."""
    guide = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    if len(probs) == 2:      # the filter is linear: background = 1 - person, half the work
        person = np.clip(guided_filter(guide, probs[1:].astype(np.float32), radius, eps, subsample)[0], 0, 1)
        return np.stack([1.0 - person, person])
    refined = np.clip(guided_filter(guide, probs.astype(np.float32), radius, eps, subsample), 0, 1)
    return refined / np.maximum(refined.sum(axis=0, keepdims=True), 1e-6)
