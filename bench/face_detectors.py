"""Face detection on held-out real images, ours beside MediaPipe's and SCRFD's, in one run.

The two detectors draw boxes differently (ours: the mask-derived face box, skin to chin and
ears; MediaPipe's: a tighter box around eyes, nose and mouth), so IoU recall would not be
fair. Both are scored on what stage 2 needs: the fraction of ground-truth face pixels that fall
inside the crops a parser would cut from their boxes (each box grown by the parser's margin,
square, clipped; the whole frame when nothing is found, counted as a fallback; and the same
without the fallback, so an image with nothing found counts as missed), and on milliseconds
per image. For ours, recall at IoU 0.5 is also given.

Sets (all held out from training): the celebamask_1k validation faces (faces filling the
photo), the lfw_parts validation people (faces a third of the photo), and face scenes made
from both at video scales (tools/make_face_scenes.py --split val); and the held-out
davis_backgrounds scenes, where nobody is: false boxes per frame. With --real-frames, the
held-out real frames of people whose faces SCRFD-2.5G boxed (tools/teacher_boxes.py; DAVIS
faces are 10-40 px wide): AP50 and recall against the teacher's sure faces, and boxes on no
teacher face per frame (MediaPipe's tighter boxes lose IoU there too).

Example:
  python bench/face_detectors.py --detector configs/stage1_cascade_rcnn_faces_cpu.yml \\
      --weights weights/face_detector.pdparams --scenes data/face_scenes/val \\
      --real-frames davis_person=runs/teacher_boxes/davis_person \\
      --out bench/results/face_detectors
"""
import argparse
import json
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from facevid.cli import run_main
from facevid.config.sections import BoxSetEntry
from facevid.boxes.crops import boxes_mask, region_boxes
from facevid.boxes.detections import Detections, box_iou, crop_boxes
from facevid.boxes.mask_boxes import CATEGORIES, FACE
from facevid.io.files import read_image, write_json, write_text
from facevid.data.readers import ChallengeClips, ImageMaskFolder, Reader
from facevid.data.schema import load_schema
from facevid.data.splits import read_split_file, select_frames
from facevid.errors import UserError
from facevid.synthetic.face_scenes import split_backgrounds
from stage1_detect.box_sets import BoxSet, open_box_set, zoom_to_face
from stage1_detect.evaluate import add_coco_frame, coco_ap

ROOT = Path(__file__).resolve().parent.parent
Detect = Callable[[np.ndarray], Tuple[np.ndarray, np.ndarray]]   # RGB -> boxes N x 4 xyxy, scores N


def mediapipe_detector(full_range: bool, threshold: float) -> Detect:
    import mediapipe as mp
    model = mp.solutions.face_detection.FaceDetection(model_selection=int(full_range),
                                                      min_detection_confidence=threshold)

    def run(frame: np.ndarray) -> np.ndarray:
        h, w = frame.shape[:2]
        found = model.process(frame).detections or []
        boxes = [(d.location_data.relative_bounding_box.xmin * w, d.location_data.relative_bounding_box.ymin * h,
                  (d.location_data.relative_bounding_box.xmin + d.location_data.relative_bounding_box.width) * w,
                  (d.location_data.relative_bounding_box.ymin + d.location_data.relative_bounding_box.height) * h)
                 for d in found]
        return np.array(boxes, np.float32).reshape(-1, 4), np.array([d.score[0] for d in found], np.float32)
    return run


def scrfd_detector(onnx: Path, threshold: float) -> Detect:
    """SCRFD-2.5G (stage1_detect/teacher.py; `make bench-deps` extracts it)."""
    from stage1_detect.teacher import ScrfdTeacher
    if not Path(onnx).is_file():
        raise ImportError(f"{onnx} not found (make bench-deps extracts it)")
    try:
        return ScrfdTeacher(Path(onnx), threshold)
    except UserError as err:
        raise ImportError(str(err)) from err


