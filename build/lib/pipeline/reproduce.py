"""Reproduce the challenge table in one command: data, the detector, three stage-2 models,
inference on the evaluation clips and every row scored with the metrics of tools/eval.py.

Each step leaves `OUT/steps/<step>.json` when it is complete; a rerun reuses those and says so.
An interrupted training step resumes from its newest intact checkpoint. The table is written to
`OUT/table.md` and everything else (every metric, the commit, the configs, the wall time of
each step) to `OUT/results.json`.

Rows: each model alone; the hard-vote ensemble of the three; the ensemble refined by GrabCut;
the main model with argmax-then-nearest resizing (against bilinear logits) and evaluated at its
training size (against the evaluation size). Every row is computed from `Pipeline` output, the
code `tools/infer.py` runs, with the trained detector; `OUT/pipeline.yml` is that pipeline.
"""
import json
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import yaml
from tqdm import tqdm

from facevid.config.pipelines import ModelEntry, ReproduceConfig
from facevid.config.sections import ModelConfig
from facevid.config.load import load_config
from facevid.config.typed import to_dict
from facevid.io.files import write_bytes, write_json, write_text
from facevid.synthetic.clips import generate
from pipeline.pipeline import GrabCutSettings, Pipeline
from postprocess.ensemble import channel_argmax
from facevid.metrics.segmentation import SegEvaluator
from facevid.data.splits import open_split

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


def _data_opts(cfg: ReproduceConfig) -> List[str]:
    return [f"data.train_root={cfg.train_root}", f"data.val_root={cfg.val_root}"]


def _model_cfg(entry: ModelEntry, cfg: ReproduceConfig) -> ModelConfig:
    return load_config(ROOT / entry.config, _data_opts(cfg) + entry.opts)


def _train(stage_cfg: ModelConfig, out: Path) -> Dict[str, Any]:
    from facevid.runtime.checkpoint import usable_checkpoint
    if stage_cfg.stage == "det":
        from stage1_detect.train import train
    else:
        from stage2_seg.train import train
    last = usable_checkpoint(out)[0] if out.exists() else None
    done = last is not None and json.loads((last / "state.json").read_text())["iteration"] >= \
        stage_cfg.train.iters
    if not done:                      # interrupted earlier: continue from the last checkpoint
        train(stage_cfg, out, resume=last is not None)
    return {"weights": str(out / "best_model.pdparams"), "config": to_dict(stage_cfg)}


def _evaluate_rows(cfg: ReproduceConfig, out: Path) -> List[Dict[str, Any]]:
    """Every row from Pipeline output on the validation frames: one pass of the ensemble
    pipeline gives each model's probabilities (model rows), the vote (ensemble row) and the
    refined labels (GrabCut row); the main model's resize and input-size rows are the same
    pipeline's `parse` with the main parser alone, on the same detections."""
    from stage2_seg.parser import Parser

    pipe = Pipeline.from_config(out / "pipeline.yml")    # what tools/infer.py would run
    main = next(p for p in pipe.parsers if p.name == cfg.main_model)
    plain = GrabCutSettings(enabled=False)
    nearest = Pipeline([main], pipe.detector, resize="nearest", grabcut=plain,
                       no_detection="whole_frame")
    small = Pipeline([Parser(main.forward, main.schema, tuple(cfg.train_size_eval), main.crop_rule,
                             main.mirror_lut is not None, name=main.name)], pipe.detector, grabcut=plain,
                     no_detection="whole_frame")
    models = [p.name for p in pipe.parsers]
    rows = models + ["hard-vote ensemble", "ensemble + GrabCut",
                     f"{main.name} argmax-nearest", f"{main.name} infer at train size"]
    evaluators = {r: SegEvaluator(pipe.schema.num_classes) for r in rows}
    reader = open_split(_model_cfg(next(iter(cfg.models.values())), cfg), "val")
    clip = None
    for i in tqdm(range(len(reader)), desc="score rows", unit="frame"):
        ref = reader.frames[i]
        image, label = reader.load(i)
        if ref.clip != clip:                       # a new clip: do not carry boxes across
            pipe.new_video()
            clip = ref.clip
        result = pipe(image)
        predictions = {n: channel_argmax(result.model_probs[n]) for n in models}
        predictions.update({
            "hard-vote ensemble": result.voted, "ensemble + GrabCut": result.labels,
            rows[-2]: nearest.parse(image, result.detections).labels,
            rows[-1]: small.parse(image, result.detections).labels})
        for row, pred in predictions.items():
            evaluators[row].add(pred, label, ref.clip)
    # A list, not a mapping: the table keeps this order (JSON files are written key-sorted).
    return [{"row": r, "metrics": evaluators[r].result()} for r in rows]


