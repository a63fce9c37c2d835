"""Real frames whose faces a teacher boxed (data.box_sets; tools/teacher_boxes.py).

The detector's main data pastes labelled faces into scenes without people; these frames show
real people in real scenes, so it also learns that a body, a hand or a helmet is not a face.
A frame keeps the teacher's sure boxes as faces; a frame where the teacher saw a face it was
unsure of is left out, since that face would be neither a positive nor safely background.
Faces in the frames are small (DAVIS people at 854x480 have faces 10-40 px wide), so a frame
is often zoomed: a window around one of its faces, cut so the face comes out at a chosen width.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Sequence, Tuple

import cv2
import numpy as np

from facevid.data.splits import read_split_file
from facevid.errors import ConfigError, DataError
from facevid.io.files import read_image
from stage1_detect.teacher import read_box_cache

MAX_ZOOM = 4.0        # beyond this an enlarged face is a blur the detector should not learn from


@dataclass
class BoxSet:
    images: List[Path]
    boxes: List[np.ndarray]      # per image, N x 4 xyxy float32: the teacher's sure faces
    share: float
    zoom_prob: float
    zoom_face_px: Tuple[float, float]
    left_out: int                # frames with an unsure box

    def __len__(self) -> int:
        return len(self.images)

    def load(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        return read_image(self.images[index]), self.boxes[index].copy()


def open_box_set(entry: Any, side: str = "train") -> BoxSet:
    """The frames of one data.box_sets entry (facevid.config.sections.BoxSetEntry) on `side`
    of its split file (train; val for benchmarks)."""
    cache = read_box_cache(Path(entry.root))
    root = Path(cache["images"])
    if entry.unsure_score < cache["min_score"]:
        raise ConfigError(f"{entry.root}: boxes were kept from score {cache['min_score']}, above "
                          f"unsure_score {entry.unsure_score}; raise unsure_score")
    names = sorted(cache["boxes"])
    if entry.split_file:
        wanted = set(read_split_file(Path(entry.split_file))[side])
        names = [n for n in names if str(Path(n).with_suffix("")) in wanted]
        if not names:
            raise ConfigError(f"{entry.split_file}: names none of the images of {entry.root}")
    images, boxes, left_out = [], [], 0
    for name in names:
        found = cache["boxes"][name]
        scores = np.array(found["scores"], np.float32)
        if entry.negative:
            images.append(root / name)
            boxes.append(np.zeros((0, 4), np.float32))
            continue
        if ((scores >= entry.unsure_score) & (scores < entry.sure_score)).any():
            left_out += 1
            continue
        images.append(root / name)
        boxes.append(np.array(found["boxes"], np.float32).reshape(-1, 4)[scores >= entry.sure_score])
    if not images:
        raise DataError(f"{entry.root}: every frame has an unsure box; lower unsure_score")
    if not images[0].is_file():
        raise DataError(f"{images[0]}: not found; the teacher boxed {root}, which has moved: "
                        "run tools/teacher_boxes.py again")
    return BoxSet(images, boxes, float(entry.share), float(entry.zoom_prob),
                  tuple(entry.zoom_face_px), left_out)


def zoom_to_face(image: np.ndarray, boxes: np.ndarray, rng: np.random.Generator,
                 train_size: Sequence[int], face_px: Tuple[float, float]) -> Tuple[np.ndarray, np.ndarray]:
    """Cut a window of the image's aspect around one face (chosen at random; a random window
    when there is none) so that, once the window is resized to the training size, that face is
    a random width in face_px. Boxes are moved into the window; a box less than half inside
    is dropped. No zoom below 1 or above MAX_ZOOM."""
    h, w = image.shape[:2]
    to_train = min(train_size[0] / max(h, w), train_size[1] / min(h, w))
    if len(boxes):
        face = boxes[rng.integers(len(boxes))]
        width = max(1.0, float(face[2] - face[0])) * to_train
        zoom = float(np.clip(rng.uniform(*face_px) / width, 1.0, MAX_ZOOM))
    else:
        face, zoom = None, rng.uniform(1.0, MAX_ZOOM)
    cw, ch = w / zoom, h / zoom
    x0 = _window_start(rng, w, cw, None if face is None else face[[0, 2]])
    y0 = _window_start(rng, h, ch, None if face is None else face[[1, 3]])
    x1, y1 = x0 + cw, y0 + ch
    # box corners are pixel edges, warpAffine maps pixel centres: hence the half pixels
    warp = np.float32([[zoom, 0, zoom * (0.5 - x0) - 0.5], [0, zoom, zoom * (0.5 - y0) - 0.5]])
    crop = cv2.warpAffine(image, warp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    moved = (np.clip(boxes, [x0, y0, x0, y0], [x1, y1, x1, y1]) - [x0, y0, x0, y0]) * zoom
    kept = _area(moved) >= 0.5 * _area(boxes * zoom)
    return crop, moved[kept].astype(np.float32).reshape(-1, 4)


def _window_start(rng: np.random.Generator, full: float, size: float, span) -> float:
    """Where a window of `size` starts on an axis of `full`, containing `span` (lo, hi) if it can."""
    low, high = 0.0, full - size
    if span is not None:
        low, high = max(low, span[1] - size), min(high, span[0])
        if low > high:                     # the face is larger than the window: centre on it
            return float(np.clip((span[0] + span[1] - size) / 2, 0, full - size))
    return float(rng.uniform(low, high))


def _area(boxes: np.ndarray) -> np.ndarray:
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
