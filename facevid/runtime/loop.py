"""The training loop both stages share: small and plain (iteration based, like PaddleSeg's).

Seeded; checkpoints atomically every `train.save_interval` and at the end; `resume=True`
continues from the newest intact checkpoint (a damaged one is reported and skipped) with the
same batches it would have seen, after comparing the config with the run's first one: a change
of what the checkpoints mean (model, loss, optimizer, batch or crop size) is refused, other
changes are appended to `OUT/resumes.json` (`OUT/config.json` stays the first run's);
evaluates every `train.eval_interval` and keeps the best weights as `best_model.pdparams`;
logs scalars to VisualDL (`OUT/vdl`) and shows a progress bar with ETA. Under
`python -m paddle.distributed.launch` each process trains on its slice of every batch and the
gradients are all-reduced (paddle.DataParallel); only rank 0 evaluates and writes.
"""
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from facevid.config.sections import ModelConfig
import facevid.paddle_env  # noqa: F401  (before paddle)
import paddle
import paddle.distributed as dist
from tqdm import tqdm

from facevid.runtime.checkpoint import (complete_checkpoints, load_checkpoint, load_pretrained_backbone,
                                load_weights, save_checkpoint, save_weights, usable_checkpoint)
from facevid.config.typed import to_dict
from facevid.errors import UserError
from facevid.runtime.gpu import make_scaler, prepare_model, step as gpu_step
from facevid.io.files import write_json

Schedule = Optional[paddle.optimizer.lr.LRScheduler]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    paddle.seed(seed)


def build_optimizer(cfg: ModelConfig, model: paddle.nn.Layer
                    ) -> Tuple[paddle.optimizer.Optimizer, Schedule]:
    """Momentum SGD or Adam, and the learning-rate schedule to step once per iteration (None for
    a constant rate). The schedule's position is saved in the optimizer's state_dict."""
    train = cfg.train
    lr = train.lr
    if train.lr_schedule == "poly":
        lr = paddle.optimizer.lr.PolynomialDecay(lr, decay_steps=train.iters, end_lr=0.0, power=0.9)
    if train.warmup_iters > 0:
        lr = paddle.optimizer.lr.LinearWarmup(lr, train.warmup_iters, 0.0, train.lr)
    decay = paddle.regularizer.L2Decay(train.weight_decay) if train.weight_decay else None
    if train.optimizer == "sgd":
        optimizer = paddle.optimizer.Momentum(lr, momentum=train.momentum, weight_decay=decay,
                                              parameters=model.parameters())
    else:
        optimizer = paddle.optimizer.Adam(lr, weight_decay=decay, parameters=model.parameters())
    return optimizer, (lr if isinstance(lr, paddle.optimizer.lr.LRScheduler) else None)


@dataclass
class Task:
    """What a stage plugs into the loop."""
    model: paddle.nn.Layer
    optimizer: paddle.optimizer.Optimizer
    schedule: Schedule
    # batches(start_iter, rank, world_size) -> the batches of iterations start+1 .. iters
    batches: Callable[[int, int, int], Iterable[Any]]
    # loss(net, batch) -> named loss tensors including "total"
    loss: Callable[[paddle.nn.Layer, Any], Dict[str, paddle.Tensor]]
    evaluate: Callable[[], Dict[str, Any]]   # metrics of the current model on the val split
    best_key: str                            # the metric that picks best_model.pdparams
    report_keys: Tuple[str, ...]             # metrics printed and logged after each evaluation


