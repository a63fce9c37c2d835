import numpy as np

from postprocess.ensemble import channel_argmax, hard_vote, soft_vote, softmax
from postprocess.grabcut import refine_grabcut, refine_labels


def test_hard_vote_majority_and_tie_breaks():
    a = np.array([[1, 2, 0]], np.uint8)
    b = np.array([[1, 3, 3]], np.uint8)
    c = np.array([[2, 3, 1]], np.uint8)
    assert hard_vote([a, b, c], num_classes=4).tolist() == [[1, 3, 0]]   # 3-way tie: first model
    conf = [np.array([[0.5, 0.5, 0.2]]), np.array([[0.5, 0.5, 0.3]]), np.array([[0.5, 0.5, 0.9]])]
    assert hard_vote([a, b, c], 4, conf).tolist() == [[1, 3, 1]]        # tie: most confident
    assert hard_vote([a, c], 4).tolist() == [[1, 2, 0]]


def test_soft_vote_is_a_weighted_mean():
    p = np.zeros((2, 1, 1), np.float32)
    q = np.ones((2, 1, 1), np.float32)
    np.testing.assert_allclose(soft_vote([p, q]), 0.5)
    np.testing.assert_allclose(soft_vote([p, q], weights=[3, 1]), 0.25)
    np.testing.assert_allclose(softmax(np.zeros((4, 2, 2))).sum(0), 1.0)


def test_two_class_softmax_matches_the_general_form_without_overflow():
    logits = np.array([[[0.0, 3.0, -200.0]], [[0.0, 1.0, 200.0]]], np.float32)
    expected = np.exp(logits - logits.max(0)) / np.exp(logits - logits.max(0)).sum(0)
    np.testing.assert_allclose(softmax(logits), expected, atol=1e-6)     # 2 classes: its own path
    np.testing.assert_allclose(softmax(logits)[:, 0, 1], [0.880797, 0.119203], atol=1e-6)
    assert softmax(logits)[1, 0, 2] == 1.0 and softmax(logits)[0, 0, 2] == 0.0


def test_channel_argmax_equals_numpy_argmax_with_ties_to_the_first_class():
    rng = np.random.default_rng(0)
    for classes in (2, 3, 19):
        maps = rng.integers(0, 3, (classes, 7, 9)).astype(np.float32)     # many ties
        out = channel_argmax(maps)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, maps.argmax(0))


def _scene():
    """A red disc on a green background; the parse's disc is too small by 4 px and unsure."""
    yy, xx = np.mgrid[0:64, 0:64]
    disc = (yy - 32) ** 2 + (xx - 32) ** 2 < 18 ** 2
    image = np.where(disc[..., None], [200, 30, 30], [30, 160, 40]).astype(np.uint8)
    small = (yy - 32) ** 2 + (xx - 32) ** 2 < 14 ** 2
    probs = np.zeros((3, 64, 64), np.float32)
    probs[1] = np.where(small, 0.9, 0.3)            # class 1 the only foreground class here
    probs[2] = 0.05
    probs[0] = 1 - probs[1] - probs[2]
    return image, probs, disc


def test_grabcut_grows_the_parse_to_the_colour_edge_within_the_band():
    image, probs, disc = _scene()
    before = np.argmax(probs, 0)
    after = refine_grabcut(image, probs, band=6)
    err_before = (((before == 1) != disc)).sum()
    err_after = (((after == 1) != disc)).sum()
    assert err_after < 0.2 * err_before
    assert set(np.unique(after)) <= {0, 1}          # added pixels take the best foreground class


def test_grabcut_leaves_a_confident_parse_far_from_edges_alone():
    image, probs, disc = _scene()
    probs = np.zeros((2, 64, 64), np.float32)
    probs[0] = 1.0                                  # all confident background: nothing to do
    assert (refine_grabcut(image, probs) == 0).all()


def test_refine_labels_keeps_part_labels_and_fills_new_foreground():
    image, probs, disc = _scene()
    labels = np.argmax(probs, 0).astype(np.uint8)
    labels[32, 32] = 2                             # a part label inside the foreground stays
    out = refine_labels(image, labels, probs, band=6)
    assert out[32, 32] == 2
    grown = (out != 0) & (labels == 0)
    assert grown.any() and (out[grown] == 1).all()


def test_grabcut_gives_the_same_labels_every_time_in_one_process():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)
    fg = np.zeros((40, 50), np.float32)
    fg[10:30, 12:38] = 0.8
    fg += rng.uniform(0, 0.3, fg.shape).astype(np.float32)
    probs = np.stack([1 - np.clip(fg, 0, 1), np.clip(fg, 0, 1)])
    first = refine_grabcut(image, probs)
    refine_grabcut(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8), probs)   # moves OpenCV's RNG
    assert np.array_equal(refine_grabcut(image, probs), first)
