"""Stub stage-1 and stage-2 models for pipeline tests with known answers: a detector that boxes
the white pixels of a frame, and a parser forward that calls white pixels a person."""
import numpy as np

from facevid.boxes.detections import Detections, OperatingPoint


class WhiteDetector:
    """One box of `category` around all white pixels (none without any); counts its calls."""

    def __init__(self, category: int, detect_every: int = 1):
        self.categories = np.array([category])
        self.point = OperatingPoint(detect_every=detect_every, max_missing=0)
        self.calls = 0

    def __call__(self, frame: np.ndarray) -> Detections:
        self.calls += 1
        ys, xs = np.nonzero(frame.min(2) == 255)
        if not len(xs):
            return Detections.empty()
        box = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32)
        return Detections(box, np.ones(1, np.float32), self.categories.astype(np.int64))


def white_is_person(batch: np.ndarray) -> np.ndarray:
    """Normalised crops N x 3 x h x w -> 2-class logits: person where the pixel is white."""
    logits = np.zeros((len(batch), 2) + batch.shape[2:], np.float32)
    logits[:, 1] = np.where(batch.min(1) > 0.99, 5.0, -5.0)
    return logits
