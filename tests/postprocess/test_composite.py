"""Compositing with known alphas gives known images."""
import cv2
import numpy as np
import pytest

from postprocess.composite import alpha_from_probs, blurred, composite, fit_background


def test_composite_with_a_known_alpha_gives_the_known_image():
    frame = np.full((2, 3, 3), 200, np.uint8)
    background = np.full((2, 3, 3), 100, np.uint8)
    alpha = np.array([[0.0, 0.5, 1.0], [0.25, 0.75, 1.0]], np.float32)
    out = composite(frame, background, alpha)
    assert out[..., 0].tolist() == [[100, 150, 200], [125, 175, 200]]
    with pytest.raises(ValueError, match="agree in size"):
        composite(frame, background[:1], alpha)


def test_alpha_ramps_between_low_and_high_foreground_probability():
    fg = np.array([[0.0, 0.2, 0.5, 0.8, 1.0]], np.float32)
    probs = np.stack([1 - fg, fg])
    np.testing.assert_allclose(alpha_from_probs(probs, low=0.2, high=0.8), [[0, 0, 0.5, 1, 1]], atol=1e-6)


def test_a_background_of_another_size_covers_the_frame_without_distortion():
    background = np.zeros((10, 40, 3), np.uint8)
    background[:, 18:22] = 255                        # a stripe in the middle
    fitted = fit_background(background, (20, 20))
    assert fitted.shape == (20, 20, 3)
    assert fitted[:, 10].min() > 200 and fitted[:, 0].max() == 0   # centred, aspect kept
    assert blurred(np.zeros((8, 8, 3), np.uint8), 2.0).shape == (8, 8, 3)


def test_a_wide_blur_is_the_full_resolution_gaussian_within_a_few_grey_levels():
    rng = np.random.default_rng(0)
    frame = cv2.resize(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8), (400, 240))
    exact = cv2.GaussianBlur(frame, (0, 0), 15)
    assert np.abs(blurred(frame, 15).astype(int) - exact.astype(int)).mean() < 2
