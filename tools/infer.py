"""Run the whole pipeline on a video, an image or a folder of images.

Per frame: detect faces or people (stage 1, if the pipeline has a detector), crop each with
the margin its parser was trained with, parse the crops (stage 2), paste the soft logits back
into the frame bilinearly, ensemble the models, argmax, refine with GrabCut. A frame where the
detector finds nothing is all background; --whole-frame-fallback parses it whole instead
(close-up photos whose face the detector missed). summary.json counts both.

A --dir folder holds independent photos: each is detected afresh and nothing (boxes, the
previous mask) is carried from one to the next. --video-frames treats it as the frames of one
video instead (detection every k-th frame, boxes and masks carried over).

--task face parses faces into parts; --task portrait separates people from the background and
composites them over --background IMAGE or the frame blurred (--blur SIGMA; the default when
neither is given). Each task has a default pipeline YAML; --pipeline names another.

Writes into --out, all at once (nothing half-written is left if it fails), the kinds --save
asks for (pipeline/outputs.py lists them; defaults: face labels+overlay, portrait
masks+alpha+composite) and summary.json (frames, detections per frame, fallback frames, seconds
per stage, frames per second, what was written).

Examples:
  python tools/infer.py --video clip.mp4 --out runs/clip
  python tools/infer.py --video clip.mp4 --task portrait --background beach.jpg --out runs/pt
  python tools/infer.py --dir frames/ --out runs/frames --save labels color added
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.errors import UserError
from facevid.io.files import write_json
from facevid.io.output_folders import atomic_dir, check_not_inputs, check_output_folder
from facevid.io.video import FrameSource
from pipeline.outputs import DEFAULT_SAVE, Backdrop, FrameOutputs, check_save_kinds
from pipeline.pipeline import STAGES, Pipeline

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PIPELINES = {"face": ROOT / "configs" / "pipeline_faces.yml",
                     "portrait": ROOT / "configs" / "pipeline_portrait.yml"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", help="a video file (anything OpenCV reads: mp4, avi, ...)")
    source.add_argument("--image", help="one image (jpg, png, bmp)")
    source.add_argument("--dir", help="a folder of images, processed in name order")
    parser.add_argument("--out", required=True, help="output folder (must not hold the input)")
    parser.add_argument("--task", choices=sorted(DEFAULT_PIPELINES), default="face",
                        help="face: face parsing; portrait: person masks and compositing "
                             "(default face)")
    parser.add_argument("--pipeline", help="pipeline YAML naming the models (default: "
                        + ", ".join(f"{k} configs/{v.name}" for k, v in DEFAULT_PIPELINES.items()) + ")")
    parser.add_argument("--save", nargs="+", metavar="KIND",
                        help="what to write: labels color added overlay masks alpha composite "
                             "(default: face labels overlay; portrait masks alpha composite)")
    parser.add_argument("--background", help="portrait: image to put behind the person "
                        "(resized and centre-cropped to each frame)")
    parser.add_argument("--blur", type=float, metavar="SIGMA",
                        help="portrait: blur the frame's own background with this Gaussian sigma "
                             "in pixels instead, at most 100 (default 15 when no --background)")
    parser.add_argument("--opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="pipeline overrides, e.g. grabcut.enabled=false resize=nearest engine=dygraph")
    parser.add_argument("--video-frames", action="store_true",
                        help="--dir: the images are frames of one video, in name order (default: "
                             "independent photos)")
    parser.add_argument("--whole-frame-fallback", action="store_true",
                        help="parse a frame where nothing is detected as one crop (close-up "
                             "photos) instead of leaving it background")
    parser.add_argument("--max-frames", type=int, help="stop after this many frames (default: all)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a non-empty --out (default: refuse)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    pipeline_path = args.pipeline or DEFAULT_PIPELINES[args.task]
    kinds = check_save_kinds(args.save or DEFAULT_SAVE[args.task])
    # Everything that needs only the inputs is checked before any model is loaded.
    frames = FrameSource(args.video, args.image, args.dir, args.max_frames)
    if (args.background or args.blur is not None) and "composite" not in kinds:
        raise UserError("--background/--blur are for the composite output; add composite to --save")
    backdrop = Backdrop.from_args(args.background, args.blur)
    if args.video_frames and args.dir is None:
        raise UserError("--video-frames is for --dir (a folder of a video's frames)")
    opts = args.opts + (["no_detection=whole_frame"] if args.whole_frame_fallback else [])
    cfg = load_config(pipeline_path, opts, stages=("pipeline",))
    check_not_inputs(args.out, [args.dir, pipeline_path, args.background] + frames.inputs()
                     + cfg.model_files())
    check_output_folder(args.out, args.overwrite)
    pipe = Pipeline.from_loaded(cfg)
    started = time.perf_counter()
    with atomic_dir(args.out, overwrite=args.overwrite) as tmp:
        fps = (frames.fps or cfg.overlay.fps) if frames.video is not None else None
        outputs = FrameOutputs(tmp, kinds, pipe.schema, fps, cfg.overlay.alpha, backdrop,
                               draw_crops=pipe.detector is not None)
        try:
            stats = run_frames(pipe, frames, outputs, photos=args.dir is not None and not args.video_frames)
        except BaseException:
            outputs.abort()            # nothing more is written into the folder being removed
            raise
        written = outputs.close()
        if not stats["frame_names"]:
            raise UserError(_nothing_read(args, frames))
        wall = time.perf_counter() - started
        n = len(stats["frame_names"])
        write_json(tmp / "summary.json", {
            "frames": n, "task": args.task, **stats, "input": _input_kind(args),
            "mean_detections_per_frame": float(np.mean(stats["detections_per_frame"])),
            "seconds_total": wall, "frames_per_second": n / wall,
            "skipped_inputs": frames.skipped,
            "video_frames_in_header": frames.count if frames.video is not None else None,
            "pipeline": str(pipeline_path), "opts": args.opts, "class_names": list(pipe.schema.class_names),
            **written})
    _report(args, frames, written, backdrop, outputs.first_size)
    print(f"{n} frames -> {args.out} ({n / wall:.2f} frames/s)")


def _report(args, frames: FrameSource, written: dict, backdrop: Backdrop, first_size) -> None:
    """What the user should know about the run besides its speed: skipped inputs, a video that
    ended early, resized frames and backgrounds."""
    for item in frames.skipped:
        print(f"warning: skipped {item['reason']}", file=sys.stderr)
    if frames.decoded is not None:
        print(f"warning: {args.video}: its header says {frames.expected_frames} frames but only "
              f"{frames.decoded} could be decoded (truncated or damaged); the outputs hold those",
              file=sys.stderr)
    if written["video_frames_resized_to_first_size"]:
        print(f"note: the video's frame size changed; {written['video_frames_resized_to_first_size']} "
              "frames were resized to the first frame's size in the output videos")
    if backdrop.image is not None and backdrop.image.shape[:2] != tuple(reversed(first_size or (0, 0))):
        print(f"note: the background ({backdrop.image.shape[1]}x{backdrop.image.shape[0]}) was "
              "resized and centre-cropped to the frame size")


def _nothing_read(args, frames: FrameSource) -> str:
    source = args.video or args.image or args.dir
    if not frames.skipped:
        return f"no frame was read from {source}"
    listed = "; ".join(item["reason"] for item in frames.skipped[:3])
    more = f" (and {len(frames.skipped) - 3} more)" if len(frames.skipped) > 3 else ""
    return f"no frame was read from {source}: every entry was unreadable: {listed}{more}"


def _input_kind(args) -> str:
    if args.video or args.image:
        return "video" if args.video else "image"
    return "video frames" if args.video_frames else "independent photos"


def run_frames(pipe, frames: FrameSource, outputs: FrameOutputs, photos: bool = False) -> dict:
    """Every frame through the pipeline into the outputs; per-frame detections, frames where
    the detector found nothing (background, or parsed whole with the fallback) and seconds by
    stage. `photos`: each frame is an independent image (nothing carried across)."""
    totals = {k: 0.0 for k in STAGES + ("decode", "encode")}
    detections, missed, names = [], 0, []
    tic = time.perf_counter()
    for name, frame in tqdm(frames, total=frames.expected_frames, desc="infer", unit="frame"):
        totals["decode"] += time.perf_counter() - tic
        if photos:
            pipe.new_video()
        result = pipe(frame)
        for key, value in result.seconds.items():
            totals[key] += value
        tic = time.perf_counter()
        outputs.add(name, frame, result.labels, result.probs, result.crops, result.alpha)
        totals["encode"] += time.perf_counter() - tic
        detections.append(len(result.detections))
        missed += pipe.detector is not None and not len(result.detections)
        names.append(name)
        tic = time.perf_counter()
    n = max(1, len(names))
    return {"frame_names": names, "detections_per_frame": detections,
            "frames_without_detection": int(missed),
            "whole_frame_fallback_frames": int(missed) if pipe.whole_frame_fallback else 0,
            "seconds_per_frame_by_stage": {k: v / n for k, v in totals.items()}}


if __name__ == "__main__":
    run_main(main)
