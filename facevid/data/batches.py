"""Batches for iteration-based training, shared by both stages."""
import multiprocessing
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

Key = Tuple[int, int]      # (item index, augmentation seed)


class IterationBatches:
    """Batch sampler for iteration-based training: batch `it` of rank `rank` is fixed by
    (seed, it), so training resumed at iteration k sees exactly the batches it would have seen.
    Each epoch is a fresh permutation; ranks take disjoint slices of the global batch."""

    def __init__(self, num_items: int, batch_size: int, seed: int, start_iter: int, iters: int,
                 rank: int = 0, world_size: int = 1):
        self.n, self.bs, self.seed = num_items, batch_size, seed
        self.start, self.iters, self.rank, self.world = start_iter, iters, rank, world_size

    def __len__(self) -> int:
        return self.iters - self.start

    def batch(self, it: int) -> List[Key]:
        per_iter = self.bs * self.world
        first = it * per_iter + self.rank * self.bs
        out = []
        for pos in range(first, first + self.bs):
            epoch, offset = divmod(pos, self.n)
            perm = np.random.default_rng([self.seed, epoch]).permutation(self.n)
            out.append((int(perm[offset]), int(np.random.default_rng([self.seed, epoch, offset, 1]).integers(1 << 31))))
        return out

    def __iter__(self):
        for it in range(self.start, self.iters):
            yield self.batch(it)


_worker_samples: Optional[Any] = None


def _init_worker(samples: Any) -> None:
    global _worker_samples
    _worker_samples = samples


def _load(keys: Sequence[Key]) -> list:
    return [_worker_samples[key] for key in keys]


def load_batches(samples: Any, sampler: IterationBatches, collate: Callable[[list], Any],
                 num_workers: int = 0) -> Iterator[Any]:
    """The sampler's batches, in order, loaded in this process or by `num_workers` worker
    processes. A sample that fails to load raises its own error here, in the training
    process, so a bad file ends the run with its message instead of hanging a loader thread."""
    if num_workers == 0:
        for keys in sampler:
            yield collate([samples[key] for key in keys])
        return
    context = multiprocessing.get_context("fork")     # samples are numpy-only: safe to fork
    with context.Pool(num_workers, initializer=_init_worker, initargs=(samples,)) as pool:
        for loaded in pool.imap(_load, sampler, chunksize=1):
            yield collate(loaded)
