"""Peak resident memory of `tools/infer.py` on 1080p video: a clip of --short seconds against
one of --long seconds (same frames, looped). Flat means the long clip peaks where the short one
does: no frames accumulate (the writer's queue is bounded, nothing keeps per-frame arrays).

The clip is made from the frames of --frames (e.g. a DAVIS sequence) enlarged to 1920x1080 and
looped at 25 frames/s. Each run is `tools/infer.py --video clip.mp4 --task T` with the default
outputs, measured by /usr/bin/time (maximum resident set size).

Example:
  python bench/infer_memory.py --frames ../shared/data/davis_person/JPEGImages/hike \\
      --out bench/results/infer_memory
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from facevid.cli import run_main
from facevid.errors import UserError
from facevid.io.files import read_image, write_json, write_text
from facevid.io.video import VideoWriter

ROOT = Path(__file__).resolve().parent.parent
FPS, SIZE = 25.0, (1920, 1080)


def make_clip(frames, seconds: float, path: Path) -> int:
    writer = VideoWriter(path, FPS, SIZE)
    count = int(seconds * FPS)
    for i in range(count):
        writer.write(frames[i % len(frames)])
    writer.close()
    return count


def peak_rss_mb(clip: Path, task: str, out: Path) -> dict:
    tic = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "tools/infer.py", "--video",
                           str(clip), "--task", task, "--out", str(out), "--overwrite"], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise UserError(f"tools/infer.py failed: {done.stderr.strip().splitlines()[-2:]}")
    return {"peak_rss_mb": int(done.stderr.strip().splitlines()[-1]) / 1024,
            "seconds": time.perf_counter() - tic}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", required=True, help="folder of one sequence's JPEGs")
    parser.add_argument("--task", default="portrait", choices=["portrait", "face"])
    parser.add_argument("--short", type=float, default=10.0, help="seconds of the short clip")
    parser.add_argument("--long", type=float, default=60.0, help="seconds of the long clip")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    paths = sorted(Path(args.frames).glob("*.jpg"))[:50]
    if not paths:
        raise UserError(f"--frames {args.frames}: no .jpg frames")
    frames = [cv2.resize(read_image(p), SIZE, interpolation=cv2.INTER_LINEAR) for p in paths]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, seconds in (("short", args.short), ("long", args.long)):
            clip = Path(tmp) / f"{name}.mp4"
            count = make_clip(frames, seconds, clip)
            rows[name] = {"frames": count, **peak_rss_mb(clip, args.task, Path(tmp) / f"out_{name}")}
            print(name, rows[name], flush=True)
    growth = rows["long"]["peak_rss_mb"] - rows["short"]["peak_rss_mb"]
    write_json(Path(args.out) / "results.json", {"task": args.task, "size": list(SIZE), "rows": rows,
                                                 "growth_mb": growth})
    lines = [f"Peak resident memory of tools/infer.py --task {args.task} on 1920x1080 video, default outputs.", "",
             "| clip | frames | peak RSS MB | seconds |", "|---|---|---|---|"]
    lines += [f"| {n} | {r['frames']} | {r['peak_rss_mb']:.0f} | {r['seconds']:.0f} |" for n, r in rows.items()]
    lines.append(f"\nGrowth from the short to the long clip: {growth:.0f} MB.")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