def fit(cfg: ModelConfig, out_dir: Path, task: Task, resume: bool = False,
        show_progress: bool = True) -> Dict[str, Any]:
    """Run the loop; returns the metrics of the last evaluation."""
    out_dir = Path(out_dir)
    world, rank = dist.get_world_size(), dist.get_rank()
    if world > 1:
        dist.init_parallel_env()
    tc = cfg.train
    model = prepare_model(task.model, cfg)            # SyncBatchNorm when asked (GPU)
    scaler = make_scaler(cfg)                         # mixed precision when asked
    start, best = _start(cfg, out_dir, task, resume, write=rank == 0)
    net = paddle.DataParallel(model) if world > 1 else model
    writer = _visualdl(out_dir) if rank == 0 else None
    metrics: Dict[str, Any] = {}
    net.train()
    bar = tqdm(total=tc.iters, initial=start, desc="train", unit="it",
               disable=not show_progress or rank != 0, dynamic_ncols=True)
    clock = [time.time()]
    try:
        for it, batch in enumerate(task.batches(start, rank, world), start=start + 1):
            parts = _step(cfg, task, net, batch, it, scaler)
            bar.update(1)
            if it % tc.log_interval == 0 or it == tc.iters:
                _log(parts, task.optimizer, it, tc.log_interval, bar, writer, clock)
            final = it == tc.iters
            if rank == 0 and (it % tc.eval_interval == 0 or final):
                metrics, best = _evaluate_and_keep_best(task, out_dir, it, best, bar, writer)
            if rank == 0 and (it % tc.save_interval == 0 or final):
                save_checkpoint(out_dir, it, task.model, task.optimizer,
                                {"best": best, "world_size": world}, tc.keep_checkpoints)
    finally:
        bar.close()
        if writer:
            writer.close()
    return metrics


# Settings a resumed run may not change: they decide what the saved weights and optimizer
# state mean (another model, loss, optimizer or batch would make the run a different one).
FIXED_ON_RESUME = ("stage", "schema", "model", "loss", "ppdet", "train.optimizer",
                   "train.batch_size", "train.crop_size", "train.image_size", "data.crop",
                   "data.ignore_index")
# Settings that decide what a validation score means: when a resumed run changes them, the best
# score so far was measured on other data and cannot be compared, so the best is picked afresh.
VALIDATION_KEYS = ("data.val_root", "data.split_file", "eval")


def _start(cfg: ModelConfig, out_dir: Path, task: Task, resume: bool,
           write: bool) -> Tuple[int, Dict[str, Any]]:
    """The iteration to start after and the best score so far: 0 for a new run, or those of
    the newest intact checkpoint when resuming (after checking the config against the run's)."""
    best: Dict[str, Any] = {task.best_key: -1.0, "iteration": None,
                            "validation": _validation_view(to_dict(cfg))}
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file; give a folder for the run")
    existing = complete_checkpoints(out_dir) if out_dir.is_dir() else []
    if not resume:
        if existing:
            raise UserError(f"{out_dir} already holds checkpoints; pass --resume to continue them "
                            "or choose another --out")
        if cfg.train.pretrained_backbone:
            load_pretrained_backbone(Path(cfg.train.pretrained_backbone), task.model)
        if cfg.train.init_weights:    # before any folder is made
            new = load_weights(Path(cfg.train.init_weights), task.model, new_layers_ok=True)
            if new:
                tqdm.write(f"train.init_weights: {len(new)} parameters of this model start fresh "
                           f"or grown from the file (e.g. {new[0]})")
        if write:
            _create(out_dir)
            write_json(out_dir / "config.json", to_dict(cfg))
        return 0, best
    last, _ = usable_checkpoint(out_dir, log=lambda text: tqdm.write(text))
    if last is None:
        raise UserError(f"--resume: no intact checkpoint in {out_dir}"
                        + (" (every one is damaged)" if existing else ""))
    changes = config_changes(out_dir, cfg)
    state = load_checkpoint(last, task.model, task.optimizer)
    if state["iteration"] >= cfg.train.iters:
        raise UserError(f"{last} is already at iteration {state['iteration']} of "
                        f"train.iters={cfg.train.iters}; raise train.iters to train longer")
    if write:
        record_resume(out_dir, last, changes)
    tqdm.write(f"resuming from {last}" + (f" with changes {changes}" if changes else ""))
    # Checkpoints written before the best recorded its validation settings: the run's first.
    measured_on = state["best"].get("validation", _validation_view(json.loads(
        (out_dir / "config.json").read_text())))
    if measured_on != best["validation"]:
        tqdm.write(f"the validation data or settings changed since the best score "
                   f"({state['best'].get(task.best_key)}) was measured; the best is picked afresh "
                   "from this run's evaluations (best_model.pdparams is kept until one replaces it)")
        return state["iteration"], best
    return state["iteration"], dict(state["best"], validation=best["validation"])


