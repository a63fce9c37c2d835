"""Moving boxes between detector runs: sparse optical flow inside each box.

Running the detector on every k-th frame only saves most of its cost in video; in between,
each box follows the pixels inside it: corners (Shi-Tomasi) tracked by pyramidal Lucas-Kanade
from the previous frame to this one, the box shifted by their median motion and scaled by the
median ratio of their distances to the centre. A box whose corners are lost keeps its place.
"""
from typing import Optional

import cv2
import numpy as np

from facevid.boxes.detections import Detections


class FlowTracker:
    """Call with each frame (RGB uint8) and, on detector frames, its detections; returns the
    detections for this frame (given ones, or the previous ones moved by the flow)."""

    def __init__(self, max_corners: int = 40):
        self.max_corners = max_corners
        self._grey: Optional[np.ndarray] = None
        self._dets = Detections.empty()

    def __call__(self, frame: np.ndarray, dets: Optional[Detections] = None) -> Detections:
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        if dets is None and self._grey is not None and self._grey.shape == grey.shape and len(self._dets):
            dets = Detections(np.stack([self._move(box, grey) for box in self._dets.boxes]).astype(np.float32),
                              self._dets.scores, self._dets.class_ids)
        self._grey, self._dets = grey, dets if dets is not None else Detections.empty()
        return self._dets

    def _move(self, box: np.ndarray, grey: np.ndarray) -> np.ndarray:
        h, w = grey.shape
        x0, y0, x1, y1 = np.clip(np.round(box), 0, [w, h, w, h]).astype(int)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return box
        mask = np.zeros_like(grey)
        mask[y0:y1, x0:x1] = 255
        corners = cv2.goodFeaturesToTrack(self._grey, self.max_corners, 0.01, 3, mask=mask)
        if corners is None or len(corners) < 3:
            return box
        moved, status, _ = cv2.calcOpticalFlowPyrLK(self._grey, grey, corners, None,
                                                    winSize=(15, 15), maxLevel=3)
        ok = status.ravel() == 1
        if ok.sum() < 3:
            return box
        before, after = corners[ok, 0], moved[ok, 0]
        shift = np.median(after - before, axis=0)
        centre_before, centre_after = before.mean(0), after.mean(0)
        spread_before = np.linalg.norm(before - centre_before, axis=1)
        spread_after = np.linalg.norm(after - centre_after, axis=1)
        valid = spread_before > 1e-3
        scale = float(np.median(spread_after[valid] / spread_before[valid])) if valid.any() else 1.0
        scale = float(np.clip(scale, 0.8, 1.25))
        cx, cy = (box[0] + box[2]) / 2 + shift[0], (box[1] + box[3]) / 2 + shift[1]
        half_w, half_h = (box[2] - box[0]) / 2 * scale, (box[3] - box[1]) / 2 * scale
        return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])
