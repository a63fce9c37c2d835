"""Batches for iteration-based training, shared by both stages."""
from typing import List, Tuple

import numpy as np


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

    def batch(self, it: int) -> List[Tuple[int, int]]:
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