def _validation_view(view: Dict[str, Any]) -> Dict[str, Any]:
    flat = _flatten(json.loads(json.dumps(view)))
    return {k: v for k, v in flat.items()
            if any(k == key or k.startswith(key + ".") for key in VALIDATION_KEYS)}


def _create(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot create the run folder ({exc.strerror})") from None


def _flatten(tree: Any, prefix: str = "") -> Dict[str, Any]:
    if isinstance(tree, dict):
        out: Dict[str, Any] = {}
        for key, value in tree.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): tree}


def config_changes(out_dir: Path, cfg: ModelConfig) -> Dict[str, List[Any]]:
    """{key: [the run's value, this one]} for every setting that differs from the run's first
    config; a change in FIXED_ON_RESUME is a UserError that names it."""
    path = out_dir / "config.json"
    try:
        first = json.loads(path.read_text())
    except (OSError, ValueError):
        raise UserError(f"--resume: {path} is missing or damaged, so the run's settings are "
                        "unknown; start a new run with another --out") from None
    old, new = _flatten(first), _flatten(json.loads(json.dumps(to_dict(cfg))))
    changes = {k: [old.get(k), new.get(k)] for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}
    fixed = [k for k in changes if any(k == f or k.startswith(f + ".") for f in FIXED_ON_RESUME)]
    if fixed:
        shown = ", ".join(f"{k}: {changes[k][0]!r} -> {changes[k][1]!r}" for k in fixed[:4])
        raise UserError(f"--resume: the config changes what the checkpoints mean ({shown}); "
                        "resume with the run's own settings or start a new run with another --out")
    return changes


def record_resume(out_dir: Path, checkpoint: Path, changes: Dict[str, List[Any]]) -> None:
    """Append this resume to OUT/resumes.json (config.json stays the first run's)."""
    path = out_dir / "resumes.json"
    try:
        history = json.loads(path.read_text()) if path.exists() else []
    except ValueError:
        history = []
    history.append({"from": checkpoint.name, "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "changes": changes})
    write_json(path, history)


def _step(cfg: ModelConfig, task: Task, net: paddle.nn.Layer, batch: Any,
          it: int, scaler: Optional[paddle.amp.GradScaler]) -> Dict[str, paddle.Tensor]:
    # Dropout and samplers draw from paddle's global generator; seeding it per iteration
    # makes a resumed run repeat the uninterrupted one exactly.
    paddle.seed(cfg.seed * 1_000_003 + it)
    parts = gpu_step(task.loss, net, batch, task.optimizer, scaler, cfg.train.amp_level)
    if task.schedule is not None:
        task.schedule.step()
    return parts


def _log(parts: Dict[str, paddle.Tensor], optimizer: paddle.optimizer.Optimizer, it: int,
         interval: int, bar: tqdm, writer: Any, clock: List[float]) -> None:
    values = {k: float(v) for k, v in parts.items()}
    bar.set_postfix(loss=f"{values['total']:.3f}", lr=f"{optimizer.get_lr():.2e}")
    if writer:
        for key, value in values.items():
            writer.add_scalar(f"train/loss_{key}", value, it)
        writer.add_scalar("train/lr", optimizer.get_lr(), it)
        writer.add_scalar("train/sec_per_iter", (time.time() - clock[0]) / interval, it)
    clock[0] = time.time()


def _evaluate_and_keep_best(task: Task, out_dir: Path, it: int, best: Dict[str, Any], bar: tqdm,
                            writer: Any) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    metrics = task.evaluate()
    task.model.train()
    shown = {k: metrics[k] for k in task.report_keys if metrics.get(k) is not None}
    bar.write(f"iter {it}: " + "  ".join(f"{k} {v:.4f}" for k, v in shown.items()))
    if writer:
        for key, value in shown.items():
            writer.add_scalar(f"val/{key}", value, it)
    score = metrics.get(task.best_key)
    if score is not None and score > best[task.best_key]:
        best = dict(best, **{task.best_key: score, "iteration": it})
        save_weights(out_dir / "best_model.pdparams", task.model)
        write_json(out_dir / "best_metrics.json", dict(metrics, iteration=it))
    return metrics, best


def _visualdl(out_dir: Path):
    from visualdl import LogWriter   # imported late: it is slow to import and rank 0 only
    return LogWriter(logdir=str(out_dir / "vdl"))
