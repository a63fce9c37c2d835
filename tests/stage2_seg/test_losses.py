"""The recipe's losses: known answers and gradients."""
import math

import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from stage2_seg.losses import (edge_attention_ce, edge_bce, label_edges,
                               soft_connectivity_loss)


def _two_halves(h=6, w=8):
    labels = np.zeros((1, h, w), np.int64)
    labels[0, :, w // 2:] = 1
    return paddle.to_tensor(labels)


def test_label_edges_mark_both_sides_of_a_boundary_and_skip_ignored_areas():
    labels = _two_halves()
    edges = label_edges(labels).numpy()[0]
    assert edges[:, 3:5].all() and edges[:, :3].sum() == 0 and edges[:, 5:].sum() == 0
    ignored = labels.numpy().copy()
    ignored[0, :, 0] = 255
    edges = label_edges(paddle.to_tensor(ignored)).numpy()[0]
    assert edges[:, 0:2].sum() == 0            # next to the ignored column: unknown, not an edge


def test_edge_bce_known_answer_and_gradient():
    labels = _two_halves()                      # 12 edge pixels of 48
    logits = paddle.zeros([1, 1, 6, 8])
    logits.stop_gradient = False
    loss = edge_bce(logits, labels)
    n, pos = 48, 12
    assert float(loss) == pytest.approx(math.log(2) * 2 * pos * (n - pos) / n ** 2, rel=1e-5)
    loss.backward()
    grad = logits.grad.numpy()[0, 0]
    assert (grad[:, 3:5] < 0).all() and (grad[:, :3] > 0).all()   # raise edges, lower the rest
    perfect = paddle.to_tensor(np.where(label_edges(labels).numpy() > 0, 20.0, -20.0)[:, None]
                               .astype(np.float32))
    assert float(edge_bce(perfect, labels)) < 1e-6


def test_edge_attention_ce_only_counts_edge_pixels():
    labels = _two_halves()
    uniform = paddle.zeros([1, 3, 6, 8])
    assert float(edge_attention_ce(uniform, labels)) == pytest.approx(math.log(3), rel=1e-5)
    wrong_off_edge = np.zeros((1, 3, 6, 8), np.float32)
    wrong_off_edge[0, 2, :, :2] = 50.0          # confidently wrong, but away from the boundary
    x = paddle.to_tensor(wrong_off_edge, stop_gradient=False)
    loss = edge_attention_ce(x, labels)
    assert float(loss) == pytest.approx(math.log(3), rel=1e-5)
    loss.backward()
    grad = np.abs(x.grad.numpy()[0]).sum(0)
    assert grad[:, 3:5].min() > 0 and grad[:, :3].max() == 0 and grad[:, 5:].max() == 0


def _hard_logits(pred, classes=2, scale=100.0):
    return paddle.to_tensor(np.eye(classes, dtype=np.float32)[pred].transpose(2, 0, 1)[None] * scale)


def test_soft_connectivity_equals_pp_humanseg_score_at_hard_probabilities():
    """GT: one square. Prediction: the square shifted down 3 rows (IoU 70/130) plus a stray
    3x3 blob. Class 1: terms 1 - 70/130 and 1 (the stray blob); background: one pair with IoU
    261/330. Loss = mean over classes of the mean of the terms."""
    gt = np.zeros((1, 20, 20), np.int64)
    gt[0, 5:15, 5:15] = 1
    pred = np.zeros((20, 20), np.int64)
    pred[8:18, 5:15] = 1
    pred[0:3, 0:3] = 1
    expected = ((1 - 261 / 330) + ((1 - 70 / 130) + 1) / 2) / 2
    assert float(soft_connectivity_loss(_hard_logits(pred), paddle.to_tensor(gt))) == pytest.approx(expected, abs=1e-5)
    assert float(soft_connectivity_loss(_hard_logits(gt[0]), paddle.to_tensor(gt))) < 1e-5


def test_soft_connectivity_gradient_step_lowers_the_loss():
    """Unlike PaddleSeg's SemanticConnectivityLoss (no gradient reaches the logits), ours
    trains: a gradient step on the logits lowers it."""
    rng = np.random.default_rng(0)
    gt = np.zeros((1, 16, 16), np.int64)
    gt[0, 4:12, 4:12] = 1
    x = paddle.to_tensor(rng.normal(0, 1, (1, 2, 16, 16)).astype(np.float32), stop_gradient=False)
    labels = paddle.to_tensor(gt)
    before = soft_connectivity_loss(x, labels)
    before.backward()
    assert float(x.grad.abs().sum()) > 0
    stepped = paddle.to_tensor(x.numpy() - 5.0 * x.grad.numpy())
    assert float(soft_connectivity_loss(stepped, labels)) < float(before)


def test_partial_cross_entropy_scores_the_union_of_a_set():
    from facevid.data.extra_sets import PARTIAL_BASE
    from stage2_seg.losses.partial import partial_cross_entropy, plain_labels
    logits = paddle.zeros([1, 4, 1, 3])                 # uniform over 4 classes
    labels = paddle.to_tensor([[[2, PARTIAL_BASE, 255]]], dtype="int64")
    loss = partial_cross_entropy(logits, labels, sets=[[1, 2]])
    # mean of -log(1/4) (class 2) and -log(2/4) (one of {1, 2}); the ignored pixel does not count
    np.testing.assert_allclose(float(loss), (np.log(4) + np.log(2)) / 2, rtol=1e-5)
    sure_of_member = paddle.to_tensor([[[-9.0], [-9.0], [9.0], [-9.0]]]).reshape([1, 4, 1, 1])
    inside = paddle.to_tensor([[[PARTIAL_BASE]]], dtype="int64")
    assert float(partial_cross_entropy(sure_of_member, inside, [[1, 2]])) < 1e-3   # an "eye" in skin: fine
    assert float(partial_cross_entropy(sure_of_member, inside, [[0, 3]])) > 10       # outside the set
    assert plain_labels(labels).numpy().tolist() == [[[2, 255, 255]]]


def test_partial_cross_entropy_gradient_moves_mass_into_the_set():
    from facevid.data.extra_sets import PARTIAL_BASE
    from stage2_seg.losses.partial import partial_cross_entropy
    logits = paddle.zeros([1, 3, 2, 2])
    logits.stop_gradient = False
    labels = paddle.full([1, 2, 2], PARTIAL_BASE, "int64")
    partial_cross_entropy(logits, labels, [[0, 1]]).backward()
    grad = logits.grad.numpy()
    assert (grad[:, 2] > 0).all() and (grad[:, :2] < 0).all()   # descent raises 0 and 1, lowers 2