def pipeline_config(cfg: ReproduceConfig, out: Path) -> Dict[str, Any]:
    """The pipeline YAML of the "ensemble + GrabCut" row: `tools/infer.py --pipeline` with it
    runs exactly what that row scored."""
    det = cfg.detector
    return {
        "stage": "pipeline",
        "detector": {"config": str(ROOT / det.config), "weights": str(_detector_weights(cfg, out)),
                     "opts": _data_opts(cfg) + det.opts},
        "parsers": [{"name": name, "config": str(ROOT / entry.config),
                     "weights": str(out / _slug(name) / "best_model.pdparams"),
                     "opts": _data_opts(cfg) + entry.opts}
                    for name, entry in cfg.models.items()],
        "ensemble": "hard", "resize": "bilinear", "grabcut": to_dict(cfg.grabcut),
        # Challenge footage is faces throughout: a frame the detector misses is parsed whole
        # (what the table has always measured), not left background.
        "no_detection": "whole_frame"}


def _slug(name: str) -> str:
    return name.replace(" ", "_").replace("/", "").replace("+", "plus")


def reproduce(config: Path, log: Callable[[str], None] = print) -> Dict[str, Any]:
    cfg = load_config(Path(config), stages=("reproduce",))
    out = Path(cfg.out)
    steps = Steps(out, log)
    started = time.time()
    # The code that runs is the code at the start (HEAD may move while this runs).
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or None
    if cfg.synthetic is not None:
        s = cfg.synthetic
        steps.run("data", lambda: {
            "train": str(generate(cfg.train_root, s.train_clips, s.train_seed, s.frames,
                                  overwrite=True)),
            "val": str(generate(cfg.val_root, s.val_clips, s.val_seed, s.frames,
                                overwrite=True))})
    det_cfg = _model_cfg(cfg.detector, cfg)
    model_cfgs = {name: _model_cfg(entry, cfg) for name, entry in cfg.models.items()}
    if cfg.detector.weights:
        log(f"[reuse] detector: {_detector_weights(cfg, out)} (the preset names trained weights)")
    else:
        steps.run("train_detector", lambda: _train(det_cfg, out / "det"))
    for name, mcfg in model_cfgs.items():
        steps.run(f"train_{_slug(name)}", lambda mcfg=mcfg, name=name: _train(mcfg, out / _slug(name)))
    write_text(out / "pipeline.yml", yaml.safe_dump(pipeline_config(cfg, out), sort_keys=False))
    scores = steps.run("score_rows", lambda: _evaluate_rows(cfg, out))
    det_scores = steps.run("score_detector", lambda: _score_detector(cfg, out))
    results = {"commit": commit, "config": to_dict(cfg), "rows": scores, "detector": det_scores,
               "steps": {k: v["seconds"] for k, v in steps.records.items()},
               "wall_seconds_this_run": round(time.time() - started, 1)}
    write_json(out / "results.json", results)
    table = render_table(scores, cfg.published)
    write_bytes(out / "table.md", table.encode())
    return {"table": table, "results": results}


def _detector_weights(cfg: ReproduceConfig, out: Path) -> Path:
    """The preset's trained detector weights (relative to the project root), else the run's own."""
    named = cfg.detector.weights
    return ROOT / named if named else out / "det" / "best_model.pdparams"


def _score_detector(cfg: ReproduceConfig, out: Path) -> Dict[str, Any]:
    from stage1_detect.detector import Detector
    from stage1_detect.evaluate import evaluate_detector
    entry = cfg.detector
    det_cfg = _model_cfg(entry, cfg)
    if not Path(det_cfg.data.val_root).is_dir():     # reused weights, their scenes not made here
        return {"skipped": f"no detector validation data at {det_cfg.data.val_root}"}
    opts = _data_opts(cfg) + entry.opts
    detector = Detector.from_files(ROOT / entry.config, _detector_weights(cfg, out), opts)
    return evaluate_detector(detector, det_cfg)


def render_table(scores: List[Dict[str, Any]], published: Dict[str, float]) -> str:
    head = "| row | " + " | ".join(METRICS) + " | published (their score) |"
    lines: List[str] = [head, "|---" * (len(METRICS) + 2) + "|"]
    for entry in scores:
        row, m = entry["row"], entry["metrics"]
        cells = [("-" if m.get(k) is None else f"{m[k]:.4f}") for k in METRICS]
        pub = published.get(row)
        lines.append(f"| {row} | " + " | ".join(cells) + f" | {'' if pub is None else pub} |")
    return "\n".join(lines) + "\n"
