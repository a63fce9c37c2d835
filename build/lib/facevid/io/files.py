"""Reading images and label maps with clear errors, and writing outputs atomically.

Atomic means: write to a temporary name in the same folder, then `os.replace`, so a crash or
Ctrl-C never leaves a half-written file under the final name.
"""
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator, Tuple

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


def check_not_inputs(out: Path, inputs, flag: str = "--out") -> None:
    """An output folder may not be, or hold, an input: replacing it would delete the input."""
    out = Path(out).resolve()
    for path in inputs:
        if path is None:
            continue
        path = Path(path).resolve()
        if path == out or out in path.parents:
            raise DataError(f"{flag} {out} {'is' if path == out else 'holds'} the input {path}; "
                            f"writing there would replace it: choose another {flag}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_dir_prefix(final: Path) -> str:
    return f".{final.name}.tmp-"


def remove_stale_tmp(final: Path) -> None:
    """Remove temporary folders of `final` left by a process that was killed (SIGKILL, power
    loss): their names carry the writer's pid, and that process no longer runs."""
    prefix = _tmp_dir_prefix(final)
    if not final.parent.is_dir():
        return
    for old in final.parent.glob(prefix + "*"):
        pid = old.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_tmp_dir(final: Path) -> Path:
    """An empty folder beside `final` under a temporary name, with the permissions a plain
    mkdir would give (not tempfile's 0700)."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{_tmp_dir_prefix(final)}{os.getpid()}-", dir=final.parent))
    tmp.chmod(0o777 & ~_umask())
    return tmp


def replace_dir(tmp: Path, final: Path) -> None:
    """Put the finished folder `tmp` in place of `final`; the old one is removed only after
    the new one is in place."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def check_output_folder(final: Path, overwrite: bool = False, flag: str = "--out") -> None:
    """What can be known before any work: the output is not a file, and a non-empty folder is
    replaced only with --overwrite. Tools call it first, so a bad --out fails in a second."""
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise DataError(f"{final}: exists and is a file, not a folder; choose another {flag}")
    if final.exists() and any(final.iterdir()) and not overwrite:
        raise DataError(f"{final}: output folder exists and is not empty; "
                        f"choose another {flag} or pass --overwrite")
    blocker = next((p for p in final.parents if p.is_file()), None)
    if blocker is not None:
        raise DataError(f"{final}: cannot create the output folder ({blocker} is a file, not a "
                        f"folder); choose another {flag}")


@contextlib.contextmanager
def atomic_dir(final: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `final`; on success it replaces `final` as a whole.

    On any error (and on SIGINT/SIGTERM, which facevid.cli turns into KeyboardInterrupt) the
    temporary folder is removed and `final` is left as it was.
    """
    final = Path(final)
    check_output_folder(final, overwrite)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_tmp(final)
        tmp = make_tmp_dir(final)
    except OSError as exc:
        blocker = next((p for p in final.parents if p.is_file()), None)
        reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror
        raise DataError(f"{final}: cannot create the output folder ({reason}); "
                        "choose another --out") from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, final)
