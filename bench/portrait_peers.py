"""Portrait segmentation on real video, ours beside the peers a user would pick, in one run.

On the validation sequences of a DAVIS split (frames never trained on), every method segments
every frame; each is scored with the same code: J, F, J&F, J/F decay (DAVIS), flicker (mean
fraction of pixels whose mask changes between frames minus the same for the ground truth) and
milliseconds per frame (the method's own call, resize and normalisation included, no I/O).

With --val-folder (tools/make_portrait_val.py: held-out frames of several sources, one clip
folder per source) every method is also scored there, per source: the gap between sources is
what a single-source validation hides.

Methods: each `--pipeline` (ours, detector included), the forward alone of each one's first
parser exported to Paddle Inference, MediaPipe Selfie (general 256x256, landscape 144x256) and
BlazePose segmentation (video mode, one person; mediapipe==0.10.14), PP-HumanSeg-Lite (ONNX, at
192x192 and 398x224), the person teacher (tools/teacher_persons.py), RobustVideoMatting
MobileNetV3 (GPL-3.0: its own process, bench/peers/rvm_masks.py) and MODNet, the matting teacher
(alpha > 0.5). Peers need `make bench-deps` and `make train-deps`; a missing one is reported as
skipped. The photo sets of a validation folder (PHOTO_CLIPS) run each photo as its own video.

Example:
  python bench/portrait_peers.py --davis ../shared/data/davis_person \\
      --val-folder runs/data/portrait_val \\
      --pipeline configs/pipeline_portrait.yml --out bench/results/portrait_peers
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.errors import UserError
from facevid.io.files import write_json, write_text
from facevid.metrics.segmentation import SegEvaluator
from facevid.data.readers import ImageMaskFolder
from facevid.data.splits import read_split_file, select_frames
from pipeline.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
Segment = Callable[[np.ndarray], np.ndarray]      # RGB frame -> 0/1 person mask H x W
# The photo sets of the cross-source validation (tools/make_portrait_val.py): unrelated photos,
# each run as a video of its own, so nothing (boxes, a previous mask) carries from one to the next.
PHOTO_CLIPS = ("celebamask", "lfw", "ccp", "coco_people")
COLUMNS = ("J", "F", "JF", "J_decay", "F_decay", "flicker", "ms_per_frame")


def mediapipe_selfie(landscape: bool) -> Segment:
    import mediapipe as mp
    model = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=int(landscape))

    def run(frame: np.ndarray) -> np.ndarray:
        return (model.process(frame).segmentation_mask > 0.5).astype(np.uint8)
    return run


def pp_humanseg_lite(onnx: Path, size: Tuple[int, int]) -> Segment:
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


def blazepose() -> Segment:
    """MediaPipe's BlazePose segmentation in video mode (one person; its tracking state is reset
    at each clip's start through `new_video`)."""
    from mediapipe.python.solutions import pose

    class BlazePose:
        model = None

        def new_video(self) -> None:
            self.model = pose.Pose(static_image_mode=False, model_complexity=1, enable_segmentation=True)

        def __call__(self, frame: np.ndarray) -> np.ndarray:
            if self.model is None:
                self.new_video()
            found = self.model.process(frame).segmentation_mask
            return np.zeros(frame.shape[:2], np.uint8) if found is None else (found > 0.5).astype(np.uint8)
    return BlazePose()


def person_teacher() -> Segment:
    """The person teacher (tools/teacher_persons.py): SSD person boxes, pose segmentation inside."""
    from stage1_detect.person_teacher import PersonTeacher, find_ssd
    teacher = PersonTeacher(*find_ssd())
    return lambda frame: teacher(frame).mask().astype(np.uint8)


