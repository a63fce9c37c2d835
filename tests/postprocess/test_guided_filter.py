"""The guided filter with known answers: flat images pass through, a blurred outline moves onto
the guide's edge, and class probabilities stay probabilities."""
import numpy as np

from postprocess.guided_filter import guided_filter, refine_probs


def _step_guide(width: int = 48, edge: int = 24) -> np.ndarray:
    guide = np.zeros((16, width), np.float32)
    guide[:, edge:] = 1.0
    return guide


def _first_above_half(row: np.ndarray) -> int:
    return int(np.argmax(row > 0.5))


def test_a_constant_probability_is_left_as_it_is_whatever_the_guide():
    guide = np.random.default_rng(0).random((20, 30)).astype(np.float32)
    src = np.full((1, 20, 30), 0.3, np.float32)
    np.testing.assert_allclose(guided_filter(guide, src, radius=3, eps=1e-4), src, atol=1e-5)


def test_a_soft_outline_moves_onto_the_guides_edge():
    # the probability ramps from 0 to 1 over columns 16-26 (its 0.5 at column 21); the image's
    # edge is at column 24: the filtered outline is there
    ramp = np.clip((np.arange(48, dtype=np.float32) - 16) / 10, 0, 1)
    src = np.broadcast_to(ramp, (16, 48))[None].copy()
    assert _first_above_half(src[0, 8]) == 22
    for subsample in (1, 2):
        out = guided_filter(_step_guide(), src, radius=6, eps=1e-4, subsample=subsample)
        assert _first_above_half(out[0, 8]) == 24


def test_refined_class_probabilities_stay_in_range_and_sum_to_one():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    for classes in (2, 3):
        probs = rng.random((classes, 24, 32)).astype(np.float32)
        probs /= probs.sum(0, keepdims=True)
        out = refine_probs(frame, probs, radius=3, eps=1e-4)
        assert out.shape == probs.shape and out.min() >= 0 and out.max() <= 1
        np.testing.assert_allclose(out.sum(0), 1.0, atol=1e-5)
