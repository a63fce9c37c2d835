"""Where the time of the whole pipeline goes, measured in one run on this machine.

    python bench/pipeline_timing.py --pipeline configs/pipeline_tiny.yml \\
        --clip runs/demo_train/data/val/clip_0000 --out runs/bench/pipeline_timing

Needs trained weights (`make demo` makes those of configs/pipeline_tiny.yml) and a clip folder
in the challenge layout with clip.mp4 (tools/make_synthetic.py --video). Reports, per frame:
time by stage (decode, detect, parse, postprocess, encode) with dygraph and with exported
(Paddle Inference + oneDNN) parsers; the models' own forward time and the ratio of the whole
pipeline to it (goal: the pipeline around the models under 10% of their time); bilinear-logit
versus argmax-nearest resizing, their cost and boundary F against the ground truth; and the cost
of GrabCut. Writes OUT/results.json and OUT/table.md.
"""
import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.io.files import read_label, write_bytes, write_json
from facevid.metrics.segmentation import SegEvaluator
from facevid.io.video import FrameSource, overlay
from pipeline import Pipeline
from postprocess.grabcut import refine_grabcut


def timed(fn, bucket: List[float]):
    def run(*args, **kwargs):
        tic = time.perf_counter()
        out = fn(*args, **kwargs)
        bucket.append(time.perf_counter() - tic)
        return out
    return run


def run_pipeline(pipe, source: FrameSource, labels, num_classes: int) -> Dict[str, float]:
    """Per-frame seconds by stage, model forward seconds, and the scores of the labels."""
    forwards: List[float] = []
    for parser in pipe.parsers:
        parser.forward = timed(parser.forward, forwards)
    if pipe.detector is not None:
        pipe.detector.forward = timed(pipe.detector.forward, forwards)
    pipe.new_video()
    stages = {"decode": 0.0, "detect": 0.0, "parse": 0.0, "postprocess": 0.0, "encode": 0.0}
    evaluator = SegEvaluator(num_classes)
    tic = time.perf_counter()
    for (name, frame), gt in zip(source, labels):       # decoded here, so decode is timed
        stages["decode"] += time.perf_counter() - tic
        result = pipe(frame)
        for key, value in result.seconds.items():
            stages[key] += value
        tic = time.perf_counter()
        overlay(frame, result.labels, pipe.schema)      # what tools/infer.py draws and encodes
        stages["encode"] += time.perf_counter() - tic
        evaluator.add(result.labels, gt, "clip")
        tic = time.perf_counter()
    n = len(labels)
    per_frame = {k: v / n for k, v in stages.items()}
    total = sum(per_frame.values())
    models = sum(forwards) / n
    scores = evaluator.result()
    return {**{f"{k}_s": v for k, v in per_frame.items()}, "total_s": total, "model_forward_s": models,
            "overhead_vs_models": (total - models) / models, "miou": scores["miou"], "F": scores["F"]}


def measure(pipeline_path: str, source: FrameSource, frames, labels):
    """The pipeline's rows (dygraph/exported, bilinear/nearest, GrabCut) and GrabCut alone."""
    from stage2_seg.export import export_parser
    from stage2_seg.exported import exported_forward
    base = Pipeline.from_config(pipeline_path, ["grabcut.enabled=false"])
    num_classes = base.schema.num_classes
    rows = {}
    rows["dygraph, bilinear"] = run_pipeline(base, source, labels, num_classes)
    nearest = Pipeline.from_config(pipeline_path, ["grabcut.enabled=false", "resize=nearest"])
    rows["dygraph, argmax-nearest"] = run_pipeline(nearest, source, labels, num_classes)
    exported = Pipeline.from_config(pipeline_path, ["grabcut.enabled=false"])
    pipe_cfg = load_config(pipeline_path, stages=("pipeline",))
    with tempfile.TemporaryDirectory() as tmp:
        for i, (entry, p) in enumerate(zip(pipe_cfg.parsers, exported.parsers)):
            seg_cfg = load_config(entry.config, entry.opts, stages=("seg",))
            path = export_parser(seg_cfg, Path(entry.weights), Path(tmp) / str(i))
            p.forward = exported_forward(path, threads=pipe_cfg.threads)
        rows["exported, bilinear"] = run_pipeline(exported, source, labels, num_classes)
        grab = Pipeline.from_config(pipeline_path, ["grabcut.enabled=true"])
        for p, e in zip(grab.parsers, exported.parsers):
            p.forward = e.forward
        rows["exported, bilinear, GrabCut"] = run_pipeline(grab, source, labels, num_classes)
    # GrabCut alone on the pipeline's own probabilities, frame by frame.
    seconds = []
    for _, frame in frames:
        probs = base(frame).probs
        tic = time.perf_counter()
        refine_grabcut(frame, probs)
        seconds.append(time.perf_counter() - tic)
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", default="configs/pipeline_tiny.yml")
    parser.add_argument("--clip", default="runs/demo_train/data/val/clip_0000",
                        help="clip folder with clip.mp4 and labels/")
    parser.add_argument("--out", default="runs/bench/pipeline_timing")
    args = parser.parse_args()
    clip = Path(args.clip)
    source = FrameSource(video=clip / "clip.mp4")
    frames = list(source)
    labels = [read_label(clip / "labels" / f"{name}.png") for name, _ in frames]

    rows, seconds = measure(args.pipeline, source, frames, labels)
    summary = {
        "frames": len(frames), "frame_size": list(frames[0][1].shape[1::-1]), "pipeline": args.pipeline,
        "rows": rows, "grabcut_s_per_frame": float(np.mean(seconds)),
        "exported_speedup_parse": rows["dygraph, bilinear"]["parse_s"] / rows["exported, bilinear"]["parse_s"],
        "boundary_F_bilinear_minus_nearest": rows["dygraph, bilinear"]["F"] - rows["dygraph, argmax-nearest"]["F"],
    }
    out = Path(args.out)
    write_json(out / "results.json", summary)
    cols = ["decode_s", "detect_s", "parse_s", "postprocess_s", "encode_s", "total_s",
            "model_forward_s", "overhead_vs_models", "miou", "F"]
    lines = ["| run | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[c]:.4f}" for c in cols) + " |")
    lines.append("")
    lines.append(f"GrabCut alone: {summary['grabcut_s_per_frame']:.4f} s/frame; exported parse "
                 f"speed-up {summary['exported_speedup_parse']:.2f}x; boundary F bilinear - nearest "
                 f"{summary['boundary_F_bilinear_minus_nearest']:+.4f}")
    write_bytes(out / "table.md", ("\n".join(lines) + "\n").encode())
    print("\n".join(lines))
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    run_main(main)