def our_detector(config: str, weights: str, opts: List[str]) -> Detect:
    from stage1_detect.detector import Detector
    detector = Detector.from_files(Path(config), Path(weights), opts)

    def run(frame: np.ndarray) -> np.ndarray:
        dets = detector(frame)
        face = dets.class_ids == FACE
        return dets.boxes[face], dets.scores[face]
    return run


def score(detect: Detect, reader: Reader, face_ids: List[int], lut: np.ndarray, margin: float,
          limit: Optional[int] = None) -> Dict[str, float]:
    inside = detected_inside = total = hits = truths = fallbacks = 0
    seconds = []
    n = len(reader) if limit is None else min(limit, len(reader))
    for i in range(n):
        image, label = reader.load(i)
        label = lut[label]
        tic = time.perf_counter()
        boxes, _ = detect(image)
        seconds.append(time.perf_counter() - tic)
        h, w = label.shape
        dets = Detections(boxes, np.ones(len(boxes), np.float32), np.ones(len(boxes), np.int64))
        crops = crop_boxes(dets, (w, h), margin, True, 1, fallback_whole_frame=True)
        fallbacks += not len(boxes)
        covered = boxes_mask(crops, (h, w))
        face = np.isin(label, face_ids)
        inside += int((face & covered).sum())
        if len(boxes):                       # the same without the whole-frame fallback
            detected_inside += int((face & covered).sum())
        total += int(face.sum())
        truth = np.array(region_boxes(label, face_ids), np.float32).reshape(-1, 4)
        truths += len(truth)
        if len(truth) and len(boxes):
            hits += int((box_iou(truth, boxes).max(1) >= 0.5).sum())
    steady = seconds[3:] if len(seconds) > 3 else seconds
    return {"face_pixels_in_crops": inside / max(1, total),
            "face_pixels_in_detected_crops": detected_inside / max(1, total),
            "recall_iou50": hits / max(1, truths),
            "fallback_images": fallbacks, "images": n, "ms_per_image": 1000 * float(np.mean(steady))}


def score_empty(detect: Detect, scenes: List[Path], limit: Optional[int]) -> Dict[str, float]:
    """Boxes on held-out scenes with nobody in them: every one is a false box."""
    counts = [len(detect(read_image(path))[0]) for path in scenes[:limit]]
    return {"false_boxes_per_frame": float(np.mean(counts)) if counts else 0.0,
            "frames_with_a_box": int(sum(c > 0 for c in counts)), "images": len(counts)}


