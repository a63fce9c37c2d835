"""Stage-2 samples: face crops (boxes derived from the ground-truth masks, as the recipe trains
stage 2) or whole frames, with the training augmentations and the network's normalisation."""
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import cv2
import numpy as np

from facevid.errors import DataError
from facevid.crops import crop, expand_box, face_boxes
from facevid.readers import Reader, check_label_values
from facevid.splits import face_ids, open_split
from facevid.schema import ClassSchema
from facevid.files import read_image
from facevid.readers import IMAGE_SUFFIXES
from stage2_seg.augment import SIDES, color_jitter, mirror, partial_box, paste_onto, rotate

Box = Tuple[int, int, int, int]


def crop_boxes(cfg: Dict[str, Any], label: np.ndarray) -> List[Box]:
    """Evaluation crops of one frame: every mask-derived face box with the configured margin,
    or the whole frame (in frame mode). May be empty in face mode (a frame without faces)."""
    h, w = label.shape
    if cfg["data"]["crop"] == "frame":
        return [(0, 0, w, h)]
    return [expand_box(b, cfg["data"]["face_margin"], (w, h))
            for b in face_boxes(label, face_ids(cfg), cfg["data"]["min_face_pixels"])]


def normalize(image: np.ndarray) -> np.ndarray:
    """RGB uint8 H x W x 3 -> float32 3 x H x W in [-1, 1] (PaddleSeg's mean 0.5, std 0.5)."""
    return (image.astype(np.float32).transpose(2, 0, 1) / 127.5) - 1.0


class TrainSamples:
    """Map-style data set; items are addressed by (frame index, augmentation seed) so that the
    augmentation is fixed by the seed, whatever worker or process draws it."""

    def __init__(self, cfg: Dict[str, Any], reader: Optional[Reader] = None):
        self.cfg = cfg
        self.reader = reader or open_split(cfg, "train")
        self.schema: ClassSchema = cfg["_schema"]
        self.lut = self.schema.mirror_lut()
        self.ids = face_ids(cfg)
        self.backgrounds = list_backgrounds(cfg["data"]["backgrounds_root"])

    def __len__(self) -> int:
        return len(self.reader)

    def __getitem__(self, key: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
        index, seed = key
        rng = np.random.default_rng(seed)
        data, train = self.cfg["data"], self.cfg["train"]
        image, label = self.reader.load(index)
        check_label_values(label, self.schema.num_classes, data["ignore_index"],
                           self.reader.frames[index].label)
        image, label = self._scene(image, label, rng)
        h, w = label.shape
        box: Box = (0, 0, w, h)
        if data["crop"] == "face":
            boxes = face_boxes(label, self.ids, data["min_face_pixels"])
            if boxes:   # frames without a face train on the whole frame (all background)
                shift = rng.uniform(-train["shift_jitter"], train["shift_jitter"], 2)
                box = expand_box(boxes[rng.integers(len(boxes))], data["face_margin"], (w, h),
                                 scale=rng.uniform(*train["scale_jitter"]), shift=tuple(shift))
                if rng.random() < train["partial_crop_prob"]:
                    box = partial_box(box, SIDES[rng.integers(4)], (1 / 3, 2 / 3)[rng.integers(2)])
        size = tuple(train["crop_size"])
        image, _ = crop(image, box, size)
        label, _ = crop(label, box, size, is_label=True)
        if rng.random() < train["flip_prob"]:
            image, label = mirror(image, label, self.lut)
        if train["rotate_deg"] > 0:
            angle = rng.uniform(-train["rotate_deg"], train["rotate_deg"])
            image, label = rotate(image, label, angle, data["ignore_index"])
        if any(train["color_jitter"]):
            image = color_jitter(image, *(1 + rng.uniform(-j, j) for j in train["color_jitter"]))
        return normalize(image), label.astype(np.int64)

    def _scene(self, image: np.ndarray, label: np.ndarray, rng: np.random.Generator
               ) -> Tuple[np.ndarray, np.ndarray]:
        """With data.backgrounds_root: sometimes a scene with nobody in it (a negative), sometimes
        the frame's labelled people pasted onto another scene at a random scale and place."""
        if not self.backgrounds:
            return image, label
        train = self.cfg["train"]
        draw = rng.random()
        if draw < train["negative_prob"] + train["paste_prob"]:
            background = read_image(self.backgrounds[rng.integers(len(self.backgrounds))])
            if draw < train["negative_prob"]:
                h, w = label.shape
                return cv2.resize(background, (w, h), interpolation=cv2.INTER_AREA), np.zeros_like(label)
            lo, hi = train["paste_scale"]
            return paste_onto(image, label, background, rng.uniform(lo, hi), tuple(rng.random(2)),
                              self.cfg["data"]["ignore_index"])
        return image, label


def list_backgrounds(root: Optional[str]) -> List[Path]:
    """Images of a folder of scenes without labelled people (no labels needed)."""
    if root is None:
        return []
    folder = Path(root)
    if not folder.is_dir():
        raise DataError(f"data.backgrounds_root {folder}: folder not found")
    images = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise DataError(f"data.backgrounds_root {folder}: holds no images")
    return images
