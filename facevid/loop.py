"""The training loop both stages share: small and plain (iteration based, like PaddleSeg's).

Seeded; checkpoints atomically every `train.save_interval` and at the end; `resume=True`
continues from the newest complete checkpoint with the same batches it would have seen;
evaluates every `train.eval_interval` and keeps the best weights as `best_model.pdparams`;
logs scalars to VisualDL (`OUT/vdl`) and shows a progress bar with ETA. Under
`python -m paddle.distributed.launch` each process trains on its slice of every batch and the
gradients are all-reduced (paddle.DataParallel); only rank 0 evaluates and writes.
"""
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

import numpy as np

import facevid.paddle_env  # noqa: F401  (before paddle)
import paddle
import paddle.distributed as dist
from tqdm import tqdm

from facevid.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint, save_weights
from facevid.config import public_view
from facevid.errors import UserError
from facevid.files import write_json

Schedule = Optional[paddle.optimizer.lr.LRScheduler]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    paddle.seed(seed)


def build_optimizer(cfg: Dict[str, Any], model: paddle.nn.Layer
                    ) -> Tuple[paddle.optimizer.Optimizer, Schedule]:
    """Momentum SGD or Adam, and the learning-rate schedule to step once per iteration (None for
    a constant rate). The schedule's position is saved in the optimizer's state_dict."""
    train = cfg["train"]
    lr = train["lr"]
    if train["lr_schedule"] == "poly":
        lr = paddle.optimizer.lr.PolynomialDecay(lr, decay_steps=train["iters"], end_lr=0.0, power=0.9)
    if train["warmup_iters"] > 0:
        lr = paddle.optimizer.lr.LinearWarmup(lr, train["warmup_iters"], 0.0, train["lr"])
    decay = paddle.regularizer.L2Decay(train["weight_decay"]) if train["weight_decay"] else None
    if train["optimizer"] == "sgd":
        optimizer = paddle.optimizer.Momentum(lr, momentum=train["momentum"], weight_decay=decay,
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


def fit(cfg: Dict[str, Any], out_dir: Path, task: Task, resume: bool = False,
        show_progress: bool = True) -> Dict[str, Any]:
    """Run the loop; returns the metrics of the last evaluation."""
    out_dir = Path(out_dir)
    world, rank = dist.get_world_size(), dist.get_rank()
    if world > 1:
        dist.init_parallel_env()
    tc = cfg["train"]
    model, optimizer = task.model, task.optimizer
    start, best = 0, {task.best_key: -1.0, "iteration": None}
    last = latest_checkpoint(out_dir) if out_dir.exists() else None
    if resume:
        if last is None:
            raise UserError(f"--resume: no complete checkpoint in {out_dir}")
        state = load_checkpoint(last, model, optimizer)
        start, best = state["iteration"], state["best"]
        if start >= tc["iters"]:
            raise UserError(f"{last} is already at iteration {start} of train.iters={tc['iters']}; "
                            "raise train.iters to train longer")
    elif last is not None:
        raise UserError(f"{out_dir} already holds checkpoints; pass --resume to continue them "
                        "or choose another --out")
    if rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_json(out_dir / "config.json", public_view(cfg))

    net = paddle.DataParallel(model) if world > 1 else model
    writer = _visualdl(out_dir) if rank == 0 else None
    metrics: Dict[str, Any] = {}
    net.train()
    bar = tqdm(total=tc["iters"], initial=start, desc="train", unit="it",
               disable=not show_progress or rank != 0, dynamic_ncols=True)
    tic = time.time()
    try:
        for it, batch in enumerate(task.batches(start, rank, world), start=start + 1):
            # Dropout and samplers draw from paddle's global generator; seeding it per
            # iteration makes a resumed run repeat the uninterrupted one exactly.
            paddle.seed(cfg["seed"] * 1_000_003 + it)
            parts = task.loss(net, batch)
            parts["total"].backward()
            optimizer.step()
            optimizer.clear_grad()
            if task.schedule is not None:
                task.schedule.step()
            bar.update(1)
            if it % tc["log_interval"] == 0 or it == tc["iters"]:
                values = {k: float(v) for k, v in parts.items()}
                bar.set_postfix(loss=f"{values['total']:.3f}", lr=f"{optimizer.get_lr():.2e}")
                if writer:
                    for key, value in values.items():
                        writer.add_scalar(f"train/loss_{key}", value, it)
                    writer.add_scalar("train/lr", optimizer.get_lr(), it)
                    writer.add_scalar("train/sec_per_iter", (time.time() - tic) / tc["log_interval"], it)
                tic = time.time()
            final = it == tc["iters"]
            if rank == 0 and (it % tc["eval_interval"] == 0 or final):
                metrics = task.evaluate()
                model.train()
                shown = {k: metrics[k] for k in task.report_keys if metrics.get(k) is not None}
                bar.write(f"iter {it}: " + "  ".join(f"{k} {v:.4f}" for k, v in shown.items()))
                if writer:
                    for key, value in shown.items():
                        writer.add_scalar(f"val/{key}", value, it)
                score = metrics.get(task.best_key)
                if score is not None and score > best[task.best_key]:
                    best = {task.best_key: score, "iteration": it}
                    save_weights(out_dir / "best_model.pdparams", model)
                    write_json(out_dir / "best_metrics.json", dict(metrics, iteration=it))
            if rank == 0 and (it % tc["save_interval"] == 0 or final):
                save_checkpoint(out_dir, it, model, optimizer, {"best": best, "world_size": world},
                                tc["keep_checkpoints"])
    finally:
        bar.close()
        if writer:
            writer.close()
    return metrics


def _visualdl(out_dir: Path):
    from visualdl import LogWriter   # imported late: it is slow to import and rank 0 only
    return LogWriter(logdir=str(out_dir / "vdl"))
