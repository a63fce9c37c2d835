"""Speed as a user sees it: `tools/infer.py` end to end against the pipeline alone and
MediaPipe Selfie, in one run, on real 854x480 video.

The frames of --frames (a folder of one sequence's JPEGs, e.g. a DAVIS sequence) are encoded
into an mp4 once; then, for each task:
  - `tools/infer.py --video clip.mp4 --task T` as a user runs it (default outputs, a warm
    export cache: one untimed run first), wall time from the command to its end, and its
    summary.json's seconds per frame by stage (decode, detect, parse, postprocess, the main
    loop's wait for the writer, and the writer thread's own encode-and-write time);
  - start-up: the same command with --max-frames 1 (command to first frame written);
  - the pipeline alone: Pipeline.__call__ on the decoded frames, nothing written;
and MediaPipe Selfie Segmentation (landscape) on the same frames (a peer; needs
`make bench-deps`). Results in OUT/results.json and OUT/table.md.

Example:
  python bench/infer_end_to_end.py --frames ../shared/data/davis_person/JPEGImages/hike \\
      --out bench/results/infer_end_to_end
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

from facevid.cli import run_main
from facevid.errors import UserError
from facevid.io.files import read_image, write_json, write_text
from facevid.io.video import VideoWriter
from pipeline.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
TASKS = {"portrait": "configs/pipeline_portrait.yml", "face": "configs/pipeline_faces.yml"}


def encode_clip(frames: List[np.ndarray], path: Path, fps: float = 25.0) -> None:
    writer = VideoWriter(path, fps, (frames[0].shape[1], frames[0].shape[0]))
    for frame in frames:
        writer.write(frame)
    writer.close()


def run_infer(clip: Path, task: str, out: Path, extra: List[str]) -> Dict[str, float]:
    """tools/infer.py as a user runs it; wall seconds and its summary."""
    tic = time.perf_counter()
    done = subprocess.run([sys.executable, "tools/infer.py", "--video", str(clip), "--task", task,
                           "--out", str(out), "--overwrite", *extra], cwd=ROOT, capture_output=True,
                          text=True)
    wall = time.perf_counter() - tic
    if done.returncode != 0:
        raise UserError(f"tools/infer.py failed: {done.stderr.strip().splitlines()[-1]}")
    return {"wall": wall, **json.loads((out / "summary.json").read_text())}


def pipeline_alone(task: str, frames: List[np.ndarray]) -> float:
    """Seconds per frame of Pipeline.__call__ alone (after one warm-up frame)."""
    pipe = Pipeline.from_config(ROOT / TASKS[task])
    pipe(frames[0])
    pipe.new_video()
    tic = time.perf_counter()
    for frame in frames:
        pipe(frame)
    return (time.perf_counter() - tic) / len(frames)


def mediapipe_selfie(frames: List[np.ndarray]) -> float:
    import mediapipe as mp
    model = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1)
    model.process(frames[0])
    tic = time.perf_counter()
    for frame in frames:
        model.process(frame)
    return (time.perf_counter() - tic) / len(frames)


def measure(task: str, clip: Path, frames: List[np.ndarray], tmp: Path,
            repeats: int) -> Dict[str, object]:
    """Each figure is the median run of `repeats` (runs on a 2-core machine vary by a quarter)."""
    run_infer(clip, task, tmp / f"{task}_warm", ["--max-frames", "2"])       # fills the cache
    runs = sorted((run_infer(clip, task, tmp / task, []) for _ in range(repeats)),
                  key=lambda run: run["frames_per_second"])
    full = runs[len(runs) // 2]
    first = sorted((run_infer(clip, task, tmp / f"{task}_first", ["--max-frames", "1"])
                    for _ in range(repeats)), key=lambda run: run["wall"])[repeats // 2]
    alone = float(np.median([pipeline_alone(task, frames) for _ in range(repeats)]))
    # After start-up: summary.json's frames per second (the frame loop, decode to the writer
    # thread drained); with start-up: the command's wall time.
    end_to_end = 1 / full["frames_per_second"]
    return {"end_to_end_fps": 1 / end_to_end, "pipeline_alone_fps": 1 / alone,
            "ratio_end_to_end_to_alone": alone / end_to_end,
            "fps_including_startup": full["frames"] / full["wall"],
            "startup_seconds_to_first_frame": first["wall"],
            "seconds_per_frame_by_stage": full["seconds_per_frame_by_stage"],
            "writer_seconds_per_frame": full.get("writer_seconds_per_frame"),
            "end_to_end_fps_of_each_run": [run["frames_per_second"] for run in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", required=True, help="folder of one sequence's 854x480 JPEGs")
    parser.add_argument("--max-frames", type=int, default=80, help="frames used (default 80)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is kept")
    parser.add_argument("--tasks", nargs="+", default=sorted(TASKS), choices=sorted(TASKS))
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    paths = sorted(Path(args.frames).glob("*.jpg"))[: args.max_frames]
    if not paths:
        raise UserError(f"--frames {args.frames}: no .jpg frames")
    frames = [read_image(p) for p in paths]
    rows: Dict[str, Dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        encode_clip(frames, clip)
        for task in args.tasks:
            rows[task] = measure(task, clip, frames, Path(tmp), args.repeats)
            print(task, rows[task], flush=True)
    try:
        peer = {"mediapipe_selfie_ms": 1000 * mediapipe_selfie(frames)}
    except ImportError as exc:
        peer = {"skipped": f"MediaPipe: {exc}"}
    size = f"{frames[0].shape[1]}x{frames[0].shape[0]}"
    write_json(Path(args.out) / "results.json", {"frames": len(frames), "size": size,
                                                 "source": str(args.frames), "rows": rows, "peer": peer})
    lines = [f"{len(frames)} frames of {Path(args.frames).name} at {size}, default outputs, 2-core CPU; "
             f"the median of {args.repeats} runs.", "",
             "| task | end to end fps | pipeline alone fps | ratio | with start-up fps | start-up s | ms/frame vs MediaPipe Selfie |",
             "|---|---|---|---|---|---|---|"]
    for task, row in rows.items():
        ms = 1000 / row["end_to_end_fps"]
        versus = f"{ms:.1f} / {peer['mediapipe_selfie_ms']:.1f}" if "mediapipe_selfie_ms" in peer else "-"
        lines.append(f"| {task} | {row['end_to_end_fps']:.1f} | {row['pipeline_alone_fps']:.1f} | "
                     f"{row['ratio_end_to_end_to_alone']:.2f} | {row['fps_including_startup']:.1f} | "
                     f"{row['startup_seconds_to_first_frame']:.1f} | {versus} |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