class RvmPeer:
    """RobustVideoMatting (GPL-3.0) through its own process (bench/peers/rvm_masks.py): every
    frame of a set is written out, segmented there in clip order, and read back in turn."""

    def __init__(self, onnx: Path):
        if not onnx.is_file():
            raise OSError(f"{onnx} not found (make bench-deps extracts it)")
        self.onnx, self.masks, self.ms_per_frame = onnx, [], None

    def prepare(self, frames: List[Tuple[str, np.ndarray, np.ndarray]]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            names = []
            for i, (clip, image, _) in enumerate(frames):     # each photo is a clip of its own
                folder = Path(tmp) / "frames" / (f"{clip}_{i:05d}" if clip in PHOTO_CLIPS else clip)
                folder.mkdir(parents=True, exist_ok=True)
                names.append(folder.relative_to(Path(tmp) / "frames") / f"{i:05d}.png")
                cv2.imwrite(str(Path(tmp) / "frames" / names[-1]), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            subprocess.run([sys.executable, str(ROOT / "bench" / "peers" / "rvm_masks.py"), "--onnx",
                            str(self.onnx), "--frames", str(Path(tmp) / "frames"), "--out",
                            str(Path(tmp) / "masks")], check=True)
            self.masks = [(cv2.imread(str(Path(tmp) / "masks" / n), cv2.IMREAD_GRAYSCALE) > 0).astype(np.uint8)
                          for n in names]
            self.ms_per_frame = json.loads((Path(tmp) / "masks" / "timing.json").read_text())["ms_per_frame"]

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        return self.masks.pop(0)


def modnet_teacher() -> Segment:
    from stage2_seg.teacher import ModnetTeacher, find_modnet
    teacher = ModnetTeacher(find_modnet(), threads=2)
    return lambda frame: (teacher(frame) > 0.5).astype(np.uint8)


def our_pipeline(path: str) -> Tuple[Segment, Callable[[], None], object]:
    pipe = Pipeline.from_config(Path(path))
    return (lambda frame: (pipe(frame).labels > 0).astype(np.uint8)), pipe.new_video, pipe


def forward_only(pipe, path: str, tmp: Path) -> Optional[Tuple[str, float]]:
    """Milliseconds of the first parser's network alone, exported to Paddle Inference."""
    from stage2_seg.export import export_parser
    from stage2_seg.exported import exported_forward
    entry = load_config(Path(path), stages=("pipeline",)).parsers[0]
    if not entry.weights:
        return None
    cfg = load_config(Path(entry.config), entry.opts, stages=("seg",))
    export = export_parser(cfg, Path(entry.weights), tmp / Path(path).stem)
    forward = exported_forward(export, threads=2)
    w, h = cfg.eval.size
    batch = np.zeros((1, cfg.in_channels, h, w), np.float32)
    for _ in range(3):
        forward(batch)
    tic = time.perf_counter()
    for _ in range(20):
        forward(batch)
    return f"{Path(path).stem}: network forward only ({w}x{h}, exported)", (time.perf_counter() - tic) / 20 * 1000


def score(segment: Segment, frames: List[Tuple[str, np.ndarray, np.ndarray]],
          new_video: Callable[[], None] = lambda: None) -> Dict[str, float]:
    """Every method on every frame; with frames of several clips (sources) also J&F per clip."""
    if hasattr(segment, "prepare"):         # a peer run in its own process, all frames at once
        segment.prepare(frames)
    evaluator = SegEvaluator(2)
    seconds, clip = [], None
    for name, image, label in frames:
        if name != clip or name in PHOTO_CLIPS:     # every unrelated photo starts afresh
            new_video()
            clip = name
        tic = time.perf_counter()
        mask = segment(image)
        seconds.append(time.perf_counter() - tic)
        evaluator.add(mask, label, name)
    metrics = evaluator.result()
    steady = seconds[3:] if len(seconds) > 3 else seconds   # the first calls pay for set-up
    ms = getattr(segment, "ms_per_frame", None) or 1000 * float(np.mean(steady))
    return {**{k: metrics[k] for k in COLUMNS[:-1]}, "ms_per_frame": ms,
            "JF_by_clip": metrics["JF_by_clip"]}


def load_frames(davis: Path, split_file: Optional[Path], limit: Optional[int],
                layout=("JPEGImages", "Annotations", "binary")) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    reader = ImageMaskFolder(davis, *layout)
    if split_file is not None:
        select_frames(reader, read_split_file(split_file)["val"], split_file)
    frames = []
    for i, ref in enumerate(reader.frames):
        if limit is not None and sum(1 for f in frames if f[0] == ref.clip) >= limit:
            continue
        image, label = reader.load(i)
        frames.append((ref.clip, image, label))
    return frames


def methods(args, tmp: Path, forward_only_rows: Dict[str, Dict[str, float]],
            skipped: Dict[str, str]) -> Dict[str, Tuple[Segment, Callable[[], None]]]:
    """Every method by name, built once (a peer that cannot be built goes into `skipped`, with
    why); forward-only timings of our parsers go into `forward_only_rows`."""
    built: Dict[str, Tuple[Segment, Callable[[], None]]] = {}
    for path in args.pipeline:
        segment, new_video, pipe = our_pipeline(path)
        built[f"ours: {Path(path).stem}"] = (segment, new_video)
        timed = forward_only(pipe, path, tmp)
        if timed:
            forward_only_rows[timed[0]] = {"ms_per_frame": timed[1]}
    peers = {"MediaPipe Selfie (general, 256x256)": lambda: mediapipe_selfie(False),
             "MediaPipe Selfie (landscape, 144x256)": lambda: mediapipe_selfie(True),
             "PP-HumanSeg-Lite ONNX 192x192": lambda: pp_humanseg_lite(Path(args.peer_onnx), (192, 192)),
             "PP-HumanSeg-Lite ONNX 398x224": lambda: pp_humanseg_lite(Path(args.peer_onnx), (398, 224)),
             "MediaPipe BlazePose segmentation (video mode)": blazepose,
             "person teacher (SSD boxes + pose segmentation)": person_teacher,
             "RVM MobileNetV3 (GPL-3.0, own process)": lambda: RvmPeer(Path(args.rvm_onnx)),
             "MODNet (the matting teacher)": modnet_teacher}
    for name, make in peers.items():
        if args.ours_only or any(word.lower() in name.lower() for word in args.skip):
            skipped[name] = "--ours-only" if args.ours_only else "--skip"
            continue
        try:
            peer = make()
            built[name] = (peer, getattr(peer, "new_video", lambda: None))
        except (ImportError, OSError, RuntimeError, UserError) as exc:
            skipped[name] = f"{type(exc).__name__}: {exc}"
    return built


def table(title: str, rows: Dict[str, Dict[str, float]], by_clip: bool) -> List[str]:
    clips = sorted({c for r in rows.values() for c in r.get("JF_by_clip", {})}) if by_clip else []
    cols = list(COLUMNS) + [f"JF {c}" for c in clips]
    lines = [title, "", "| method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in rows.items():
        values = [row.get(c) for c in COLUMNS] + [row.get("JF_by_clip", {}).get(c) for c in clips]
        cells = ["-" if v is None else f"{v:.1f}" if c == "ms_per_frame" else f"{v:.4f}"
                 for c, v in zip(cols, values)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis", required=True, help="davis_person folder (JPEGImages/, Annotations/)")
    parser.add_argument("--split", default=str(ROOT / "configs" / "splits" / "davis_person.yml"),
                        help="split file; its val sequences are scored (default the project's)")
    parser.add_argument("--val-folder", help="a cross-source validation folder (tools/make_portrait_val.py)")
    parser.add_argument("--pipeline", nargs="+", default=["configs/pipeline_portrait.yml"],
                        help="our portrait pipeline YAMLs (default configs/pipeline_portrait.yml)")
    parser.add_argument("--peer-onnx", help="PP-HumanSeg-Lite ONNX file",
                        default=str(ROOT.parent / "shared" / "peers" / "pp_humanseg_lite.onnx"))
    parser.add_argument("--rvm-onnx", default=str(ROOT / "pretrained" / "peers" / "rvm_mobilenetv3_fp32.onnx"),
                        help="RobustVideoMatting's ONNX file (make bench-deps extracts it)")
    parser.add_argument("--skip", nargs="*", default=[], help="leave out the peers whose name holds one of these words")
    parser.add_argument("--ours-only", action="store_true",
                        help="only our pipelines (comparing candidates; the peers' rows need a full run)")
    parser.add_argument("--frames-per-sequence", type=int, help="the first N of each (default all)")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    sets = {"davis": load_frames(Path(args.davis), Path(args.split), args.frames_per_sequence)}
    if args.val_folder:
        sets["cross-source"] = load_frames(Path(args.val_folder), None, None, ("images", "labels", "ids"))
    if not all(sets.values()):
        raise UserError("no validation frames found")
    results: Dict[str, Dict[str, Dict[str, float]]] = {name: {} for name in sets}
    forward_only_rows: Dict[str, Dict[str, float]] = {}
    skipped: Dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for method, (segment, new_video) in methods(args, Path(tmp), forward_only_rows, skipped).items():
            for name, frames in sets.items():
                results[name][method] = score(segment, frames, new_video)
                print(method, name, {k: v for k, v in results[name][method].items() if k != "JF_by_clip"}, flush=True)
    results["davis"].update(forward_only_rows)
    out = Path(args.out)
    write_json(out / "results.json", {"sets": {k: sorted({f[0] for f in v}) for k, v in sets.items()},
                                      "frames": {k: len(v) for k, v in sets.items()}, "rows": results,
                                      "skipped": skipped, "pipelines": args.pipeline})
    davis = sets["davis"]
    lines = table(f"Validation sequences {', '.join(sorted({f[0] for f in davis}))} ({len(davis)} frames, "
                  "854x480), 2-core CPU.", results["davis"], by_clip=False)
    if "cross-source" in sets:
        lines += [""] + table(f"Cross-source validation ({len(sets['cross-source'])} held-out frames; "
                              "J&F per source clip)", results["cross-source"], by_clip=True)
    lines += [f"skipped {k}: {v}" for k, v in skipped.items()]
    write_text(out / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
