"""Detector samples: frames with face/person boxes derived from their masks, resized so the
long and short sides fit `train.image_size`, horizontally flipped at random (the recipe's only
augmentation), normalised with ImageNet statistics, batched with padding to a multiple of 32
(the FPN halves the resolution five times)."""
from typing import Any, Dict, List, Sequence, Tuple

import cv2
import numpy as np
import paddle

from facevid.config.sections import DetConfig
from facevid.boxes.mask_boxes import boxes_from_label, detector_categories
from facevid.data.readers import Reader
from facevid.data.splits import face_ids, open_split
from stage1_detect.box_sets import open_box_set, zoom_to_face

MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255
STD = np.array([0.229, 0.224, 0.225], np.float32) * 255
STRIDE = 32


def resize_for_detector(image: np.ndarray, image_size: Sequence[int]) -> Tuple[np.ndarray, float]:
    """Scale an RGB image so its long side <= image_size[0] and short side <= image_size[1]."""
    h, w = image.shape[:2]
    scale = min(image_size[0] / max(h, w), image_size[1] / min(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), scale


def to_chw(image: np.ndarray) -> np.ndarray:
    return ((image.astype(np.float32) - MEAN) / STD).transpose(2, 0, 1)


def categories(cfg: DetConfig) -> List[int]:
    """COCO category ids of the detector's class indices (facevid.boxes.mask_boxes)."""
    return detector_categories(cfg.data.face_boxes, cfg.data.person_boxes)


def gt_boxes(cfg: DetConfig, label: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mask-derived boxes (M x 4 xyxy float32) and the detector's class indices (M)."""
    data = cfg.data
    found = boxes_from_label(label, face_ids(cfg), data.ignore_index, data.min_region_pixels,
                             with_persons=data.person_boxes, with_faces=data.face_boxes)
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (b["bbox"] for b in found)],
                     np.float32).reshape(-1, 4)
    order = categories(cfg)
    classes = np.array([order.index(b["category_id"]) for b in found], np.int32)
    return boxes, classes


class DetSamples:
    """Training samples addressed by (frame index, augmentation seed), like stage 2's. With
    data.box_sets, a sample is drawn from a teacher-boxed set with that set's share (a frame
    of it chosen by the seed) and from the main set otherwise."""

    def __init__(self, cfg: DetConfig, split: str = "train"):
        self.cfg = cfg
        self.reader: Reader = open_split(cfg, split)
        self.box_sets = [open_box_set(entry) for entry in cfg.data.box_sets] if split == "train" else []

    def __len__(self) -> int:
        return len(self.reader)

    def _load(self, index: int, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(image, boxes, class indices) of the main set's frame `index` or of a box set."""
        draw = rng.random() if self.box_sets else 1.0   # main-set-only runs draw as before
        for box_set in self.box_sets:
            if draw < box_set.share:
                image, boxes = box_set.load(int(rng.integers(len(box_set))))
                if rng.random() < box_set.zoom_prob:
                    image, boxes = zoom_to_face(image, boxes, rng, self.cfg.train.image_size,
                                                box_set.zoom_face_px)
                return image, boxes, np.zeros(len(boxes), np.int32)    # the one class: faces or people
            draw -= box_set.share
        image, label = self.reader.load(index)
        return (image, *gt_boxes(self.cfg, label))

    def __getitem__(self, key: Tuple[int, int]) -> Dict[str, np.ndarray]:
        index, seed = key
        rng = np.random.default_rng(seed)
        image, boxes, classes = self._load(index, rng)
        if rng.random() < self.cfg.train.flip_prob:
            w = image.shape[1]
            image = image[:, ::-1]
            boxes = np.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
        image, scale = resize_for_detector(np.ascontiguousarray(image), self.cfg.train.image_size)
        return {"image": to_chw(image), "im_shape": np.float32(image.shape[:2]),
                "scale_factor": np.float32([scale, scale]), "gt_bbox": boxes * scale,
                "gt_class": classes[:, None]}


def detector_inputs(frame: np.ndarray, image_size: Sequence[int]) -> Dict[str, np.ndarray]:
    """The network's inputs for one RGB frame, as numpy: resized, normalised, padded to 32."""
    image, scale = resize_for_detector(frame, image_size)
    h, w = -(-image.shape[0] // STRIDE) * STRIDE, -(-image.shape[1] // STRIDE) * STRIDE
    padded = np.zeros((1, 3, h, w), np.float32)
    padded[0, :, : image.shape[0], : image.shape[1]] = to_chw(image)
    return {"image": padded, "im_shape": np.float32([image.shape[:2]]),
            "scale_factor": np.float32([[scale, scale]])}


def collate(samples: List[Dict[str, np.ndarray]]) -> Dict[str, Any]:
    """Pad images to one size (a multiple of 32) and make the model's input dict of tensors;
    boxes and classes stay per-image lists, as ppdet's R-CNN heads expect."""
    h = max(s["image"].shape[1] for s in samples)
    w = max(s["image"].shape[2] for s in samples)
    h, w = -(-h // STRIDE) * STRIDE, -(-w // STRIDE) * STRIDE
    images = np.zeros((len(samples), 3, h, w), np.float32)
    for i, s in enumerate(samples):
        images[i, :, : s["image"].shape[1], : s["image"].shape[2]] = s["image"]
    batch = {"image": paddle.to_tensor(images),
             "im_shape": paddle.to_tensor(np.stack([s["im_shape"] for s in samples])),
             "scale_factor": paddle.to_tensor(np.stack([s["scale_factor"] for s in samples]))}
    if "gt_bbox" in samples[0]:
        batch["gt_bbox"] = [paddle.to_tensor(s["gt_bbox"].astype(np.float32)) for s in samples]
        batch["gt_class"] = [paddle.to_tensor(s["gt_class"].astype(np.int32)) for s in samples]
    return batch