class ZoomedFrames:
    """Held-out real frames, each zoomed (seeded by its index) around one of its faces so that
    face is 48-192 px wide at the frame's own size: DAVIS faces are 10-40 px, below the range a
    face pipeline is for; the zoom is the training's (at most 4x)."""

    def __init__(self, frames: BoxSet):
        self.frames = frames

    def __len__(self) -> int:
        return len(self.frames)

    def load(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        image, boxes = self.frames.load(index)
        size = (max(image.shape[:2]), min(image.shape[:2]))
        return zoom_to_face(image, boxes, np.random.default_rng(index), size, (48.0, 192.0))


METHODS = ("ours", "MediaPipe short-range", "MediaPipe full-range", "SCRFD-2.5G")


def real_frame_sets(specs: List[str]) -> Dict[str, BoxSet]:
    """NAME=FOLDER pairs: teacher-box caches (tools/teacher_boxes.py) of real frames, each
    scored on the val side of configs/splits/NAME.yml, with the training's rules (sure at 0.5,
    frames with an unsure face left out), as they are and zoomed around a face."""
    out = {}
    for spec in specs:
        name, _, folder = spec.partition("=")
        entry = BoxSetEntry(root=folder, share=1.0,           # the training's sure/unsure scores
                            split_file=str(ROOT / "configs" / "splits" / f"{name}.yml"))
        frames = open_box_set(entry, side="val")
        out[f"{name} val, real frames (SCRFD's sure faces)"] = frames
        out[f"{name} val, real frames zoomed to 48-192 px faces"] = ZoomedFrames(frames)
    return out


def score_real(detect: Detect, frames: BoxSet, limit: Optional[int]) -> Dict[str, float]:
    """Ours against the teacher's sure faces on held-out real frames of people: AP50, recall at
    IoU 0.5, and boxes that overlap no teacher face (IoU < 0.3) per frame, an upper bound on
    false boxes (the teacher misses some faces)."""
    gt = {"images": [], "annotations": [], "categories": [c for c in CATEGORIES if c["id"] == FACE]}
    results, hits, truths, stray, seconds = [], 0, 0, 0, []
    n = len(frames) if limit is None else min(limit, len(frames))
    for i in range(n):
        image, truth = frames.load(i)
        tic = time.perf_counter()
        boxes, scores = detect(image)
        seconds.append(time.perf_counter() - tic)
        add_coco_frame(gt, results, (image.shape[1], image.shape[0]), truth, [FACE] * len(truth),
                       Detections(boxes, scores, np.full(len(boxes), FACE)))
        truths += len(truth)
        overlap = box_iou(truth, boxes) if len(truth) and len(boxes) else np.zeros((len(truth), len(boxes)))
        hits += int((overlap.max(1, initial=0) >= 0.5).sum())
        stray += int((overlap.max(0, initial=0) < 0.3).sum())
    steady = seconds[3:] if len(seconds) > 3 else seconds
    return {"AP50": coco_ap(gt, results)["AP50"], "recall_iou50": hits / max(1, truths),
            "faces": truths, "boxes_on_no_teacher_face_per_frame": stray / max(1, n), "images": n,
            "ms_per_image": 1000 * float(np.mean(steady))}


def scenes_name(folder: Path) -> str:
    """A face-scenes folder named by what its meta.json says of it."""
    meta = json.loads((folder / "meta.json").read_text()) if (folder / "meta.json").is_file() else {}
    if "face_px" not in meta:
        return f"face scenes {folder}"
    (low, high), (w, h) = meta["face_px"], meta["size"]
    return f"face scenes val ({low:.0f}-{high:.0f} px faces in {w}x{h} scenes)"


def held_out_sets(celebamask: Path, lfw: Path, scenes: List[Path]) -> Dict[str, Tuple[Reader, np.ndarray]]:
    """name -> (reader, lut to CelebAMask-HQ ids) for each held-out set that is given."""
    schema = load_schema("celebamask_hq")
    identity = np.arange(256, dtype=np.uint8)
    out: Dict[str, Tuple[Reader, np.ndarray]] = {}
    if celebamask:
        split = ROOT / "configs" / "splits" / "celebamask_1k.yml"
        reader = select_frames(ImageMaskFolder(celebamask, "images", "labels"), read_split_file(split)["val"], split)
        out["celebamask_1k val (faces fill the photo)"] = (reader, identity)
    if lfw:
        split = ROOT / "configs" / "splits" / "lfw_parts.yml"
        reader = select_frames(ImageMaskFolder(lfw, "images", "labels"), read_split_file(split)["val"], split)
        lut = identity.copy()
        lut[1], lut[2] = schema.index("skin"), schema.index("hair")
        out["lfw_parts val (a third of the photo)"] = (reader, lut)
    for folder in scenes:
        out[scenes_name(folder)] = (ChallengeClips(folder), identity)
    return out


def write_results(out: Path, rows: Dict[str, Dict[str, float]], skipped: Dict[str, str],
                  args: argparse.Namespace) -> None:
    write_json(out / "results.json", {"rows": rows, "skipped": skipped, "margin": args.margin,
                                      "detector": args.detector, "weights": args.weights,
                                      "detector_opts": args.detector_opts})
    cols = ("face_pixels_in_crops", "face_pixels_in_detected_crops", "recall_iou50", "AP50", "faces",
            "boxes_on_no_teacher_face_per_frame", "fallback_images", "false_boxes_per_frame",
            "frames_with_a_box", "images", "ms_per_image")
    lines = ["| detector | set | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for key, row in rows.items():
        lines.append(f"| {key} | " + " | ".join("" if c not in row else f"{row[c]:.4f}"
                                               if isinstance(row[c], float) else str(row[c])
                                               for c in cols) + " |")
    lines += [f"skipped {k}: {v}" for k, v in skipped.items()]
    write_text(out / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detector", required=True, help="our stage-1 config")
    parser.add_argument("--weights", required=True, help="its weights")
    parser.add_argument("--detector-opts", nargs="*", default=[],
                        help="overrides of our detector's config, e.g. the face pipeline's operating "
                             "point: infer.score_threshold=0.5 'train.image_size=[512,288]'")
    parser.add_argument("--celebamask", default=str(ROOT.parent / "shared" / "data" / "celebamask_1k"),
                        help="celebamask_1k folder ('' leaves the set out)")
    parser.add_argument("--lfw", default=str(ROOT.parent / "shared" / "data" / "lfw_parts"),
                        help="lfw_parts folder ('' leaves the set out)")
    parser.add_argument("--scenes", nargs="*", default=[],
                        help="folders of face scenes made with tools/make_face_scenes.py --split val")
    parser.add_argument("--margin", type=float, default=0.4, help="the parsers' crop margin (default 0.4)")
    parser.add_argument("--mediapipe-threshold", type=float, default=0.3,
                        help="MediaPipe's min_detection_confidence (default 0.3, for recall)")
    parser.add_argument("--scrfd-onnx", default=str(ROOT / "pretrained" / "scrfd.onnx"),
                        help="SCRFD-2.5G's ONNX file (make bench-deps puts it here)")
    parser.add_argument("--scrfd-threshold", type=float, default=0.3)
    parser.add_argument("--backgrounds", default=str(ROOT.parent / "shared" / "data" / "davis_backgrounds"),
                        help="davis_backgrounds: its held-out scenes count false boxes")
    parser.add_argument("--real-frames", nargs="*", default=[], metavar="NAME=FOLDER",
                        help="teacher-box caches of real frames (tools/teacher_boxes.py), scored on "
                             "the val side of configs/splits/NAME.yml, e.g. "
                             "davis_person=runs/teacher_boxes/davis_person (SCRFD, the teacher, "
                             "is not scored there)")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS),
                        help="which detectors to run (default: all)")
    parser.add_argument("--limit", type=int, help="score only the first N images of each set")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    empty = split_backgrounds(Path(args.backgrounds), "val")
    sets = held_out_sets(args.celebamask and Path(args.celebamask), args.lfw and Path(args.lfw),
                         [Path(f) for f in args.scenes])
    real = real_frame_sets(args.real_frames)
    face_ids = list(load_schema("celebamask_hq").face_class_ids)
    methods = {"ours": lambda: our_detector(args.detector, args.weights, args.detector_opts),
               "MediaPipe short-range": lambda: mediapipe_detector(False, args.mediapipe_threshold),
               "MediaPipe full-range": lambda: mediapipe_detector(True, args.mediapipe_threshold),
               "SCRFD-2.5G": lambda: scrfd_detector(Path(args.scrfd_onnx), args.scrfd_threshold)}
    rows, skipped = {}, {}
    for method, make in ((m, methods[m]) for m in args.methods):
        try:
            detect = make()
        except ImportError as exc:
            skipped[method] = str(exc)
            continue
        for name, (reader, lut) in sets.items():
            rows[f"{method} | {name}"] = score(detect, reader, face_ids, lut, args.margin, args.limit)
        rows[f"{method} | person-free scenes (davis_backgrounds val)"] = score_empty(detect, empty, args.limit)
        for name, frames in real.items() if method != "SCRFD-2.5G" else ():
            rows[f"{method} | {name}"] = score_real(detect, frames, args.limit)
    write_results(Path(args.out), rows, skipped, args)


if __name__ == "__main__":
    run_main(main)
