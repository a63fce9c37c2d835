"""Reading images and label maps with clear errors, and writing files atomically.

Atomic means: write to a temporary name in the same folder, then `os.replace`, so a crash or
Ctrl-C never leaves a half-written file under the final name. Whole output folders:
facevid.io.output_folders.
"""
import contextlib
import json
import os
from pathlib import Path
from typing import Any, Tuple

import cv2
import numpy as np

from facevid.errors import DataError


def read_image(path: Path) -> np.ndarray:
    """Read a colour image as RGB uint8, H x W x 3."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: image file not found")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(f"{path}: cannot be decoded as an image (corrupt or not an image file)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_image_over_black(path: Path) -> Tuple[np.ndarray, bool]:
    """An image as RGB uint8; one with an alpha channel is composited over black (its hidden
    colours would otherwise show). Returns (image, whether it had alpha)."""
    image = read_image(path)
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.ndim != 3 or raw.shape[2] != 4:
        return image, False
    alpha = raw[..., 3:].astype(np.float32) / (65535.0 if raw.dtype == np.uint16 else 255.0)
    return (image.astype(np.float32) * alpha + 0.5).astype(np.uint8), True


def read_label(path: Path) -> np.ndarray:
    """Read a single-channel label map (class ids or 0/255 mask) as uint8, H x W."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: label file not found")
    label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if label is None:
        raise DataError(f"{path}: cannot be decoded as a label image (corrupt or not a PNG)")
    if label.ndim == 3:
        # Palette or grey PNGs saved as RGB: accept only if the channels agree.
        if not (np.array_equal(label[..., 0], label[..., 1])
                and np.array_equal(label[..., 1], label[..., 2])):
            raise DataError(f"{path}: is a colour image (RGB or a palette PNG), not a label map; "
                            "expected one 8-bit channel of class ids (is this an image, or a "
                            "colour-coded visualisation of labels?)")
        label = label[..., 0]
    if label.dtype != np.uint8:
        if label.max() > 255:
            raise DataError(f"{path}: label values exceed 255; expected uint8 class ids")
        label = label.astype(np.uint8)
    return label


WRITE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_image(path: Path, image: np.ndarray, quality: int = 95) -> None:
    """Write an RGB (H x W x 3) or label (H x W) image atomically; the format follows the suffix."""
    path = Path(path)
    if path.suffix.lower() not in WRITE_SUFFIXES:
        raise DataError(f"{path}: cannot write an image with suffix '{path.suffix}'; use one of "
                        f"{', '.join(WRITE_SUFFIXES)}")
    data = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.suffix.lower() in (".jpg", ".jpeg") else []
    try:
        ok, encoded = cv2.imencode(path.suffix, data, params)
    except cv2.error:
        ok = False
    if not ok:
        raise DataError(f"{path}: OpenCV could not encode an image with this suffix")
    write_bytes(path, encoded.tobytes())


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        with contextlib.suppress(OSError):      # gone already, or its folder never existed
            tmp.unlink()


def write_text(path: Path, text: str) -> None:
    write_bytes(Path(path), text.encode())


def write_json(path: Path, obj: Any) -> None:
    write_bytes(Path(path), (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())
