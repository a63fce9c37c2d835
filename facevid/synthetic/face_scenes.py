"""Scenes for training and measuring a face detector on real faces at the scales of video.

The labelled real faces beside the project fill their photographs (CelebAMask-HQ) or a third of
them (LFW), while faces in video range from filling the frame down to 20 pixels. A scene here is
a real background frame (DAVIS scenes without people) with 0-3 real labelled faces pasted in:
each face's labelled region (head, hair, neck, clothes: every non-background pixel) scaled so
the face (the schema's face classes) is `face_px` wide, placed anywhere (faces cut by the border
included), mirrored half of the time with left/right classes swapped, its edge feathered. Cut-out heads
alone teach a detector the cut-out's edge as much as the face, and it then misses faces in their
real surroundings (a person in a suit or a space suit, a collar, a hat); so a share of the faces
keep their whole photograph around them (`context_prob`), and a share of the scenes are one
photograph filling the frame, as a talking head or a portrait photo does (`full_frame_prob`).
Labels are written in the CelebAMask-HQ schema, so boxes come from the masks as for any data
set (facevid.boxes.mask_boxes). Written in the challenge layout (`OUT/<clip>/images|labels`).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from facevid.boxes.crops import region_boxes
from facevid.errors import DataError, UserError
from facevid.io.files import read_image, write_image, write_json
from facevid.io.output_folders import atomic_dir
from facevid.data.readers import IMAGE_SUFFIXES, ImageMaskFolder, Reader
from facevid.data.schema import ClassSchema
from facevid.data.splits import hash_split, read_split_file, select_frames

SCENES_PER_CLIP = 20
# Background scenes are named `<sequence>_<frame>`; a quarter of the sequences are held out.
BACKGROUND_VAL_FRACTION, BACKGROUND_SALT = 0.25, "davis_backgrounds"


@dataclass(frozen=True)
class FaceSource:
    """Labelled faces to paste: a reader, and how its label ids map to the scene schema's
    (a 256-entry lookup table; LFW's skin and hair become CelebAMask-HQ's)."""
    reader: Reader
    lut: np.ndarray


@dataclass(frozen=True)
class SceneSettings:
    size: Tuple[int, int] = (640, 360)            # W, H of a scene
    faces: Tuple[int, int] = (0, 3)               # faces per scene, inclusive
    face_px: Tuple[float, float] = (20.0, 300.0)  # face width range, drawn log-uniformly
    empty_fraction: float = 0.1                   # scenes with no face at all (negatives)
    context_prob: float = 0.0                     # faces pasted with their whole photo around them
    full_frame_prob: float = 0.0                  # scenes that are one photo filling the frame
    split: str = ""                               # the side of the splits the faces came from


def split_faces(root: Path, split_file: Path, split: str, lut: np.ndarray) -> FaceSource:
    """The labelled faces (images/, labels/ under root) on one side of a split file."""
    reader = ImageMaskFolder(Path(root), "images", "labels")
    return FaceSource(select_frames(reader, read_split_file(split_file)[split], split_file), lut)


def split_backgrounds(folder: Path, split: str) -> List[Path]:
    """The background scenes on one side of the split by sequence (never both sides)."""
    if not Path(folder).is_dir():
        raise DataError(f"--backgrounds {folder}: folder not found (it should hold scenes "
                        "without people, e.g. davis_backgrounds)")
    paths = sorted(p for p in Path(folder).glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise DataError(f"--backgrounds {folder}: holds no images ({', '.join(IMAGE_SUFFIXES)}) "
                        "at its top level; name the folder of the scene images")
    side = set(hash_split([p.stem for p in paths], BACKGROUND_VAL_FRACTION, BACKGROUND_SALT,
                          group=lambda n: n.rsplit("_", 1)[0])[split])
    return [p for p in paths if p.stem in side]


def label_lut(mapping: Sequence[Tuple[int, int]]) -> np.ndarray:
    """uint8 lookup table: ids not listed map to themselves."""
    lut = np.arange(256, dtype=np.uint8)
    for src, dst in mapping:
        lut[src] = dst
    return lut


def paste(canvas: np.ndarray, labels: np.ndarray, face: np.ndarray, face_label: np.ndarray,
           x0: int, y0: int, whole: bool = False) -> None:
    """Paste `face` (h x w x 3) at (x0, y0), clipped to the canvas: its non-zero label region,
    or with `whole` the whole photo (labels still only where they are non-zero)."""
    h, w = face_label.shape
    H, W = labels.shape
    fx0, fy0 = max(0, -x0), max(0, -y0)
    fx1, fy1 = min(w, W - x0), min(h, H - y0)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    mask = np.ones(face_label.shape, np.float32) if whole else (face_label > 0).astype(np.float32)
    alpha = np.minimum(cv2.GaussianBlur(mask, (0, 0), 1.0), mask)[fy0:fy1, fx0:fx1, None]
    region = canvas[y0 + fy0:y0 + fy1, x0 + fx0:x0 + fx1].astype(np.float32)
    blended = alpha * face[fy0:fy1, fx0:fx1] + (1 - alpha) * region
    canvas[y0 + fy0:y0 + fy1, x0 + fx0:x0 + fx1] = blended.round().astype(np.uint8)
    sub = face_label[fy0:fy1, fx0:fx1]
    target = labels[y0 + fy0:y0 + fy1, x0 + fx0:x0 + fx1]
    target[sub > 0] = sub[sub > 0]


def render_scene(rng: np.random.Generator, background: np.ndarray, sources: List[FaceSource],
                 schema: ClassSchema, settings: SceneSettings) -> Tuple[np.ndarray, np.ndarray]:
    """One scene: RGB uint8 H x W x 3 and its label map (schema ids) H x W."""
    w, h = settings.size
    canvas = cv2.resize(background, (w, h), interpolation=cv2.INTER_AREA)
    labels = np.zeros((h, w), np.uint8)
    if rng.random() < settings.empty_fraction:
        return canvas, labels
    lut_mirror = schema.mirror_lut()
    # (random draws in the order of the first version when both shares are 0: same seed, same scenes)
    if settings.full_frame_prob > 0 and rng.random() < settings.full_frame_prob:
        image, label = _mirrored(rng, *_draw_face(rng, sources), lut_mirror)
        # Cover the frame (zoomed in up to 1.6x), anywhere: a talking head or a portrait photo.
        scale = max(w / image.shape[1], h / image.shape[0]) * float(rng.uniform(1.0, 1.6))
        image, label = _resized(image, label, scale)
        x0 = int(rng.integers(0, image.shape[1] - w + 1))
        y0 = int(rng.integers(0, image.shape[0] - h + 1))
        return (np.ascontiguousarray(image[y0:y0 + h, x0:x0 + w]),
                np.ascontiguousarray(label[y0:y0 + h, x0:x0 + w]))
    count = int(rng.integers(max(1, settings.faces[0]), settings.faces[1] + 1))
    lo, hi = np.log(settings.face_px[0]), np.log(settings.face_px[1])
    for _ in range(count):
        image, label = _draw_face(rng, sources)
        boxes = region_boxes(label, schema.face_class_ids)
        if not boxes:
            continue
        fx0, _, fx1, _ = boxes[0]
        scale = float(np.exp(rng.uniform(lo, hi))) / max(1.0, fx1 - fx0)
        whole = settings.context_prob > 0 and rng.random() < settings.context_prob
        if not whole:
            ys, xs = np.nonzero(label)
            top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            image, label = image[top:bottom, left:right], label[top:bottom, left:right]
        image, label = _resized(*_mirrored(rng, image, label, lut_mirror), scale)
        size = (image.shape[1], image.shape[0])
        # Anywhere, up to a third of the pasted region outside the frame.
        x0 = int(rng.integers(-size[0] // 3, max(1, w - 2 * size[0] // 3)))
        y0 = int(rng.integers(-size[1] // 3, max(1, h - 2 * size[1] // 3)))
        paste(canvas, labels, image, label, x0, y0, whole)
    return canvas, labels


def _draw_face(rng: np.random.Generator, sources: List[FaceSource]) -> Tuple[np.ndarray, np.ndarray]:
    """A random labelled photo of a random source, its labels in the scene schema."""
    source = sources[int(rng.integers(len(sources)))]
    image, label = source.reader.load(int(rng.integers(len(source.reader))))
    return image, source.lut[label]


def _mirrored(rng: np.random.Generator, image: np.ndarray, label: np.ndarray,
              lut_mirror: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mirrored half of the time, left/right classes swapped."""
    if rng.random() < 0.5:
        image, label = image[:, ::-1], lut_mirror[label[:, ::-1]]
    return np.ascontiguousarray(image), np.ascontiguousarray(label)


