"""Cross-entropy with partial labels: a pixel may say "one of these classes".

Training on a fine schema (CelebAMask-HQ's 19 classes) beside data labelled with a coarser one
(LFW parts: background / face skin / hair, where "skin" covers the eyes, brows, nose and mouth)
must not punish the model for predicting an eye inside LFW's skin. Such pixels carry the id
`PARTIAL_BASE + k`, meaning "one of the classes of set k"; their loss is the negative log of the
probability of the union, -log sum_{c in set k} p_c, so any class of the set satisfies it. Pixels
with an ordinary class id get ordinary cross-entropy. Every other loss term sees partial pixels
as ignored (`plain_labels`).
"""
from typing import List, Sequence

import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddleseg.cvlibs import manager

from facevid.data.extra_sets import PARTIAL_BASE


def plain_labels(labels: paddle.Tensor, ignore_index: int = 255) -> paddle.Tensor:
    """Labels with every partial id replaced by the ignore index (for the other loss terms)."""
    partial = (labels >= PARTIAL_BASE) & (labels != ignore_index)
    return paddle.where(partial, paddle.full_like(labels, ignore_index), labels)


def partial_cross_entropy(logits: paddle.Tensor, labels: paddle.Tensor,
                          sets: Sequence[Sequence[int]], ignore_index: int = 255) -> paddle.Tensor:
    """logits N x C x H x W, labels N x H x W (class ids, PARTIAL_BASE + k, or ignore) -> the
    mean over labelled pixels of CE (ordinary pixels) or -log p(set k) (partial pixels)."""
    num_classes = logits.shape[1]
    log_p = F.log_softmax(logits, axis=1)
    labels = labels.astype("int64")
    ordinary = labels < num_classes
    safe = paddle.where(ordinary, labels, paddle.zeros_like(labels))
    picked = paddle.take_along_axis(log_p, safe.unsqueeze(1), axis=1).squeeze(1)
    loss = paddle.where(ordinary, -picked, paddle.zeros_like(picked))
    count = ordinary.astype("float32").sum()
    for k, members in enumerate(sets):
        where = labels == PARTIAL_BASE + k
        mask = paddle.full([1, num_classes, 1, 1], -1e4, log_p.dtype)
        mask[0, list(members), 0, 0] = 0.0
        union = paddle.logsumexp(log_p + mask, axis=1)
        loss = paddle.where(where, -union, loss)
        count = count + where.astype("float32").sum()
    return loss.sum() / count.clip(min=1.0)


@manager.LOSSES.add_component
class PartialCrossEntropyLoss(nn.Layer):
    """Cross-entropy where ids PARTIAL_BASE + k mean "one of the classes in sets[k]". The sets
    come from the config's data.extra_sets (filled in by the loss builder)."""
    reads_partial_labels = True

    def __init__(self, sets: List[List[int]] = (), ignore_index: int = 255):
        super().__init__()
        self.sets, self.ignore_index = [list(s) for s in sets], ignore_index

    def forward(self, logits: paddle.Tensor, labels: paddle.Tensor) -> paddle.Tensor:
        return partial_cross_entropy(logits, labels, self.sets, self.ignore_index)
