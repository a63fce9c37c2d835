"""The face detector's operating size and proposal count, chosen from measurement: each
combination exported to Paddle Inference (as the pipeline runs it) and scored on held-out face
scenes (recall at IoU 0.5, AP50, face pixels inside the crops) and on held-out scenes with
nobody in them (boxes per frame after the operating point: every one is invented), with its
milliseconds per frame, all in one run.

Example:
  python bench/detector_operating_point.py --config configs/stage1_cascade_rcnn_faces_mnv2_cpu.yml \\
      --weights weights/face_detector_cascade_mnv2.pdparams --scenes data/face_scenes_v2/val \\
      --sizes 640x360 512x288 416x234 --proposals 300 100 --out bench/results/detector_operating_point
"""
import argparse
from pathlib import Path
from typing import Dict, List

import numpy as np

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.data.readers import ChallengeClips
from facevid.io.files import read_image, write_json, write_text
from facevid.synthetic.face_scenes import split_backgrounds

ROOT = Path(__file__).resolve().parent.parent


def false_boxes(detector, scenes: List[Path]) -> Dict[str, float]:
    counts = [len(detector(read_image(path)).boxes) for path in scenes]
    return {"false_boxes_per_empty_frame": float(np.mean(counts)),
            "empty_frames_with_a_box": int(np.count_nonzero(counts)), "empty_frames": len(scenes)}


def measure(config: Path, weights: Path, opts: List[str], scenes: Path, empty: List[Path],
            limit: int) -> Dict[str, float]:
    from pipeline.engine import export_of
    from stage1_detect.detector import Detector
    from stage1_detect.evaluate import evaluate_detector
    cfg = load_config(config.resolve(), opts, stages=("det",))     # once, for all three uses
    detector = Detector.from_loaded(cfg, export_dir=export_of(cfg, weights))
    scores = evaluate_detector(detector, cfg, ChallengeClips(scenes), limit, show_progress=False)
    row = {k: scores.get(k) for k in ("recall_face", "AP50", "face_pixels_in_crops", "seconds_per_frame")}
    row.update(false_boxes(detector, empty[:limit]))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="a stage-1 config")
    parser.add_argument("--weights", required=True, help="its weights")
    parser.add_argument("--scenes", required=True, help="face scenes (tools/make_face_scenes.py --split val)")
    parser.add_argument("--backgrounds", default=str(ROOT.parent / "shared" / "data" / "davis_backgrounds"),
                        help="scenes with nobody in them; their held-out sequences are used")
    parser.add_argument("--sizes", nargs="+", default=["640x360", "512x288", "416x234"],
                        help="operating sizes WxH (the long and short bounds of the resize)")
    parser.add_argument("--proposals", nargs="+", type=int, default=[300, 100],
                        help="RPN proposals kept per image at test time")
    parser.add_argument("--limit", type=int, default=100, help="frames of each set (default 100)")
    parser.add_argument("--opts", nargs="*", default=["infer.score_threshold=0.5"],
                        help="key=value overrides for every point (default: the face pipeline's "
                             "score threshold, infer.score_threshold=0.5)")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    empty = split_backgrounds(Path(args.backgrounds), "val")
    rows = {}
    for size in args.sizes:
        w, h = (int(v) for v in size.lower().split("x"))
        for proposals in args.proposals:
            opts = args.opts + [f"train.image_size=[{w},{h}]",
                                f"RPNHead.test_proposal.post_nms_top_n={proposals}"]
            rows[f"{w}x{h}, {proposals} proposals"] = row = measure(
                Path(args.config), Path(args.weights), opts, Path(args.scenes), empty, args.limit)
            print(f"{w}x{h}, {proposals} proposals: {row}", flush=True)
    write_json(Path(args.out) / "results.json", {"rows": rows, "config": args.config,
                                                 "weights": args.weights, "limit": args.limit})
    cols = ("recall_face", "AP50", "face_pixels_in_crops", "false_boxes_per_empty_frame",
            "empty_frames_with_a_box", "seconds_per_frame")
    lines = ["| operating point | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for key, row in rows.items():
        lines.append(f"| {key} | " + " | ".join(f"{row[c]:.4f}" if isinstance(row[c], float) else str(row[c])
                                               for c in cols) + " |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