def _resized(image: np.ndarray, label: np.ndarray, scale: float) -> Tuple[np.ndarray, np.ndarray]:
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return (cv2.resize(image, size, interpolation=cv2.INTER_AREA),
            cv2.resize(label, size, interpolation=cv2.INTER_NEAREST))


def make_scenes(out: Path, count: int, seed: int, backgrounds: List[Path], sources: List[FaceSource],
                schema: ClassSchema, settings: SceneSettings = SceneSettings(), overwrite: bool = False,
                progress: Optional[Callable[[int], None]] = None) -> Path:
    """Write `count` scenes to `out` (all at once, or nothing), deterministic for `seed`."""
    if count <= 0 or not backgrounds or not sources:
        raise UserError("scenes need a positive count, background images and labelled faces")
    with atomic_dir(Path(out), overwrite=overwrite) as tmp:
        for i in range(count):
            rng = np.random.default_rng([seed, i])
            background = read_image(backgrounds[int(rng.integers(len(backgrounds)))])
            image, label = render_scene(rng, background, sources, schema, settings)
            clip = tmp / f"scenes_{i // SCENES_PER_CLIP:04d}"
            write_image(clip / "images" / f"{i % SCENES_PER_CLIP:05d}.jpg", image)
            write_image(clip / "labels" / f"{i % SCENES_PER_CLIP:05d}.png", label)
            if progress:
                progress(i + 1)
        write_json(tmp / "meta.json", {"generator": "facevid.synthetic.face_scenes", "seed": seed,
                                       "scenes": count, "schema": schema.name,
                                       "size": list(settings.size), "face_px": list(settings.face_px),
                                       "context_prob": settings.context_prob,
                                       "full_frame_prob": settings.full_frame_prob,
                                       "split": settings.split})
    return Path(out)
