"""Stage-2 samples: face or person crops (boxes derived from the ground-truth masks, as the
recipe trains stage 2) or whole frames (a window of the crop's aspect ratio), optionally mixed
with extra sets, pasted onto other scenes, given a previous-mask channel, with the training
augmentations and the network's normalisation."""
from pathlib import Path
from typing import List, Optional, Tuple

import cv2
import numpy as np
import paddle

from facevid.config.sections import SegConfig
from facevid.boxes.crops import crop, expand_box, region_boxes
from facevid.errors import DataError
from facevid.data.extra_sets import open_extra_sets
from facevid.data.mattes import (KNOWN, TeacherMattes, band_pixels, banded_targets, hard_targets,
                                 matte_targets, read_mattes_folder)
from facevid.io.files import read_image, read_label
from facevid.boxes.mask_boxes import person_boxes
from facevid.data.readers import IMAGE_SUFFIXES, FrameRef, Reader
from facevid.data.schema import ClassSchema
from facevid.data.splits import face_ids, open_split
from stage2_seg.preprocess import normalize
from stage2_seg.augment import SIDES, color_jitter, mirror, partial_box, paste_onto, rotate
from stage2_seg.temporal import simulated_prev_mask, with_prev_channel

Box = Tuple[int, int, int, int]


def label_boxes(label: np.ndarray, mode: str, face_class_ids: List[int], ignore_index: int,
                min_pixels: int) -> List[Tuple[float, float, float, float]]:
    """Boxes of the ground truth a model of crop `mode` is trained and evaluated on: each
    connected face (face), each connected non-background region (person); none for frame."""
    if mode == "face":
        return region_boxes(label, face_class_ids, min_pixels)
    if mode == "person":
        return person_boxes(label, ignore_index, min_pixels)
    return []


def gt_crop_boxes(cfg: SegConfig, label: np.ndarray) -> List[Box]:
    """Evaluation crops of one frame: the crop rule applied to the mask-derived boxes (an
    oracle detector), or the whole frame in frame mode. May be empty (nobody in the frame)."""
    h, w = label.shape
    data = cfg.data
    if data.crop == "frame":
        return [(0, 0, w, h)]
    return [expand_box(b, data.crop_margin, (w, h))
            for b in label_boxes(label, data.crop, face_ids(cfg), data.ignore_index,
                                 data.min_region_pixels)]


