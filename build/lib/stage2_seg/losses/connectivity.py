"""Semantic-connectivity (SC) loss of PP-HumanSeg (Chu et al., 2022), made differentiable.

PP-HumanSeg scores, per class, how well the connected components of the prediction match those
of the ground truth: SC = sum of IoUs of overlapping (predicted, true) component pairs divided by
the number of pairs plus unmatched components, and the loss is 1 - SC. PaddleSeg's
`SemanticConnectivityLoss` builds the prediction with `paddle.to_tensor(argmax)`, so no gradient
reaches the logits (PaddleSeg issue 2695; docs/DESIGN.md section 3).

Here the component structure comes from the argmax without gradient, and every term is soft in
the class probability p, so the loss steers it:
- an overlapping pair (P_i, G_j): 1 - soft IoU of p with G_j over the region P_i u G_j,
  sum_{G_j} p / (sum_{P_i} p + |G_j| - sum_{P_i n G_j} p);
- a predicted component that meets no true one: the mean of p over it (push it down);
- a true component that no prediction meets: 1 - the mean of p over it (push it up).
The loss of a class is the mean of its terms, then classes and images are averaged. At hard
probabilities (p = 1 exactly on the predicted components) it equals PP-HumanSeg's 1 - SC for
one-to-one matches.
"""
from typing import List

import cv2
import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddleseg.cvlibs import manager


def _components(mask: np.ndarray) -> np.ndarray:
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[1]


def _class_terms(p: paddle.Tensor, pred_cc: np.ndarray, gt_cc: np.ndarray) -> List[paddle.Tensor]:
    """Soft terms for one class. p: H*W probabilities; *_cc: H*W component ids (0 = none)."""
    n_pred, n_gt = int(pred_cc.max()), int(gt_cc.max())
    # One-hot membership matrices (constants) turn per-component sums into one matmul each.
    pred_onehot = paddle.to_tensor(np.eye(n_pred + 1, dtype=np.float32)[pred_cc][:, 1:])
    gt_onehot = paddle.to_tensor(np.eye(n_gt + 1, dtype=np.float32)[gt_cc][:, 1:])
    sum_pred = paddle.matmul(p, pred_onehot) if n_pred else None        # [n_pred]
    sum_gt = paddle.matmul(p, gt_onehot) if n_gt else None              # [n_gt]
    size_pred = np.bincount(pred_cc, minlength=n_pred + 1)[1:].astype(np.float32)
    size_gt = np.bincount(gt_cc, minlength=n_gt + 1)[1:].astype(np.float32)
    both = (pred_cc > 0) & (gt_cc > 0)
    pairs = sorted(set(zip(pred_cc[both].tolist(), gt_cc[both].tolist())))
    terms = []
    if pairs:
        pair_id = np.full(pred_cc.shape, -1)
        index = {pair: k for k, pair in enumerate(pairs)}
        for (i, j), k in index.items():
            pair_id[(pred_cc == i) & (gt_cc == j)] = k
        pair_onehot = np.zeros((pred_cc.size, len(pairs)), np.float32)
        pair_onehot[np.nonzero(pair_id >= 0)[0], pair_id[pair_id >= 0]] = 1
        sum_pair = paddle.matmul(p, paddle.to_tensor(pair_onehot))
        for (i, j), k in index.items():
            union = sum_pred[i - 1] + float(size_gt[j - 1]) - sum_pair[k]
            terms.append(1 - sum_gt[j - 1] / union.clip(min=1e-6))
    matched_pred = {i for i, _ in pairs}
    matched_gt = {j for _, j in pairs}
    for i in range(1, n_pred + 1):
        if i not in matched_pred:
            terms.append(sum_pred[i - 1] / float(size_pred[i - 1]))
    for j in range(1, n_gt + 1):
        if j not in matched_gt:
            terms.append(1 - sum_gt[j - 1] / float(size_gt[j - 1]))
    return terms


def soft_connectivity_loss(logits: paddle.Tensor, labels: paddle.Tensor,
                           ignore_index: int = 255) -> paddle.Tensor:
    """logits N x C x H x W, labels N x H x W -> scalar in [0, 1]."""
    probs = F.softmax(logits, axis=1)
    pred = paddle.argmax(logits, axis=1).numpy()
    lab = labels.numpy()
    n = logits.shape[0]
    image_losses = []
    for b in range(n):
        valid = lab[b] != ignore_index
        present = set(np.unique(pred[b][valid]).tolist()) | set(np.unique(lab[b][valid]).tolist())
        class_losses = []
        for k in sorted(present):
            pred_cc = _components((pred[b] == k) & valid).ravel()
            gt_cc = _components((lab[b] == k) & valid).ravel()
            terms = _class_terms(probs[b, k].flatten(), pred_cc, gt_cc)
            if terms:
                class_losses.append(paddle.add_n(terms) / len(terms))
        if class_losses:
            image_losses.append(paddle.add_n(class_losses) / len(class_losses))
    if not image_losses:
        return (logits * 0).sum()
    return paddle.add_n(image_losses) / len(image_losses)


@manager.LOSSES.add_component
class SoftConnectivityLoss(nn.Layer):
    """Differentiable semantic-connectivity loss (see the module docstring)."""

    def __init__(self, ignore_index: int = 255):
        super().__init__()
        self.ignore_index = ignore_index

    def forward(self, logits: paddle.Tensor, labels: paddle.Tensor) -> paddle.Tensor:
        return soft_connectivity_loss(logits, labels, self.ignore_index)
