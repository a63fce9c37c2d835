"""Draw one procedurally built person (head and shoulders) into a label layer.

Coordinates are in units of the head radius r around the head centre, rotated by the head's
roll and placed in the frame. Labels follow the provisional sfp18 schema; "left"/"right" are the
subject's, so a frontal face shows its left eye on the image's right, and a horizontal flip of
the image must swap those classes (the point of mirror-aware flipping).
"""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import cv2
import numpy as np

from facevid.data.schema import ClassSchema

_SHIFT = 4            # cv2 fixed-point bits: sub-pixel accurate drawing
_ONE = 1 << _SHIFT


@dataclass
class PersonPose:
    """Where a person is in one frame (pixels of the canvas being drawn into)."""
    cx: float
    cy: float
    r: float          # head half-width in canvas pixels
    roll: float       # degrees, positive is clockwise in image coordinates
    yaw: float        # -1..1, shifts the inner face sideways and hides one ear


@dataclass
class PersonLook:
    """What a person looks like; fixed for a clip."""
    hair_style: str                # "short", "long" or "bald"
    n_strands: int
    mouth_open: float              # 0 closed .. 1 wide open
    glasses: bool
    brow_thickness: float          # in units of r
    strand_seed: int


def random_look(rng: np.random.Generator) -> PersonLook:
    return PersonLook(
        hair_style=str(rng.choice(["short", "long", "bald"], p=[0.5, 0.4, 0.1])),
        n_strands=int(rng.integers(0, 7)),
        mouth_open=float(rng.choice([0.0, rng.uniform(0.2, 1.0)], p=[0.5, 0.5])),
        glasses=bool(rng.random() < 0.15),
        brow_thickness=float(rng.uniform(0.05, 0.1)),
        strand_seed=int(rng.integers(1 << 30)),
    )


class _Pen:
    """Draws primitives given in head units into a label layer, applying the pose."""

    def __init__(self, layer: np.ndarray, pose: PersonPose):
        self.layer, self.pose = layer, pose
        a = np.deg2rad(pose.roll)
        self.rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    def to_canvas(self, pts: np.ndarray) -> np.ndarray:
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2) * self.pose.r
        return pts @ self.rot.T + (self.pose.cx, self.pose.cy)

    def _fixed(self, pts: np.ndarray) -> np.ndarray:
        return np.round(self.to_canvas(pts) * _ONE).astype(np.int32)

    def ellipse(self, center, axes, value: int, angle: float = 0.0, layer=None) -> None:
        c = self._fixed(center)[0]
        ax = np.round(np.asarray(axes) * self.pose.r * _ONE).astype(int)
        cv2.ellipse(self.layer if layer is None else layer, (int(c[0]), int(c[1])),
                    (max(int(ax[0]), 1), max(int(ax[1]), 1)), angle + self.pose.roll, 0, 360,
                    int(value), -1, cv2.LINE_8, _SHIFT)

    def polygon(self, pts, value: int, layer=None) -> None:
        cv2.fillPoly(self.layer if layer is None else layer, [self._fixed(pts)], int(value),
                     cv2.LINE_8, _SHIFT)

    def polyline(self, pts, value: int, thickness: float) -> None:
        width = max(1, int(round(thickness * self.pose.r)))
        cv2.polylines(self.layer, [self._fixed(pts)], False, int(value), width, cv2.LINE_8, _SHIFT)


def _arc(cx: float, cy: float, half_w: float, bend: float, n: int = 9) -> np.ndarray:
    x = np.linspace(-half_w, half_w, n)
    return np.stack([cx + x, cy - bend * (1 - (x / half_w) ** 2)], axis=1)


def _draw_hair(layer: np.ndarray, pen: "_Pen", look: PersonLook, hair: int) -> None:
    """A cap of hair above a wavy fringe, and thin strands falling over the sides."""
    cap = np.zeros_like(layer)
    pen.ellipse((0, -0.3), (1.1, 1.05), 1, layer=cap)
    fringe_x = np.linspace(-1.2, 1.2, 13)
    fringe_y = -0.5 + 0.08 * np.sin(fringe_x * 7 + look.strand_seed % 7)
    below = np.zeros_like(layer)
    pen.polygon(np.concatenate([np.stack([fringe_x, fringe_y], 1), [(1.2, 3), (-1.2, 3)]]),
                1, layer=below)
    layer[(cap > 0) & (below == 0)] = hair
    strand_rng = np.random.default_rng(look.strand_seed)
    for _ in range(look.n_strands):
        x0 = strand_rng.uniform(-1.0, 1.0)
        pts = [(x0 * (1 + 0.15 * t), -1.0 + 1.6 * t + 0.05 * np.sin(9 * t))
               for t in np.linspace(0, 1, 8)]
        pen.polyline(pts, hair, thickness=0.025)


