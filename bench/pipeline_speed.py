"""Speed of the shipped pipelines on real frames, per stage, in one run.

For each pipeline YAML and each variant (dygraph; every model exported to Paddle Inference with
oneDNN, `engine: inference`, whose exports are cached as pipeline/engine.py says; exported with
the detector run every k-th frame and optical flow between), the frames of
`--frames` (a video or a folder) go through `Pipeline` and are timed: frames/s, seconds per
frame by stage, the models' own forward time, and the work around the models as a fraction of
it. MediaPipe Selfie Segmentation on the same frames is the speed anchor (if installed).

Example:
  python bench/pipeline_speed.py --frames ../shared/data/davis_person/JPEGImages/hike \\
      --pipeline configs/pipeline_faces.yml configs/pipeline_portrait.yml \\
      --out bench/results/pipeline_speed
"""
import argparse
import time
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.io.files import write_json, write_text
from facevid.io.video import FrameSource
from pipeline_timing import timed   # bench/ is this script's folder
from pipeline.pipeline import Pipeline


def time_pipeline(path: str, frames: List[np.ndarray], opts: Sequence[str] = (),
                  detect_every: int = 1) -> Dict[str, float]:
    import dataclasses
    pipe = Pipeline.from_config(Path(path), opts)
    if pipe.detector is not None:       # the row's k, whatever the YAML says
        pipe.detector.point = dataclasses.replace(pipe.detector.point, detect_every=detect_every)
    forwards: List[float] = []
    for parser in pipe.parsers:
        parser.forward = timed(parser.forward, forwards)
    if pipe.detector is not None:
        # a Cascade-RCNN Detector runs its own forward; a MaskDetector its parser's
        owner = getattr(pipe.detector, "parser", pipe.detector)
        owner.forward = timed(owner.forward, forwards)
    pipe(frames[0])                                    # warm-up, not timed
    pipe.new_video()
    forwards.clear()
    stages = {"detect": 0.0, "parse": 0.0, "postprocess": 0.0}
    tic = time.perf_counter()
    for frame in frames:
        for key, value in pipe(frame).seconds.items():
            stages[key] += value
    wall = (time.perf_counter() - tic) / len(frames)
    models = sum(forwards) / len(frames)
    return {"frames_per_second": 1 / wall, "seconds_per_frame": wall,
            **{f"{k}_s": v / len(frames) for k, v in stages.items()},
            "model_forward_s": models, "around_models": (wall - models) / models if models else None}


def mediapipe_anchor(frames: List[np.ndarray]) -> Dict[str, float]:
    import mediapipe as mp
    model = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1)
    model.process(frames[0])
    tic = time.perf_counter()
    for frame in frames:
        model.process(frame)
    wall = (time.perf_counter() - tic) / len(frames)
    return {"frames_per_second": 1 / wall, "seconds_per_frame": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", required=True, help="a video file or a folder of images")
    parser.add_argument("--pipeline", nargs="+", default=["configs/pipeline_faces.yml",
                                                           "configs/pipeline_portrait.yml"])
    parser.add_argument("--max-frames", type=int, default=30, help="frames to time (default 30)")
    parser.add_argument("--detect-every", type=int, default=4, help="k of the tracked variant")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    path = Path(args.frames)
    source = FrameSource(video=path if path.is_file() else None, folder=path if path.is_dir() else None,
                         max_frames=args.max_frames)
    frames = [frame for _, frame in source]
    rows: Dict[str, Dict[str, float]] = {}
    for pipeline_path in args.pipeline:
        name = Path(pipeline_path).stem
        rows[f"{name}: dygraph"] = time_pipeline(pipeline_path, frames, ["engine=dygraph"])
        rows[f"{name}: exported"] = time_pipeline(pipeline_path, frames, ["engine=inference"])
        if load_config(Path(pipeline_path), stages=("pipeline",)).detector:
            rows[f"{name}: exported, detector every {args.detect_every}"] = time_pipeline(
                pipeline_path, frames, ["engine=inference"], detect_every=args.detect_every)
    try:
        rows["MediaPipe Selfie Segmentation (anchor)"] = mediapipe_anchor(frames)
    except ImportError as exc:
        rows["MediaPipe Selfie Segmentation (anchor)"] = {"skipped": str(exc)}
    size = f"{frames[0].shape[1]}x{frames[0].shape[0]}"
    write_json(Path(args.out) / "results.json", {"frames": len(frames), "size": size, "rows": rows})
    cols = ("frames_per_second", "detect_s", "parse_s", "postprocess_s", "model_forward_s", "around_models")
    lines = [f"{len(frames)} frames of {size} from {args.frames}, 2-core CPU.", "",
             "| run | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join("-" if row.get(c) is None else f"{row[c]:.3f}" for c in cols) + " |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
