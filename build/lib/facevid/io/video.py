"""Frame sources (a video, an image, a folder of images) with clear errors, and the overlay
drawing for outputs (label colours over the frame, detection boxes, a colour legend)."""
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np

from facevid.errors import DataError
from facevid.io.files import read_image
from facevid.data.readers import IMAGE_SUFFIXES, images_in
from facevid.data.schema import ClassSchema


class FrameSource:
    """Iterates (name, RGB frame) from a video file, one image, or a folder of images. Every
    check that needs only the input (exists, decodes) runs here, before any model is loaded."""

    def __init__(self, video: Optional[Path] = None, image: Optional[Path] = None,
                 folder: Optional[Path] = None, max_frames: Optional[int] = None):
        if max_frames is not None and max_frames < 1:
            raise DataError(f"--max-frames must be a positive number, got {max_frames}")
        self.max_frames = max_frames
        self.fps: Optional[float] = None
        self.count: Optional[int] = None
        self.video: Optional[Path] = Path(video) if video else None
        self.images: List[Path] = []
        # Folder entries that could not be read (skipped and reported), and for a video the
        # frames it decoded when that is fewer than its header promised.
        self.skipped: List[Dict[str, str]] = []
        self.decoded: Optional[int] = None
        if self.video is not None:
            self._open_video(self.video)
        elif image is not None:
            self.images = [Path(image)]
            read_image(self.images[0])          # missing or undecodable: say so now
        elif folder is not None:
            folder = Path(folder)
            if folder.is_file():
                raise DataError(f"{folder}: is a file, not a folder; use --image or --video for one file")
            if not folder.is_dir():
                raise DataError(f"{folder}: folder not found")
            self.images = folder_images(folder)
            if not self.images:
                raise DataError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in the folder")
        else:
            raise DataError("give a video, an image or a folder")

    def _open_video(self, path: Path) -> None:
        if path.is_dir():
            raise DataError(f"{path}: is a folder; use --dir for a folder of images")
        if not path.is_file():
            raise DataError(f"{path}: video file not found")
        cap = cv2.VideoCapture(str(path))
        ok, _ = cap.read() if cap.isOpened() else (False, None)
        self.fps = cap.get(cv2.CAP_PROP_FPS) or None
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        if not ok:
            raise DataError(f"{path}: cannot read any frame (empty, corrupt or an unsupported codec)")
        # Containers without a frame count (or a still image renamed .mp4) report 0 or less.
        self.count = count if count > 0 else None

    @property
    def expected_frames(self) -> Optional[int]:
        """How many frames iteration should give, when the input says (None: unknown)."""
        n = self.count if self.video is not None else len(self.images)
        if n is None:
            return self.max_frames
        return n if self.max_frames is None else min(n, self.max_frames)

    def inputs(self) -> List[Path]:
        """The files and folders read (an output must never replace one of them)."""
        return [self.video] if self.video is not None else list(self.images)

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        if self.video is None:
            for path in self.images[: self.expected_frames]:
                try:
                    frame = read_image(path)
                except DataError as exc:     # one bad photo must not discard the others
                    self.skipped.append({"file": str(path), "reason": str(exc)})
                    continue
                yield path.stem, frame
            return
        cap = cv2.VideoCapture(str(self.video))
        index = 0
        try:
            while self.max_frames is None or index < self.max_frames:
                ok, bgr = cap.read()
                if not ok:
                    break
                yield f"{index:05d}", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                index += 1
        finally:
            cap.release()
        if self.expected_frames is not None and index < self.expected_frames:
            self.decoded = index          # a truncated or damaged file: the caller says so


def folder_images(folder: Path) -> List[Path]:
    """The images of a folder in name order: hidden files (macOS's `._x.jpg`) left out. Two
    images with one name stem would write the same output names: refused here, before any
    model loads, naming them."""
    images = images_in(Path(folder))
    by_stem: Dict[str, List[str]] = {}
    for path in images:
        by_stem.setdefault(path.stem, []).append(path.name)
    clashes = [names for names in by_stem.values() if len(names) > 1]
    if clashes:
        raise DataError(f"{folder}: {', '.join(' and '.join(c) for c in clashes[:3])} share a name "
                        "stem and would write the same output files; rename one of each")
    return images


def legend(schema: ClassSchema, height: int) -> np.ndarray:
    """An RGB panel listing every class with its colour, sized to the frame height and as wide
    as the longest class name needs."""
    row = max(8, min(20, height // max(1, schema.num_classes)))
    scale = row / 26
    text = max(cv2.getTextSize(n, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] for n in schema.class_names)
    panel = np.full((height, row + text + 10, 3), 255, np.uint8)
    for i, (name, color) in enumerate(zip(schema.class_names, schema.colors)):
        y = i * row
        if y + row > height:
            break
        cv2.rectangle(panel, (4, y + 2), (4 + row - 4, y + row - 2), tuple(int(c) for c in color), -1)
        cv2.putText(panel, name, (row + 4, y + row - 4), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return panel


def overlay(frame: np.ndarray, labels: np.ndarray, schema: ClassSchema, alpha: float = 0.5,
            boxes=()) -> np.ndarray:
    """Frame with coloured labels blended in (background left as is), crop boxes, legend."""
    colours = schema.palette()[labels].astype(np.float32)
    mixed = np.where((labels > 0)[..., None], (1 - alpha) * frame + alpha * colours, frame)
    out = np.ascontiguousarray(mixed.astype(np.uint8))
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(out, (int(x0), int(y0)), (int(x1) - 1, int(y1) - 1), (255, 255, 0), 1)
    return np.concatenate([out, legend(schema, frame.shape[0])], axis=1)


class VideoWriter:
    """MP4 writer that fails loudly (OpenCV's silently writes nothing when it cannot) and keeps
    every frame: one of another size (a stream whose resolution changes) is resized to the
    video's size, not dropped, and counted in `resized`."""

    def __init__(self, path: Path, fps: float, size: Tuple[int, int]):
        self.path, self.size, self.resized = Path(path), tuple(size), 0
        self.writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), fps, self.size)
        if not self.writer.isOpened():
            raise DataError(f"{self.path}: cannot open a video writer (mp4v) here")

    def write(self, rgb: np.ndarray) -> None:
        if (rgb.shape[1], rgb.shape[0]) != self.size:
            rgb = cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA)
            self.resized += 1
        self.writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        self.writer.release()
