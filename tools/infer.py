"""Run the whole pipeline on a video, an image or a folder of images.

Per frame: detect faces (stage 1), crop each with a margin, parse the crops (stage 2), paste the
soft logits back into the frame bilinearly, ensemble the models, argmax, refine with GrabCut.
The models are named by a pipeline YAML (default configs/pipeline_tiny.yml, which `make demo`
trains); exported stage-2 models (tools/export.py) run through Paddle Inference with oneDNN.

Writes into --out (all at once: nothing half-written is left if it fails):
  labels/<frame>.png   class ids per frame
  overlay.mp4          (video input) or overlays/<name>.jpg: labels, crops and a colour legend
  summary.json         frames, faces per frame, seconds per stage, frames per second

Examples:
  python tools/infer.py --video clip.mp4 --out runs/clip
  python tools/infer.py --dir frames/ --out runs/frames --pipeline configs/pipeline_tiny.yml
"""
import argparse
import time

import numpy as np
from tqdm import tqdm

from facevid.cli import run_main
from facevid.config import load_config
from facevid.errors import UserError
from facevid.files import atomic_dir, check_not_inputs, write_image, write_json
from facevid.video import FrameSource, VideoWriter, overlay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", help="a video file (anything OpenCV reads: mp4, avi, ...)")
    source.add_argument("--image", help="one image")
    source.add_argument("--dir", help="a folder of images, processed in name order")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--pipeline", default="configs/pipeline_tiny.yml",
                        help="pipeline YAML naming the models (default configs/pipeline_tiny.yml)")
    parser.add_argument("--opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="pipeline overrides, e.g. grabcut.enabled=false resize=nearest")
    parser.add_argument("--max-frames", type=int, help="stop after this many frames")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = parser.parse_args()
    frames = FrameSource(args.video, args.image, args.dir, args.max_frames)
    check_not_inputs(args.out, [args.dir, args.pipeline] + frames.inputs())
    cfg = load_config(args.pipeline, args.opts, stages=("pipeline",))
    from pipeline.pipeline import STAGES, Pipeline   # paddle only once the inputs are checked
    pipe = Pipeline.from_loaded(cfg)
    started = time.perf_counter()
    faces, totals, names = [], {k: 0.0 for k in STAGES + ("decode", "encode")}, []
    with atomic_dir(args.out, overwrite=args.overwrite) as tmp:
        writer = None
        tic = time.perf_counter()
        try:
            for name, frame in tqdm(frames, total=frames.expected_frames, desc="infer", unit="frame"):
                totals["decode"] += time.perf_counter() - tic
                result = pipe(frame)
                for key, value in result.seconds.items():
                    totals[key] += value
                tic = time.perf_counter()
                write_image(tmp / "labels" / f"{name}.png", result.labels)
                shown = overlay(frame, result.labels, pipe.schema, cfg["overlay"]["alpha"],
                                result.crops if pipe.detector is not None else ())
                if frames.video is not None:
                    if writer is None:
                        writer = VideoWriter(tmp / "overlay.mp4",
                                             frames.fps or cfg["overlay"]["fps"],
                                             (shown.shape[1], shown.shape[0]))
                    writer.write(shown)
                else:
                    write_image(tmp / "overlays" / f"{name}.jpg", shown)
                totals["encode"] += time.perf_counter() - tic
                faces.append(len(result.detections))
                names.append(name)
                tic = time.perf_counter()
        finally:
            if writer is not None:
                writer.close()
        if not names:
            raise UserError("no frame was read from the input")
        wall = time.perf_counter() - started
        write_json(tmp / "summary.json", {
            "frames": len(names), "faces_per_frame": faces, "frame_names": names,
            "seconds_total": wall, "frames_per_second": len(names) / wall,
            "seconds_per_frame_by_stage": {k: v / len(names) for k, v in totals.items()},
            "pipeline": args.pipeline, "opts": args.opts,
            "class_names": list(pipe.schema.class_names),
            "mean_faces_per_frame": float(np.mean(faces))})
    print(f"{len(names)} frames -> {args.out} ({len(names) / wall:.2f} frames/s)")


if __name__ == "__main__":
    run_main(main)
