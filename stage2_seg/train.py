"""Stage-2 training: the recipe's samples, model and loss terms plugged into the shared loop
(facevid.runtime.loop: seeded, atomic checkpoints, exact resume, evaluation, VisualDL, multi-process)."""
from pathlib import Path
from typing import Any, Dict

import paddle

from facevid.config.sections import SegConfig
from facevid.data.batches import IterationBatches, load_batches
from facevid.runtime.loop import Task, build_optimizer, fit, seed_everything
from facevid.data.readers import check_every_frame
from facevid.data.splits import open_split
from stage2_seg.components import build_model
from facevid.errors import DataError
from stage2_seg.data import TrainSamples, collate_seg
from stage2_seg.evaluate import evaluate
from stage2_seg.losses.terms import LossComputer


def train(cfg: SegConfig, out_dir: Path, resume: bool = False,
          show_progress: bool = True) -> Dict[str, Any]:
    """Train the stage-2 model of `cfg` into `out_dir`; returns the last evaluation's metrics."""
    # Optimizer state is keyed by parameter names, which paddle numbers per process; a fresh
    # name scope makes them the same in the run that saves and the run that resumes.
    with paddle.utils.unique_name.guard():
        # Open both splits first: a broken data folder fails before anything is written.
        samples = TrainSamples(cfg)
        val_reader = open_split(cfg, "val")
        check_every_frame(samples.reader, "training data", show_progress)
        check_every_frame(val_reader, "validation data", show_progress)
        for extra in samples.extra:
            check_every_frame(extra.reader, f"extra data {extra.reader.root}", show_progress)
        check_mattes(samples)
        seed_everything(cfg.seed)
        model = build_model(cfg)
        optimizer, schedule = build_optimizer(cfg, model)
        losses = LossComputer.for_model(cfg, model)   # a term naming a missing output fails here
        tc = cfg.train

        def batches(start: int, rank: int, world: int):
            sampler = IterationBatches(len(samples), tc.batch_size, cfg.seed, start,
                                       tc.iters, rank, world)
            return load_batches(samples, sampler, collate_seg, tc.num_workers)

        task = Task(
            model=model, optimizer=optimizer, schedule=schedule, batches=batches,
            loss=lambda net, batch: losses(net(batch[0]), *batch[1:]),
            evaluate=lambda: evaluate(model, cfg, reader=val_reader,
                                      max_frames=cfg.eval.max_frames,
                                      show_progress=show_progress),
            best_key=cfg.eval.best_metric, report_keys=("miou", "mean_f1", "J", "F", "JF"))
        return fit(cfg, Path(out_dir), task, resume=resume, show_progress=show_progress)


def check_mattes(samples: TrainSamples) -> None:
    """With a learned alpha, every training image of a set with a teacher's matte folder has its
    matte, so a run does not stop on the first one missing hours in."""
    if not samples.cfg.learns_alpha:
        return
    sets = [(samples.reader, samples.mattes)] + [(e.reader, e.mattes) for e in samples.extra]
    for reader, mattes in sets:
        if mattes is None:
            continue
        missing = mattes.missing(ref.image for ref in reader.frames)
        if missing:
            raise DataError(f"teacher_mattes {mattes.folder}: {len(missing)} of {len(reader)} "
                            f"training images have no matte (e.g. {missing[0]}); finish them with "
                            f"tools/teacher_mattes.py --out {mattes.folder}")