class TrainSamples:
    """Map-style data set; items are addressed by (frame index, augmentation seed) so that the
    augmentation is fixed by the seed, whatever worker or process draws it."""

    def __init__(self, cfg: SegConfig, reader: Optional[Reader] = None):
        self.cfg = cfg
        self.reader = reader or open_split(cfg, "train")
        self.schema: ClassSchema = cfg.class_schema
        self.lut = self.schema.mirror_lut()
        self.ids = face_ids(cfg)
        self.backgrounds = list_backgrounds(cfg.data.backgrounds_root)
        self.extra = open_extra_sets(self.schema, cfg.data.extra_sets, cfg.data.ignore_index)
        self.mattes = read_mattes_folder(cfg.data.teacher_mattes)
        self.prev_noise = (cfg.train.prev_mask if cfg.in_channels == 4
                           else None)
        # Items past the main set's come from the extra sets, in proportion to their shares.
        main_share = 1.0 - sum(e.share for e in self.extra)
        total = len(self.reader) / main_share
        self.extra_counts = [int(round(total * e.share)) for e in self.extra]

    def __len__(self) -> int:
        return len(self.reader) + sum(self.extra_counts)

    def load(self, index: int, rng: np.random.Generator
             ) -> Tuple[np.ndarray, np.ndarray, List[int], Optional[np.ndarray]]:
        """Item `index`: image, label in the main schema's ids (extra sets relabelled, partial
        labels as PARTIAL_BASE + k), the ids that make up a face there, and with a learned
        alpha its targets (facevid.data.mattes). An extra-set item is a random image of that
        set (drawn with the item's seed, so every image is used)."""
        if index < len(self.reader):
            image, label = self.reader.load(index)
            return image, label, self.ids, self._targets(label, self.reader.frames[index],
                                                         self.mattes, False)
        index -= len(self.reader)
        for extra, count in zip(self.extra, self.extra_counts):
            if index < count:
                pick = int(rng.integers(len(extra.reader)))
                image, label = extra.reader.load(pick)
                label = extra.lut[label]
                return image, label, extra.face_ids, self._targets(
                    label, extra.reader.frames[pick], extra.mattes, extra.is_matte)
            index -= count
        raise IndexError(index)

    def _targets(self, label: np.ndarray, ref: FrameRef, mattes: Optional[TeacherMattes],
                 is_matte: bool) -> Optional[np.ndarray]:
        if not self.cfg.learns_alpha:
            return None
        if is_matte:                        # the label file is the teacher's matte
            return matte_targets(read_label(ref.label))
        ignore = self.cfg.data.ignore_index
        if mattes is None:
            return hard_targets(label, ignore)
        return banded_targets(label, mattes.load(ref.image), ignore,
                              band_pixels(label.shape, self.cfg.train.alpha_band))

    def __getitem__(self, key: Tuple[int, int]) -> Tuple[np.ndarray, ...]:
        """(normalised image C x h x w, label h x w) and with a learned alpha its targets
        2 x h x w in [0, 1] (alpha, known)."""
        index, seed = key
        rng = np.random.default_rng(seed)
        data, train = self.cfg.data, self.cfg.train
        image, label, ids, targets = self.load(index, rng)
        if targets is not None:     # target planes ride on the image through every change
            image = np.dstack([image, targets])
        image, label = self._scene(image, label, rng)
        extra = image.shape[2] - 3
        image, targets = image[..., :3], image[..., 3:] if extra else None
        if self.prev_noise is not None:      # the 4th channel follows every geometric change
            image = with_prev_channel(image, simulated_prev_mask(label, data.ignore_index,
                                                                 self.prev_noise, rng))
        if targets is not None:
            image = np.dstack([image, targets])
        h, w = label.shape
        box: Box = aspect_window((w, h), tuple(train.crop_size), rng)
        if data.crop != "frame":
            boxes = label_boxes(label, data.crop, ids, data.ignore_index,
                                data.min_region_pixels)
            if boxes:   # frames without a face train on the whole frame (all background)
                shift = rng.uniform(-train.shift_jitter, train.shift_jitter, 2)
                box = expand_box(boxes[rng.integers(len(boxes))], data.crop_margin, (w, h),
                                 scale=rng.uniform(*train.scale_jitter), shift=tuple(shift))
                if rng.random() < train.partial_crop_prob:
                    box = partial_box(box, SIDES[rng.integers(4)], (1 / 3, 2 / 3)[rng.integers(2)])
        size = tuple(train.crop_size)
        image, _ = crop(image, box, size)
        label, _ = crop(label, box, size, is_label=True)
        if rng.random() < train.flip_prob:
            image, label = mirror(image, label, self.lut)
        if train.rotate_deg > 0:
            angle = rng.uniform(-train.rotate_deg, train.rotate_deg)
            image, label = rotate(image, label, angle, data.ignore_index)
        if any(train.color_jitter):
            image[..., :3] = color_jitter(image[..., :3],
                                          *(1 + rng.uniform(-j, j) for j in train.color_jitter))
        if targets is None:
            return normalize(image), label.astype(np.int64)
        targets = image[..., -2:].transpose(2, 0, 1).astype(np.float32) / 255
        targets[1] = targets[1] > 0.5       # padded, rotated-in or ignored: unknown
        return normalize(image[..., :-2]), label.astype(np.int64), targets

    def _scene(self, image: np.ndarray, label: np.ndarray, rng: np.random.Generator
               ) -> Tuple[np.ndarray, np.ndarray]:
        """With data.backgrounds_root: sometimes a scene with nobody in it (a negative), sometimes
        the frame's labelled people pasted onto another scene at a random scale and place.
        Planes stacked after RGB (alpha targets) are background there: 0, and known."""
        if not self.backgrounds:
            return image, label
        train = self.cfg.train
        draw = rng.random()
        if draw < train.negative_prob + train.paste_prob:
            background = read_image(self.backgrounds[rng.integers(len(self.backgrounds))])
            h, w = label.shape
            background = cv2.resize(background, (w, h), interpolation=cv2.INTER_AREA)
            if image.shape[2] > 3:             # alpha targets ride along
                background = np.dstack([background, np.zeros((h, w), np.uint8),
                                        np.full((h, w), KNOWN, np.uint8)])
            if draw < train.negative_prob:
                return background, np.zeros_like(label)
            lo, hi = train.paste_scale
            return paste_onto(image, label, background, rng.uniform(lo, hi), tuple(rng.random(2)),
                              self.cfg.data.ignore_index)
        return image, label


def aspect_window(frame_size: Tuple[int, int], crop_size: Tuple[int, int],
                  rng: np.random.Generator) -> Box:
    """The largest window of the crop's aspect ratio inside the frame, at a random place, so a
    whole-frame sample is not stretched (a square photo for a 16:9 model gives a 16:9 band)."""
    w, h = frame_size
    target = crop_size[0] / crop_size[1]
    if abs(w / h - target) < 0.05 * target:
        return 0, 0, w, h
    if w / h > target:
        cw = max(1, round(h * target))
        x0 = int(rng.integers(0, w - cw + 1))
        return x0, 0, x0 + cw, h
    ch = max(1, round(w / target))
    y0 = int(rng.integers(0, h - ch + 1))
    return 0, y0, w, y0 + ch


def collate_seg(samples: List[Tuple[np.ndarray, ...]]) -> Tuple[paddle.Tensor, ...]:
    """Images N x C x h x w float32, labels N x h x w int64 and, when the samples carry them,
    alpha targets N x 2 x h x w float32, as tensors."""
    return tuple(paddle.to_tensor(np.stack([s[k] for s in samples]))
                 for k in range(len(samples[0])))


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
