"""A teacher's soft mattes as the targets of a learned alpha (MODNet's, stage2_seg.teacher).

A matte folder (tools/teacher_mattes.py writes it) holds `images` (a link to the source images)
and `mattes/<relative path>.png` (alpha x 255). The target of a learned alpha is

  - a set labelled by the teacher alone (`mask_values: matte`): its matte;
  - a set with real labels and a teacher's mattes: the real label (0 / 1) except within a band
    around the label's boundary, where the teacher's matte gives the soft edge (hair, motion
    blur) that a hard mask cannot; farther from the boundary the teacher is not trusted (it
    takes animals and vehicles for people and misses small ones: stage2_seg.teacher);
  - a set without mattes: the hard label.

Targets are two uint8 planes H x W x 2: the alpha (0-255) and whether it is known (255) or not
(0: ignored pixels, and pixels rotated or padded in), stacked on the image so that they follow
every crop, flip, rotation and paste (stage2_seg.data).
"""
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from facevid.errors import DataError
from facevid.io.files import read_label

KNOWN = 255
SURE = (25, 230)     # a matte at or below / at or above: the teacher is sure (alpha x 255)


class TeacherMattes:
    """The mattes of a tools/teacher_mattes.py folder, looked up by source image path."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        link = self.folder / "images"
        if not (self.folder / "mattes").is_dir() or not link.exists():
            raise DataError(f"teacher_mattes {self.folder}: not a matte folder (needs images/ and "
                            "mattes/); tools/teacher_mattes.py --images <the set's images> "
                            f"--out {self.folder} writes one")
        self.source = link.resolve()

    def path_for(self, image: Path) -> Path:
        try:
            rel = Path(image).resolve().relative_to(self.source)
        except ValueError:
            raise DataError(f"{image}: outside {self.source}, the images the mattes of "
                            f"{self.folder} were computed for") from None
        return self.folder / "mattes" / rel.with_suffix(".png")

    def missing(self, images) -> list:
        """The images of a set that have no matte yet."""
        return [image for image in images if not self.path_for(image).is_file()]

    def load(self, image: Path) -> np.ndarray:
        path = self.path_for(image)
        if not path.is_file():
            raise DataError(f"{image}: no teacher matte at {path}; finish the mattes with "
                            f"tools/teacher_mattes.py --out {self.folder}")
        return read_label(path)


def hard_targets(label: np.ndarray, ignore_index: int) -> np.ndarray:
    """H x W x 2 targets from a label alone: alpha 255 on any class but background, unknown
    where the label is ignored (or a partial label: every class there is a person part)."""
    alpha = ((label != 0) & (label != ignore_index)).astype(np.uint8) * 255
    known = np.where(label == ignore_index, 0, KNOWN).astype(np.uint8)
    return np.dstack([alpha, known])


def matte_targets(matte: np.ndarray) -> np.ndarray:
    """H x W x 2 targets of a set labelled by the teacher alone: its matte, known everywhere."""
    return np.dstack([matte, np.full_like(matte, KNOWN)])


def banded_targets(label: np.ndarray, matte: np.ndarray, ignore_index: int,
                   band_px: int) -> np.ndarray:
    """H x W x 2 targets of a real label with a teacher's matte: the matte within `band_px` of
    the label's person/background boundary (unknown where they contradict outright), the hard
    label farther away."""
    if matte.shape != label.shape:
        raise DataError(f"a teacher matte is {matte.shape[1]}x{matte.shape[0]} but its label "
                        f"{label.shape[1]}x{label.shape[0]}; compute the mattes again")
    targets = hard_targets(label, ignore_index)
    if band_px <= 0:
        return targets
    fg = targets[..., 0]
    band = boundary_band(fg, band_px)
    # Where the two contradict outright (the teacher sure of a person the label calls
    # background, as a surfboard at the feet, or the reverse) neither is trusted: unknown.
    contradiction = ((fg == 0) & (matte >= SURE[1])) | ((fg > 0) & (matte <= SURE[0]))
    targets[..., 0][band] = matte[band]
    targets[..., 1][band] = np.where(contradiction[band], 0, KNOWN)
    targets[..., 1][label == ignore_index] = 0
    return targets


def boundary_band(mask: np.ndarray, radius: int) -> np.ndarray:
    """H x W bool: the pixels within `radius` (a disc) of the edge of a mask (any non-zero
    value is inside). postprocess/grabcut.py draws its band the same way; the layering keeps
    postprocess from importing this."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
    mask = (mask > 0).astype(np.uint8)
    return cv2.dilate(mask, kernel) != cv2.erode(mask, kernel)


def band_pixels(shape, fraction: float) -> int:
    """The band's width in pixels for an image of `shape`: a fraction of its longer side."""
    return int(round(fraction * max(shape[:2])))


def read_mattes_folder(folder: Optional[str]) -> Optional[TeacherMattes]:
    return TeacherMattes(Path(folder)) if folder else None
