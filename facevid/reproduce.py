"""Reproduce the challenge table in one command: data, the detector, three stage-2 models,
inference on the evaluation clips and every row scored with the metrics of tools/eval.py.

Each step leaves `OUT/steps/<step>.json` when it is complete; a rerun reuses those and says so.
An interrupted training step resumes from its newest checkpoint. The table is written to
`OUT/table.md` and everything else (every metric, the commit, the configs, the wall time of
each step) to `OUT/results.json`.

Rows: each model alone; the hard-vote ensemble of the three; the ensemble refined by GrabCut;
the main model with argmax-then-nearest resizing (against bilinear logits) and evaluated at its
training size (against the evaluation size). Every row uses the trained detector's crops.
"""
import json
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np
from tqdm import tqdm

from facevid.config import load_config, public_view
from facevid.files import write_bytes, write_json
from facevid.metrics import SegEvaluator
from facevid.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("miou", "mean_f1", "J", "F", "JF", "decay")


class Steps:
    """Runs named steps once; a finished step's record is reused on a rerun."""

    def __init__(self, out: Path, log: Callable[[str], None] = print):
        self.dir, self.log = Path(out) / "steps", log
        self.dir.mkdir(parents=True, exist_ok=True)
        self.records: Dict[str, Any] = {}

    def run(self, name: str, fn: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
        done = self.dir / f"{name}.json"
        if done.exists():
            self.log(f"[skip] {name}: finished earlier ({done})")
            record = json.loads(done.read_text())
        else:
            self.log(f"[run] {name}")
            tic = time.time()
            result = fn()
            record = {"result": result, "seconds": round(time.time() - tic, 1)}
            write_json(done, record)
        self.records[name] = record
        return record["result"]


def _model_cfg(entry: Dict[str, Any], cfg: Dict[str, Any]) -> Dict[str, Any]:
    return load_config(ROOT / entry["config"],
                       [f"data.train_root={cfg['train_root']}", f"data.val_root={cfg['val_root']}",
                        *entry.get("opts", [])])


def _train(stage_cfg: Dict[str, Any], out: Path) -> Dict[str, Any]:
    from facevid.checkpoint import latest_checkpoint
    if stage_cfg["stage"] == "det":
        from stage1_detect.train import train
    else:
        from stage2_seg.train import train
    last = latest_checkpoint(out) if out.exists() else None
    done = last is not None and json.loads((last / "state.json").read_text())["iteration"] >= \
        stage_cfg["train"]["iters"]
    if not done:                      # interrupted earlier: continue from the last checkpoint
        train(stage_cfg, out, resume=last is not None)
    return {"weights": str(out / "best_model.pdparams"), "config": public_view(stage_cfg)}


def _evaluate_rows(cfg: Dict[str, Any], model_cfgs: Dict[str, Dict], out: Path) -> List[Dict[str, Any]]:
    import facevid.paddle_env  # noqa: F401  (before paddle)
    import paddle
    from facevid.checkpoint import load_weights
    from facevid.splits import open_split
    from postprocess.ensemble import hard_vote, softmax
    from postprocess.grabcut import refine_labels
    from stage1_detect.detector import VideoDetector
    from stage2_seg.components import build_model
    from stage2_seg.parser import Parser, dygraph_forward

    detector = _detector(cfg, out)
    parsers = {}
    for name, mcfg in model_cfgs.items():
        with paddle.utils.unique_name.guard():
            model = build_model(mcfg)
        load_weights(out / _slug(name) / "best_model.pdparams", model)
        model.eval()
        parsers[name] = Parser(mcfg, dygraph_forward(model))
    main = cfg["main_model"]
    main_cfg = dict(model_cfgs[main], eval=dict(model_cfgs[main]["eval"], size=cfg["train_size_eval"]))
    small = Parser(main_cfg, parsers[main].forward)
    schema = next(iter(model_cfgs.values()))["_schema"]
    rows = list(model_cfgs) + ["hard-vote ensemble", "ensemble + GrabCut",
                               f"{main} argmax-nearest", f"{main} infer at train size"]
    evaluators = {r: SegEvaluator(schema.num_classes) for r in rows}
    reader = open_split(next(iter(model_cfgs.values())), "val")
    video, clip = None, None
    for i in tqdm(range(len(reader)), desc="score rows", unit="frame"):
        ref = reader.frames[i]
        image, label = reader.load(i)
        if ref.clip != clip:                       # a new clip: do not carry boxes across
            video, clip = VideoDetector(detector), ref.clip
        boxes = detector.crop_boxes(video(image), (image.shape[1], image.shape[0]))
        probs = {n: softmax(p.frame_logits(image, boxes)) for n, p in parsers.items()}
        labels = {n: p.argmax(0).astype(np.uint8) for n, p in probs.items()}
        for n in model_cfgs:
            evaluators[n].add(labels[n], label, ref.clip)
        voted = hard_vote([labels[n] for n in model_cfgs], schema.num_classes,
                          [probs[n].max(0) for n in model_cfgs])
        evaluators["hard-vote ensemble"].add(voted, label, ref.clip)
        mean = np.mean([probs[n] for n in model_cfgs], axis=0)
        evaluators["ensemble + GrabCut"].add(refine_labels(image, voted, mean), label, ref.clip)
        nearest = parsers[main].frame_logits(image, boxes, mode="nearest").argmax(0).astype(np.uint8)
        evaluators[f"{main} argmax-nearest"].add(nearest, label, ref.clip)
        evaluators[f"{main} infer at train size"].add(
            small.frame_logits(image, boxes).argmax(0).astype(np.uint8), label, ref.clip)
    # A list, not a mapping: the table keeps this order (JSON files are written key-sorted).
    return [{"row": r, "metrics": evaluators[r].result()} for r in rows]


def _slug(name: str) -> str:
    return name.replace(" ", "_").replace("/", "").replace("+", "plus")


def reproduce(config: Path, log: Callable[[str], None] = print) -> Dict[str, Any]:
    cfg = load_config(Path(config))
    out = Path(cfg["out"])
    steps = Steps(out, log)
    started = time.time()
    # The code that runs is the code at the start (HEAD may move while this runs).
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or None
    if cfg["synthetic"] is not None:
        s = cfg["synthetic"]
        steps.run("data", lambda: {
            "train": str(generate(cfg["train_root"], s["train_clips"], s["train_seed"], s["frames"],
                                  overwrite=True)),
            "val": str(generate(cfg["val_root"], s["val_clips"], s["val_seed"], s["frames"],
                                overwrite=True))})
    det_cfg = _model_cfg(cfg["detector"], cfg)
    model_cfgs = {name: _model_cfg(entry, cfg) for name, entry in cfg["models"].items()}
    steps.run("train_detector", lambda: _train(det_cfg, out / "det"))
    for name, mcfg in model_cfgs.items():
        steps.run(f"train_{_slug(name)}", lambda mcfg=mcfg, name=name: _train(mcfg, out / _slug(name)))
    scores = steps.run("score_rows", lambda: _evaluate_rows(cfg, model_cfgs, out))
    det_scores = steps.run("score_detector", lambda: _score_detector(cfg, out))
    results = {"commit": commit, "config": public_view(cfg), "rows": scores, "detector": det_scores,
               "steps": {k: v["seconds"] for k, v in steps.records.items()},
               "wall_seconds_this_run": round(time.time() - started, 1)}
    write_json(out / "results.json", results)
    table = render_table(scores, cfg["published"])
    write_bytes(out / "table.md", table.encode())
    return {"table": table, "results": results}


def _detector(cfg: Dict[str, Any], out: Path):
    """The trained detector, with the preset's data roots and overrides."""
    from stage1_detect.detector import Detector
    entry = cfg["detector"]
    return Detector.from_files(ROOT / entry["config"], out / "det" / "best_model.pdparams",
                               [f"data.train_root={cfg['train_root']}",
                                f"data.val_root={cfg['val_root']}", *entry.get("opts", [])])


def _score_detector(cfg: Dict[str, Any], out: Path) -> Dict[str, Any]:
    from stage1_detect.evaluate import evaluate_detector
    return evaluate_detector(_detector(cfg, out))


def render_table(scores: List[Dict[str, Any]], published: Dict[str, float]) -> str:
    head = "| row | " + " | ".join(METRICS) + " | published (their score) |"
    lines: List[str] = [head, "|---" * (len(METRICS) + 2) + "|"]
    for entry in scores:
        row, m = entry["row"], entry["metrics"]
        cells = [("-" if m.get(k) is None else f"{m[k]:.4f}") for k in METRICS]
        pub = published.get(row)
        lines.append(f"| {row} | " + " | ".join(cells) + f" | {'' if pub is None else pub} |")
    return "\n".join(lines) + "\n"
