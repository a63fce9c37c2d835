"""The shipped models' own forward pass, dygraph against Paddle Inference (with and without
oneDNN), at the sizes the pipelines run them: milliseconds per call, in one run.

The face parser runs on face crops (batch 1 and a batch of 4 crops: a frame with four faces
is one call), the portrait model on whole frames, the detector on frames at its input size.
Inputs are random (speed does not depend on the pixel values of these networks, except the
detector's second stage, whose number of proposals is fixed by the config).

Example:
  python bench/forward_speed.py --out bench/results/forward_speed
"""
import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

from facevid.cli import run_main
from facevid.io.files import write_json, write_text
from facevid.config.load import load_config

ROOT = Path(__file__).resolve().parent.parent
PARSERS = {  # name: (config, weights, batch sizes)
    "face parser (EANet-Cat, MobileNetV2)": ("configs/stage2_eanet_cat_mnv2_celebamask_lfw_cpu.yml",
                                             "weights/face_parser_eanet_cat_mnv2.pdparams", (1, 4)),
    "previous face parser (EANet-Cat, HRNet)": ("configs/stage2_eanet_cat_celebamask_cpu.yml",
                                                "weights/face_parser_eanet_cat_celebamask.pdparams", (1, 4)),
    "portrait (HumanSegLite)": ("configs/stage2_portrait_lite_cpu.yml",
                                "weights/portrait_lite_davis.pdparams", (1,)),
}
DETECTOR = ("configs/stage1_cascade_rcnn_faces_cpu.yml", "weights/face_detector_cascade_csp.pdparams")


def ms_per_call(run: Callable[[], object], repeats: int) -> float:
    for _ in range(3):                              # warm-up: oneDNN builds its kernels here
        run()
    tic = time.perf_counter()
    for _ in range(repeats):
        run()
    return (time.perf_counter() - tic) / repeats * 1000


def parser_rows(tmp: Path, threads: int, repeats: int, rng) -> List[Dict[str, object]]:
    """ms per call of each shipped parser in dygraph and exported, at each batch size."""
    from stage2_seg.components import build_trained_model
    from stage2_seg.export import export_parser
    from stage2_seg.exported import exported_forward
    from stage2_seg.forward import dygraph_forward
    rows: List[Dict[str, object]] = []
    for name, (config, weights, batches) in PARSERS.items():
        cfg = load_config(ROOT / config)
        export_dir = tmp / name.split()[0]
        export_parser(cfg, ROOT / weights, export_dir)
        forwards = {"dygraph": dygraph_forward(build_trained_model(cfg, ROOT / weights)),
                    "Paddle Inference + oneDNN": exported_forward(export_dir, threads),
                    "Paddle Inference, no oneDNN": exported_forward(export_dir, threads, onednn=False)}
        w, h = cfg.eval.size
        for batch in batches:
            x = rng.uniform(-1, 1, (batch, 3, h, w)).astype(np.float32)
            row = {"model": name, "input": f"{batch} x {w}x{h}"}
            row.update({k: ms_per_call(lambda f=f: f(x), repeats) for k, f in forwards.items()})
            rows.append(row)
            print(row, flush=True)
    return rows


def detector_row(tmp: Path, threads: int, repeats: int, rng) -> Dict[str, object]:
    """ms per call of the shipped detector on an 854x480 frame, dygraph and exported."""
    from stage1_detect.data import detector_inputs
    from stage1_detect.detector import dygraph_detector_forward
    from stage1_detect.export import export_detector, exported_detector_forward
    from stage1_detect.model import trained_detector_model
    cfg = load_config(ROOT / DETECTOR[0], stages=("det",))
    model = trained_detector_model(cfg, ROOT / DETECTOR[1])
    export_dir = tmp / "detector"
    export_detector(cfg, model, ROOT / DETECTOR[1], export_dir)
    frame = rng.integers(0, 256, (480, 854, 3), dtype=np.uint8)
    inputs = detector_inputs(frame, cfg.train.image_size)
    forwards = {"dygraph": dygraph_detector_forward(model),
                "Paddle Inference + oneDNN": exported_detector_forward(export_dir, threads),
                "Paddle Inference, no oneDNN": exported_detector_forward(export_dir, threads, onednn=False)}
    w, h = cfg.train.image_size
    row = {"model": "face detector (Cascade-RCNN, CSPResNet)", "input": f"1 x {w}x{h}"}
    row.update({k: ms_per_call(lambda f=f: f(inputs), repeats) for k, f in forwards.items()})
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per row (default 20)")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()

    import stage2_seg  # noqa: F401  (sets paddle's flags and loads OpenCV before paddle)
    from paddle.base import core
    core.set_num_threads(args.threads)          # dygraph's math-library threads (as Inference's)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        rows = parser_rows(Path(tmp), args.threads, args.repeats, rng)
        rows.append(detector_row(Path(tmp), args.threads, max(5, args.repeats // 4), rng))
    write_json(Path(args.out) / "results.json", {"threads": args.threads, "rows": rows})
    cols = ("dygraph", "Paddle Inference + oneDNN", "Paddle Inference, no oneDNN")
    lines = [f"Forward pass alone, ms per call, {args.threads} threads, 2-core CPU.", "",
             "| model | input | " + " | ".join(cols) + " | speed-up (oneDNN) |", "|---" * (len(cols) + 3) + "|"]
    for row in rows:
        lines.append(f"| {row['model']} | {row['input']} | " + " | ".join(f"{row[c]:.1f}" for c in cols)
                     + f" | {row['dygraph'] / row['Paddle Inference + oneDNN']:.2f}x |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
