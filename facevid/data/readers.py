"""Readers for the data layouts the project trains and evaluates on.

Every reader lists its frames at construction (so a broken folder fails early, naming the file
and the reason) and loads one frame as (RGB uint8 H x W x 3, label uint8 H x W of class ids).
`FrameRef.clip` groups frames of one video; still-image data sets use one clip per image.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import cv2
import numpy as np

from facevid.errors import DataError
from facevid.io.files import read_image, read_label
from facevid.data.schema import ClassSchema

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass(frozen=True)
class FrameRef:
    image: Path
    label: Path          # the label file, or for per-part layouts the folder/prefix they share
    clip: str
    frame: int


def images_in(folder: Path) -> List[Path]:
    """The images of one folder (by suffix), sorted, hidden files (macOS's `._x.jpg`) left out."""
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def images_under(root: Path) -> List[Path]:
    """Every image below `root`, sorted, hidden files and folders left out."""
    root = Path(root)
    folders = [root] + sorted(p for p in root.rglob("*") if p.is_dir() and not any(
        part.startswith(".") for part in p.relative_to(root).parts))
    return [p for folder in folders for p in images_in(folder) if p.is_file()]


def _require_dir(path: Path, layout: str) -> Path:
    if path.is_file():
        raise DataError(f"{path}: is a file, but a folder is expected here; expected layout: {layout}")
    if not path.is_dir():
        raise DataError(f"{path}: folder not found; expected layout: {layout}")
    return path


def _check_same_size(ref: FrameRef, image: np.ndarray, label: np.ndarray) -> None:
    if image.shape[:2] != label.shape[:2]:
        raise DataError(f"{ref.label}: label is {label.shape[1]}x{label.shape[0]} but image "
                        f"{ref.image} is {image.shape[1]}x{image.shape[0]}; they must match")


class Reader:
    """Base: a list of frames and how to load one."""
    layout = ""

    def __init__(self, frames: List[FrameRef], root: Path):
        if not frames:
            raise DataError(f"{root}: no images found; expected layout: {self.layout}")
        self.frames = frames
        self.root = Path(root)
        self.label_values: Optional[Tuple[int, int]] = None   # (num_classes, ignore_index)

    def expect_classes(self, num_classes: int, ignore_index: int) -> "Reader":
        """From now on every label loaded is checked: class ids of the schema or the ignore
        index only (a wrong id would otherwise surface deep inside a loss, or not at all)."""
        self.label_values = (num_classes, ignore_index)
        return self

    def __len__(self) -> int:
        return len(self.frames)

    def load(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        ref = self.frames[index]
        image, label = read_image(ref.image), self._checked_label(ref)
        _check_same_size(ref, image, label)
        return image, label

    def load_label(self, index: int) -> np.ndarray:
        """The label map alone (no image decoding): for deriving boxes or statistics."""
        return self._checked_label(self.frames[index])

    def _checked_label(self, ref: FrameRef) -> np.ndarray:
        label = self._load_label(ref)
        if self.label_values is not None:
            check_label_values(label, *self.label_values, ref.label)
        return label

    def _load_label(self, ref: FrameRef) -> np.ndarray:
        return read_label(ref.label)


def _paired(images: List[Path], label_dir: Path, clip: str, per_image_clip: bool) -> List[FrameRef]:
    frames = []
    for i, image in enumerate(images):
        label = label_dir / f"{image.stem}.png"
        if not label.is_file():
            raise DataError(f"{image}: has no label; expected {label}")
        frames.append(FrameRef(image, label, image.stem if per_image_clip else clip, i))
    return frames


class ChallengeClips(Reader):
    layout = "ROOT/<clip>/images/NNNNN.jpg with ROOT/<clip>/labels/NNNNN.png (class ids)"

    def __init__(self, root: Path):
        root = _require_dir(Path(root), self.layout)
        frames = []
        for clip_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            images = _require_dir(clip_dir / "images", self.layout)
            frames += _paired(images_in(images), _require_dir(clip_dir / "labels", self.layout),
                              clip_dir.name, per_image_clip=False)
        super().__init__(frames, root)


MASK_VALUES = ("ids", "binary", "matte")
MATTE_SURE = (77, 178)      # alpha x 255 at or below: background; at or above: person


def matte_label(alpha: np.ndarray, ignore_index: int) -> np.ndarray:
    """Soft alpha (uint8 0-255) -> 0 / 1 / ignore where the matte is between sure values."""
    label = np.full(alpha.shape, ignore_index, np.uint8)
    label[alpha <= MATTE_SURE[0]] = 0
    label[alpha >= MATTE_SURE[1]] = 1
    return label


class ImageMaskFolder(Reader):
    """Plain image + mask folders (PP-HumanSeg, Supervisely, DAVIS): masks match images by
    relative path and stem; sub-folders are clips (DAVIS: JPEGImages/<seq>, Annotations/<seq>).
    `mask_values="binary"` reads 0/255 (or 0/1) person masks as 0/1; `"matte"` reads a soft
    alpha matte (0-255, a teacher's: stage2_seg.teacher) as 1 where alpha >= 0.7, 0 where
    alpha <= 0.3 and the ignore index between, where the teacher is unsure."""
    layout = "ROOT/<image_dir>/[<clip>/]NAME.jpg with ROOT/<label_dir>/[<clip>/]NAME.png"

    def __init__(self, root: Path, image_dir: str = "images", label_dir: str = "masks",
                 mask_values: str = "ids", ignore_index: int = 255):
        root = Path(root)
        images_root = _require_dir(root / image_dir, self.layout)
        labels_root = _require_dir(root / label_dir, self.layout)
        if mask_values not in MASK_VALUES:
            raise ValueError(f"mask_values must be one of {MASK_VALUES}")
        self.binary = mask_values == "binary"
        self.matte, self.ignore_index = mask_values == "matte", ignore_index
        frames = []
        folders = [images_root] + sorted(p for p in images_root.rglob("*") if p.is_dir())
        for folder in folders:
            rel = folder.relative_to(images_root)
            frames += _paired(images_in(folder), labels_root / rel, str(rel),
                              per_image_clip=folder == images_root)
        super().__init__(frames, root)

    def _load_label(self, ref: FrameRef) -> np.ndarray:
        label = read_label(ref.label)
        if self.matte:
            return matte_label(label, self.ignore_index)
        if self.binary:
            values = np.unique(label)
            if not set(values.tolist()) <= {0, 1, 255}:
                raise DataError(f"{ref.label}: a binary mask may hold only 0 and 255 (or 0 and 1), "
                                f"found {values[:8].tolist()}; use mask_values=ids for class ids")
            label = (label > 0).astype(np.uint8)
        return label


class LaPa(Reader):
    layout = "ROOT (a split, e.g. LaPa/train)/images/NAME.jpg with ROOT/labels/NAME.png"

    def __init__(self, root: Path):
        root = Path(root)
        images = images_in(_require_dir(root / "images", self.layout))
        super().__init__(_paired(images, _require_dir(root / "labels", self.layout), "", True), root)


class Helen(Reader):
    """Helen face parsing: one grey-level mask per class, merged by argmax (ties: lower id)."""
    layout = "ROOT/images/NAME.jpg with ROOT/labels/NAME/NAME_lbl00.png .. NAME_lbl10.png"

    def __init__(self, root: Path, schema: ClassSchema):
        root = Path(root)
        self.num_classes = schema.num_classes
        labels = _require_dir(root / "labels", self.layout)
        frames = []
        for i, image in enumerate(images_in(_require_dir(root / "images", self.layout))):
            folder = labels / image.stem
            if not folder.is_dir():
                raise DataError(f"{image}: has no label folder; expected {folder}")
            frames.append(FrameRef(image, folder, image.stem, i))
        super().__init__(frames, root)

    def _load_label(self, ref: FrameRef) -> np.ndarray:
        masks = [read_label(ref.label / f"{ref.label.name}_lbl{c:02d}.png")
                 for c in range(self.num_classes)]
        if len({m.shape for m in masks}) != 1:
            raise DataError(f"{ref.label}: the per-class masks differ in size")
        return np.argmax(np.stack(masks), axis=0).astype(np.uint8)


class CelebAMaskHQ(Reader):
    """CelebAMask-HQ: per-part binary masks merged into one label map in schema order (later
    classes overwrite earlier ones). Masks are 512x512 while images are 1024x1024: images are
    resized down to the mask size, as the usual loaders do."""
    layout = ("ROOT/CelebA-HQ-img/ID.jpg with ROOT/CelebAMask-HQ-mask-anno/<ID // 2000>/"
              "<ID:05d>_<part>.png")

    def __init__(self, root: Path, schema: ClassSchema):
        root = Path(root)
        self.part_names = schema.class_names[1:]
        anno = _require_dir(root / "CelebAMask-HQ-mask-anno", self.layout)
        frames = []
        for image in images_in(_require_dir(root / "CelebA-HQ-img", self.layout)):
            if not image.stem.isdigit():
                raise DataError(f"{image}: CelebA-HQ image names are numeric ids")
            idx = int(image.stem)
            prefix = anno / str(idx // 2000) / f"{idx:05d}"
            if not prefix.parent.is_dir():
                raise DataError(f"{image}: its mask folder {prefix.parent} does not exist")
            frames.append(FrameRef(image, prefix, image.stem, idx))
        super().__init__(frames, root)

    def load(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        ref = self.frames[index]
        label = self._checked_label(ref)
        image = read_image(ref.image)
        if image.shape[:2] != label.shape:
            image = cv2.resize(image, label.shape[::-1], interpolation=cv2.INTER_AREA)
        return image, label

    def _load_label(self, ref: FrameRef) -> np.ndarray:
        label = None
        for class_id, part in enumerate(self.part_names, start=1):
            path = ref.label.with_name(f"{ref.label.name}_{part}.png")
            if not path.exists():
                continue            # absent parts have no file
            mask = read_label(path)
            if label is None:
                label = np.zeros(mask.shape, np.uint8)
            elif mask.shape != label.shape:
                raise DataError(f"{path}: mask size {mask.shape} differs from the other parts'")
            label[mask > 0] = class_id
        if label is None:
            raise DataError(f"{ref.image}: no part masks found ({ref.label}_*.png)")
        return label


# The data-set formats open_reader knows (config key data.format).
READER_FORMATS = ("challenge", "celebamask_hq", "lapa", "helen", "image_mask")


def open_reader(fmt: str, root: Path, schema: ClassSchema, image_dir: str = "images",
                label_dir: str = "masks", mask_values: str = "ids",
                ignore_index: int = 255) -> Reader:
    """The reader for a data-set format name (config key `data.format`); its labels are
    checked against the schema's classes and the ignore index as they are loaded."""
    if fmt == "challenge":
        reader: Reader = ChallengeClips(root)
    elif fmt == "image_mask":
        reader = ImageMaskFolder(root, image_dir, label_dir, mask_values, ignore_index)
    elif fmt == "lapa":
        reader = LaPa(root)
    elif fmt == "helen":
        reader = Helen(root, schema)
    elif fmt == "celebamask_hq":
        reader = CelebAMaskHQ(root, schema)
    else:
        raise DataError(f"unknown data format '{fmt}'")
    return reader.expect_classes(schema.num_classes, ignore_index)


def check_every_frame(reader: Reader, what: str, show_progress: bool = True) -> None:
    """Load every frame once (image, label, their sizes and label values), so a bad file ends
    the run now, naming the file, rather than hours into training."""
    from tqdm import tqdm   # only where a progress bar is shown
    for i in tqdm(range(len(reader)), desc=f"checking {what}", unit="frame",
                  disable=not show_progress, leave=False):
        reader.load(i)


def check_label_values(label: np.ndarray, num_classes: int, ignore_index: int, source: Path) -> None:
    """Labels must hold class ids of the schema or the ignore index."""
    bad = (label >= num_classes) & (label != ignore_index)
    if bad.any():
        values = sorted(set(np.unique(label[bad]).tolist()))
        raise DataError(f"{source}: label values {values[:8]} are not classes of a "
                        f"{num_classes}-class schema nor the ignore index {ignore_index}; "
                        "check the schema or data.mask_values")
