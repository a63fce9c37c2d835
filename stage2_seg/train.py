"""A small, plain training loop for stage 2 (iteration based, like PaddleSeg's).

Seeded; checkpoints atomically every `train.save_interval` and at the end; `resume=True`
continues from the newest complete checkpoint with the same batches it would have seen;
evaluates every `train.eval_interval` and keeps the best weights as `best_model.pdparams`;
logs scalars to VisualDL (`OUT/vdl`) and shows a progress bar with ETA. Under
`python -m paddle.distributed.launch` each process trains on its slice of every batch and the
gradients are all-reduced (paddle.DataParallel); only rank 0 writes.
"""
import random
import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np
import paddle
import paddle.distributed as dist
from tqdm import tqdm

from facevid.config import public_view
from facevid.errors import ConfigError, UserError
from facevid.files import write_json
from facevid.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint, save_weights
from stage2_seg.components import build_loss_terms, build_model, named_outputs
from facevid.batches import IterationBatches
from stage2_seg.data import TrainSamples, open_split
from stage2_seg.evaluate import evaluate


def build_optimizer(cfg: Dict[str, Any], model: paddle.nn.Layer
                    ) -> Tuple[paddle.optimizer.Optimizer, Optional[paddle.optimizer.lr.LRScheduler]]:
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


class LossComputer:
    """L = sum over the configured terms of coef * loss(model output named by the term)."""

    def __init__(self, cfg: Dict[str, Any]):
        self.terms = build_loss_terms(cfg)

    def __call__(self, outputs, labels: paddle.Tensor) -> Dict[str, paddle.Tensor]:
        named = named_outputs(outputs)
        parts = {}
        for term in self.terms:
            if term.output not in named:
                raise ConfigError(f"loss term {term.name} reads output '{term.output}', but the "
                                  f"model gives {sorted(named)}")
            parts[term.name] = term.coef * term.loss(named[term.output], labels)
        parts["total"] = paddle.add_n(list(parts.values()))
        return parts


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    paddle.seed(seed)


def train(cfg: Dict[str, Any], out_dir: Path, resume: bool = False,
          show_progress: bool = True) -> Dict[str, Any]:
    """Train the stage-2 model of `cfg` into `out_dir`; returns the last evaluation's metrics."""
    # Optimizer state is keyed by parameter names, which paddle numbers per process; a fresh
    # name scope makes them the same in the run that saves and the run that resumes.
    with paddle.utils.unique_name.guard():
        return _train(cfg, Path(out_dir), resume, show_progress)


def _train(cfg: Dict[str, Any], out_dir: Path, resume: bool, show_progress: bool) -> Dict[str, Any]:
    out_dir = Path(out_dir)
    world, rank = dist.get_world_size(), dist.get_rank()
    if world > 1:
        dist.init_parallel_env()
    tc = cfg["train"]
    # Open both splits first: a broken data folder fails before anything is written.
    samples = TrainSamples(cfg)
    val_reader = open_split(cfg, "val")
    seed_everything(cfg["seed"])
    model = build_model(cfg)
    optimizer, schedule = build_optimizer(cfg, model)
    losses = LossComputer(cfg)

    start, best = 0, {"miou": -1.0, "iteration": None}
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

    batches = IterationBatches(len(samples), tc["batch_size"], cfg["seed"], start, tc["iters"],
                               rank, world)
    loader = paddle.io.DataLoader(samples, batch_sampler=batches, num_workers=tc["num_workers"],
                                  use_shared_memory=False)
    net = paddle.DataParallel(model) if world > 1 else model
    writer = _visualdl(out_dir) if rank == 0 else None
    metrics: Dict[str, Any] = {}
    net.train()
    bar = tqdm(total=tc["iters"], initial=start, desc="train", unit="it",
               disable=not show_progress or rank != 0, dynamic_ncols=True)
    tic = time.time()
    try:
        for it, (images, labels) in enumerate(loader, start=start + 1):
            # Dropout draws from paddle's global generator; seeding it per iteration makes a
            # resumed run repeat the uninterrupted one exactly, with no generator state to save.
            paddle.seed(cfg["seed"] * 1_000_003 + it)
            parts = losses(net(images), labels)
            parts["total"].backward()
            optimizer.step()
            optimizer.clear_grad()
            if schedule is not None:
                schedule.step()
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
                metrics = evaluate(model, cfg, reader=val_reader, max_frames=cfg["eval"]["max_frames"],
                                   show_progress=show_progress)
                model.train()
                bar.write(f"iter {it}: val mIoU {metrics['miou']:.4f} mean F1 {metrics['mean_f1']:.4f}")
                if writer:
                    for key in ("miou", "mean_f1", "J", "F", "JF"):
                        if metrics.get(key) is not None:
                            writer.add_scalar(f"val/{key}", metrics[key], it)
                if metrics["miou"] > best["miou"]:
                    best = {"miou": metrics["miou"], "iteration": it}
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
