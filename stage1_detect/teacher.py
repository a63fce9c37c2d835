"""SCRFD-2.5G, a face detector from the package index, as stage 1's teacher and peer.

InsightFace's SCRFD-2.5G with keypoints: the ONNX file of the `scrfd==0.3.0` source
distribution (`models/scrfd.onnx`; `make train-deps` and `make bench-deps` extract it into
pretrained/). It labels faces on real frames that carry no face labels (tools/teacher_boxes.py)
and stands beside ours in bench/face_detectors.py. Its models are for non-commercial research,
like the project's data. Needs onnxruntime (a training and benchmark extra, never the demo's).

Decoding (written here from the model's outputs): the image is letterboxed top-left into
640x640 and scaled to (x - 127.5) / 128; per stride 8, 16 and 32 the network gives, for two
anchors per cell, a score and the distances from the cell's corner to the box's four sides in
strides; then greedy NMS at IoU 0.4.
"""
import json
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import cv2
import numpy as np

from facevid.boxes.detections import box_iou
from facevid.data.readers import images_under
from facevid.errors import UserError
from facevid.io.files import read_image, write_json
from facevid.io.onnx_models import onnx_session

SCRFD_FILE = Path(__file__).resolve().parent.parent / "pretrained" / "scrfd.onnx"
CACHE_FILE = "boxes.json"
SIZE = 640
STRIDES = (8, 16, 32)


class ScrfdTeacher:
    """`teacher(rgb)` -> (boxes N x 4 xyxy float32 in the frame's pixels, scores N), best first."""

    def __init__(self, onnx: Path = SCRFD_FILE, threshold: float = 0.3, nms_iou: float = 0.4,
                 threads: int = 2):
        # 9 outputs: a score, four distances and five keypoints per stride (8, 16, 32).
        self.session = onnx_session(onnx, threads, "SCRFD-2.5G (one 1 x 3 x 640 x 640 image in, "
                                    "nine score, box and keypoint maps out; `make train-deps` "
                                    "extracts it)", outputs=9, input_channels=3)
        self.input = self.session.get_inputs()[0].name
        self.threshold, self.nms_iou = threshold, nms_iou

    def __call__(self, frame: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        h, w = frame.shape[:2]
        scale = SIZE / max(h, w)
        canvas = np.zeros((SIZE, SIZE, 3), np.float32)
        canvas[:round(h * scale), :round(w * scale)] = cv2.resize(frame, (round(w * scale), round(h * scale)))
        outputs = self.session.run(None, {self.input: ((canvas - 127.5) / 128).transpose(2, 0, 1)[None]})
        boxes, scores = [], []
        for i, stride in enumerate(STRIDES):
            cells = SIZE // stride
            ys, xs = np.mgrid[:cells, :cells]
            corners = np.repeat(np.stack([xs, ys], -1).reshape(-1, 2) * stride, 2, axis=0)
            score = outputs[i].reshape(-1)
            sides = outputs[i + len(STRIDES)].reshape(-1, 4) * stride
            keep = score >= self.threshold
            boxes.append(np.concatenate([corners[keep] - sides[keep, :2], corners[keep] + sides[keep, 2:]], 1))
            scores.append(score[keep])
        boxes, scores = np.concatenate(boxes) / scale, np.concatenate(scores)
        chosen = []
        for i in np.argsort(-scores):
            if not chosen or box_iou(boxes[i:i + 1], boxes[chosen]).max() < self.nms_iou:
                chosen.append(i)
        return boxes[chosen].astype(np.float32).reshape(-1, 4), scores[chosen].astype(np.float32)


def read_box_cache(folder: Path) -> Dict:
    """A teacher-box cache (write_teacher_boxes): {"images": source folder, "teacher": ...,
    "min_score": ..., "boxes": {relative image path: {"boxes": [[x0, y0, x1, y1]], "scores": []}}}."""
    path = Path(folder) / CACHE_FILE
    if not path.is_file():
        raise UserError(f"{path}: no teacher boxes here; make them with tools/teacher_boxes.py")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise UserError(f"{path}: not a teacher-box cache ({err}); delete it and run "
                        "tools/teacher_boxes.py again") from err


def fill_box_cache(images_root: Path, out: Path, teacher_name: str, min_score: float,
                   label: Callable[[Path, np.ndarray], Dict], progress: Optional[Callable] = None,
                   save_every: int = 50) -> int:
    """OUT/boxes.json filled with `label(relative path, rgb)` (the image's entry: "boxes",
    "scores" and what else the teacher records) for every image under `images_root` not in it
    yet, saved atomically every `save_every` images: a stopped run resumes. Refuses a cache of
    other images or another min score. Returns how many images were labelled."""
    images_root, out = Path(images_root).resolve(), Path(out)
    cache = {"images": str(images_root), "teacher": teacher_name, "min_score": min_score, "boxes": {}}
    if (out / CACHE_FILE).is_file():
        cache = read_box_cache(out)
        if cache["images"] != str(images_root) or cache["min_score"] != min_score:
            raise UserError(f"{out} holds boxes of {cache['images']} at min score "
                            f"{cache['min_score']}: choose another --out")
    todo = [p for p in images_under(images_root)
            if str(p.relative_to(images_root)) not in cache["boxes"]]
    for done, image in enumerate(progress(todo) if progress else todo, 1):
        rel = image.relative_to(images_root)
        cache["boxes"][str(rel)] = label(rel, read_image(image))
        if done % save_every == 0 or done == len(todo):
            write_json(out / CACHE_FILE, cache)
    return len(todo)


def write_teacher_boxes(images_root: Path, out: Path, teacher: Callable, min_score: float,
                        progress: Optional[Callable] = None, save_every: int = 50) -> int:
    """The teacher's boxes (score >= min_score) for every image under `images_root` not in
    OUT/boxes.json yet (fill_box_cache). Returns how many images were labelled."""
    def label(rel: Path, rgb: np.ndarray) -> Dict:
        boxes, scores = teacher(rgb)
        keep = scores >= min_score
        return {"boxes": np.round(boxes[keep].astype(float), 1).tolist(),
                "scores": np.round(scores[keep].astype(float), 3).tolist()}
    return fill_box_cache(images_root, out, "SCRFD-2.5G (scrfd==0.3.0 sdist, models/scrfd.onnx)",
                          min_score, label, progress, save_every)
