"""Portrait segmentation on real video, ours beside the peers a user would pick, in one run.

On the validation sequences of a DAVIS split (frames never trained on), every method segments
every frame; each is scored with the same code: J, F, J&F, J/F decay (DAVIS), flicker (mean
fraction of pixels whose mask changes between frames minus the same for the ground truth) and
milliseconds per frame (the method's own call, resize and normalisation included, no I/O).

Methods: each `--pipeline` given (our pipelines, detector included when they have one), the
network forward alone of each one's first parser exported to Paddle Inference at its
operating size (the "real-time" figure), MediaPipe Selfie Segmentation (general 256x256 and
landscape 144x256 models, mediapipe==0.10.14) and PP-HumanSeg-Lite (ONNX, onnxruntime, at
192x192 and 398x224). Peers need `pip install -r bench/requirements.txt`; a missing one is
reported as skipped.

Example:
  python bench/portrait_peers.py --davis ../shared/data/davis_person \\
      --pipeline configs/pipeline_portrait.yml --out bench/results/portrait_peers
"""
import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from facevid.cli import run_main
from facevid.config import load_config
from facevid.errors import UserError
from facevid.files import write_json, write_text
from facevid.metrics import SegEvaluator
from facevid.readers import ImageMaskFolder
from facevid.splits import read_split_file, select_frames

ROOT = Path(__file__).resolve().parent.parent
Segment = Callable[[np.ndarray], np.ndarray]      # RGB frame -> 0/1 person mask H x W
COLUMNS = ("J", "F", "JF", "J_decay", "F_decay", "flicker", "ms_per_frame")


def mediapipe_selfie(landscape: bool) -> Segment:
    import mediapipe as mp
    model = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=int(landscape))

    def run(frame: np.ndarray) -> np.ndarray:
        return (model.process(frame).segmentation_mask > 0.5).astype(np.uint8)
    return run


def pp_humanseg_lite(onnx: Path, size: Tuple[int, int]) -> Segment:
    import cv2
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(frame: np.ndarray) -> np.ndarray:
        x = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
        x = ((x - 0.5) / 0.5).transpose(2, 0, 1)[None]
        scores = session.run(None, {name: x})[0][0]
        scores = cv2.resize(scores.transpose(1, 2, 0), (frame.shape[1], frame.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
        return (scores.argmax(2) == 1).astype(np.uint8)
    return run


def our_pipeline(path: str) -> Tuple[Segment, Callable[[], None], object]:
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(Path(path))
    return (lambda frame: (pipe(frame).labels > 0).astype(np.uint8)), pipe.new_video, pipe


def forward_only(pipe, path: str, tmp: Path) -> Optional[Tuple[str, float]]:
    """Milliseconds of the first parser's network alone, exported to Paddle Inference."""
    from stage2_seg.export import export_parser, exported_forward
    entry = load_config(Path(path), stages=("pipeline",))["parsers"][0]
    if not entry.get("weights"):
        return None
    cfg = load_config(Path(entry["config"]), entry.get("opts") or (), stages=("seg",))
    export = export_parser(cfg, Path(entry["weights"]), tmp / Path(path).stem)
    forward = exported_forward(export, threads=2)
    w, h = cfg["eval"]["size"]
    batch = np.zeros((1, int(cfg["model"].get("in_channels", 3)), h, w), np.float32)
    for _ in range(3):
        forward(batch)
    tic = time.perf_counter()
    for _ in range(20):
        forward(batch)
    return f"{Path(path).stem}: network forward only ({w}x{h}, exported)", (time.perf_counter() - tic) / 20 * 1000


def score(segment: Segment, frames: List[Tuple[str, np.ndarray, np.ndarray]],
          new_video: Callable[[], None] = lambda: None) -> Dict[str, float]:
    evaluator = SegEvaluator(2)
    seconds, clip = [], None
    for name, image, label in frames:
        if name != clip:
            new_video()
            clip = name
        tic = time.perf_counter()
        mask = segment(image)
        seconds.append(time.perf_counter() - tic)
        evaluator.add(mask, label, name)
    metrics = evaluator.result()
    steady = seconds[3:] if len(seconds) > 3 else seconds   # the first calls pay for set-up
    return {**{k: metrics[k] for k in COLUMNS[:-1]}, "ms_per_frame": 1000 * float(np.mean(steady))}


def load_frames(davis: Path, split_file: Path, limit: Optional[int]) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    reader = ImageMaskFolder(davis, "JPEGImages", "Annotations", mask_values="binary")
    select_frames(reader, read_split_file(split_file)["val"], split_file)
    frames = []
    for i, ref in enumerate(reader.frames):
        if limit is not None and sum(1 for f in frames if f[0] == ref.clip) >= limit:
            continue
        image, label = reader.load(i)
        frames.append((ref.clip, image, label))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis", required=True, help="davis_person folder (JPEGImages/, Annotations/)")
    parser.add_argument("--split", default=str(ROOT / "configs" / "splits" / "davis_person.yml"),
                        help="split file; its val sequences are scored (default the project's)")
    parser.add_argument("--pipeline", nargs="+", default=["configs/pipeline_portrait.yml"],
                        help="our portrait pipeline YAMLs (default configs/pipeline_portrait.yml)")
    parser.add_argument("--peer-onnx", default=str(ROOT.parent / "shared" / "peers" / "pp_humanseg_lite.onnx"),
                        help="PP-HumanSeg-Lite ONNX file")
    parser.add_argument("--frames-per-sequence", type=int, help="score only the first N (default all)")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    frames = load_frames(Path(args.davis), Path(args.split), args.frames_per_sequence)
    if not frames:
        raise UserError("no validation frames found")
    rows: Dict[str, Dict[str, float]] = {}
    skipped: Dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.pipeline:
            segment, new_video, pipe = our_pipeline(path)
            rows[f"ours: {Path(path).stem}"] = score(segment, frames, new_video)
            timed = forward_only(pipe, path, Path(tmp))
            if timed:
                rows[timed[0]] = {"ms_per_frame": timed[1]}
    peers = {"MediaPipe Selfie (general, 256x256)": lambda: mediapipe_selfie(False),
             "MediaPipe Selfie (landscape, 144x256)": lambda: mediapipe_selfie(True),
             "PP-HumanSeg-Lite ONNX 192x192": lambda: pp_humanseg_lite(Path(args.peer_onnx), (192, 192)),
             "PP-HumanSeg-Lite ONNX 398x224": lambda: pp_humanseg_lite(Path(args.peer_onnx), (398, 224))}
    for name, make in peers.items():
        try:
            segment = make()
        except (ImportError, OSError, RuntimeError) as exc:
            skipped[name] = f"{type(exc).__name__}: {exc}"
            continue
        rows[name] = score(segment, frames)
    sequences = sorted({f[0] for f in frames})
    out = Path(args.out)
    write_json(out / "results.json", {"sequences": sequences, "frames": len(frames), "rows": rows,
                                      "skipped": skipped, "pipelines": args.pipeline})
    lines = [f"Validation sequences {', '.join(sequences)} ({len(frames)} frames, 854x480), 2-core CPU.", "",
             "| method | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, row in rows.items():
        cells = ["-" if row.get(c) is None else f"{row[c]:.4f}" if c != "ms_per_frame" else f"{row[c]:.1f}"
                 for c in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [f"skipped {k}: {v}" for k, v in skipped.items()]
    write_text(out / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