def draw_person(layer: np.ndarray, pose: PersonPose, look: PersonLook,
                schema: ClassSchema) -> None:
    """Paint one person's labels into `layer` (H x W uint8, 0 = not this person), back to front."""
    ids: Dict[str, int] = {n: schema.index(n) for n in schema.class_names}
    pen = _Pen(layer, pose)
    yaw = pose.yaw
    inner = 0.45 * yaw                       # inner face features slide with the yaw

    pen.ellipse((0, 2.55), (2.1, 1.2), ids["cloth"])
    pen.polygon([(-0.42, 0.7), (0.42, 0.7), (0.5, 1.7), (-0.5, 1.7)], ids["neck"])
    if look.hair_style == "long":
        pen.polygon([(-1.15, -0.3), (1.15, -0.3), (1.3, 1.6), (-1.3, 1.6)], ids["hair"])
    # The ear on the side the face turns away from shows more.
    for side, name in ((-1, "right_ear"), (1, "left_ear")):
        width = 0.2 * (1 + 0.8 * side * -yaw)
        pen.ellipse((side * (0.98 - 0.05 * side * yaw), 0.05), (max(width, 0.04), 0.3), ids[name])
    pen.ellipse((0, 0), (1.0, 1.25), ids["skin"])

    if look.hair_style != "bald":
        _draw_hair(layer, pen, look, ids["hair"])

    for side, lr in ((-1, "right"), (1, "left")):
        ex = side * 0.38 + inner
        pen.ellipse((ex, -0.2), (0.24, 0.1), ids[f"{lr}_eyeshadow"])
        pen.ellipse((ex, -0.08), (0.17, 0.075), ids[f"{lr}_eye"])
        pen.polyline(_arc(ex, -0.38, 0.22, 0.06), ids[f"{lr}_brow"], look.brow_thickness)
    nx = 0.7 * yaw
    pen.polygon([(nx, -0.05), (nx + 0.13, 0.38), (nx - 0.13, 0.38)], ids["nose"])
    mx, my, open_h = 0.5 * yaw, 0.68, 0.02 + 0.12 * look.mouth_open
    pen.ellipse((mx, my - open_h / 2 - 0.04), (0.3, 0.06), ids["upper_lip"])
    pen.ellipse((mx, my + open_h / 2 + 0.04), (0.27, 0.07), ids["lower_lip"])
    if look.mouth_open > 0:
        pen.ellipse((mx, my), (0.24, open_h / 2 + 0.01), ids["inner_mouth"])
    if look.glasses:
        for side in (-1, 1):
            ex = side * 0.38 + inner
            circle = [(ex + 0.26 * np.cos(t), -0.08 + 0.17 * np.sin(t))
                      for t in np.linspace(0, 2 * np.pi, 20)]
            pen.polyline(circle, ids["glasses"], thickness=0.035)
        pen.polyline([(inner - 0.12, -0.1), (inner + 0.12, -0.1)], ids["glasses"], 0.035)


SKIN_TONES: List[Tuple[int, int, int]] = [
    (255, 219, 172), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36),
    (92, 58, 34), (255, 205, 180), (230, 180, 150)]


def random_colours(rng: np.random.Generator, schema: ClassSchema) -> np.ndarray:
    """RGB colour per class for one person, C x 3 float32."""
    def jitter(rgb, amount=18):
        return np.clip(np.array(rgb, np.float32) + rng.normal(0, amount, 3), 0, 255)

    skin = jitter(SKIN_TONES[rng.integers(len(SKIN_TONES))])
    hair = jitter(rng.choice([(30, 25, 20), (80, 50, 30), (150, 110, 60), (200, 170, 110),
                              (120, 40, 30), (60, 60, 60)]), 12)
    makeup = jitter(rng.choice([(120, 60, 140), (90, 60, 40), (60, 90, 160), (170, 100, 90)]))
    colours = {
        "skin": skin, "neck": skin * 0.9, "left_ear": skin * 0.93, "right_ear": skin * 0.93,
        "nose": skin * 0.85,
        "left_brow": hair * 0.8, "right_brow": hair * 0.8, "hair": hair,
        "left_eye": jitter((45, 40, 50)), "right_eye": jitter((45, 40, 50)),
        "left_eyeshadow": 0.5 * skin + 0.5 * makeup, "right_eyeshadow": 0.5 * skin + 0.5 * makeup,
        "upper_lip": jitter((180, 70, 80)), "lower_lip": jitter((195, 85, 90)),
        "inner_mouth": jitter((90, 20, 30)), "cloth": jitter(rng.integers(0, 256, 3), 0),
        "glasses": jitter((20, 20, 25)), "background": np.zeros(3, np.float32),
    }
    return np.stack([np.clip(colours[n], 0, 255) for n in schema.class_names]).astype(np.float32)
