"""Portrait compositing: a soft alpha from the parse's probabilities, and the frame laid over
a new background (an image, or the frame itself blurred).

The alpha is the foreground probability (1 - P(background)) of logits that were resized
bilinearly before any decision, so edges are soft where the model is unsure and never
stair-stepped. Probabilities far from 0.5 are mostly the model's smoothness, not partial
coverage: a ramp from `low` to `high` keeps a narrow soft band and removes the faint halo a
raw probability leaves around the person.
"""
import cv2
import numpy as np


def alpha_from_probs(probs: np.ndarray, background_id: int = 0, low: float = 0.2,
                     high: float = 0.8) -> np.ndarray:
    """probs C x H x W (softmax) -> alpha H x W float32 in [0, 1]: 0 below `low` foreground
    probability, 1 above `high`, linear between."""
    if not 0 <= low < high <= 1:
        raise ValueError(f"need 0 <= low < high <= 1, got {low}, {high}")
    foreground = 1.0 - probs[background_id]
    return np.clip((foreground - low) / (high - low), 0.0, 1.0).astype(np.float32)


def composite(frame: np.ndarray, background: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """frame and background RGB uint8 H x W x 3, alpha H x W in [0, 1] -> RGB uint8 H x W x 3:
    alpha * frame + (1 - alpha) * background."""
    if frame.shape != background.shape or alpha.shape != frame.shape[:2]:
        raise ValueError(f"frame {frame.shape}, background {background.shape} and alpha "
                         f"{alpha.shape} must agree in size")
    a = np.ascontiguousarray(alpha, np.float32)
    # OpenCV's weighted blend in one pass: several times faster than float arithmetic
    # (bench/results/output_encoding), the same image within one grey level of rounding.
    return cv2.blendLinear(np.ascontiguousarray(frame), np.ascontiguousarray(background), a, 1.0 - a)


def blurred(frame: np.ndarray, sigma: float) -> np.ndarray:
    """The frame blurred with a Gaussian of `sigma` pixels (a background-blur backdrop). A wide
    blur is computed on the frame shrunk by up to sigma / 4 and enlarged back: the same backdrop
    to within a grey level, at a fraction of the cost (bench/results/output_encoding)."""
    factor = int(min(8, max(1, sigma // 4)))
    if factor == 1:
        return cv2.GaussianBlur(frame, (0, 0), sigma)
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / factor), (w, h),
                      interpolation=cv2.INTER_LINEAR)


def fit_background(background: np.ndarray, size) -> np.ndarray:
    """A background image resized to cover `size` (W, H) and centre-cropped (aspect kept)."""
    w, h = size
    bh, bw = background.shape[:2]
    scale = max(w / bw, h / bh)
    resized = cv2.resize(background, (max(w, round(bw * scale)), max(h, round(bh * scale))),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    y0, x0 = (resized.shape[0] - h) // 2, (resized.shape[1] - w) // 2
    return np.ascontiguousarray(resized[y0:y0 + h, x0:x0 + w])
