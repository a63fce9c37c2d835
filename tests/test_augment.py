import numpy as np

from stage2_seg.augment import color_jitter, partial_box, rotate


def test_partial_box_keeps_a_third_or_two_thirds_from_each_side():
    box = (10, 20, 40, 50)                     # 30 x 30
    assert partial_box(box, "left", 1 / 3) == (10, 20, 20, 50)
    assert partial_box(box, "right", 2 / 3) == (20, 20, 40, 50)
    assert partial_box(box, "top", 1 / 3) == (10, 20, 40, 30)
    assert partial_box(box, "bottom", 2 / 3) == (10, 30, 40, 50)


def test_rotate_zero_is_identity_and_rotation_fills_with_ignore():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (9, 9, 3), dtype=np.uint8)
    label = rng.integers(0, 5, (9, 9), dtype=np.uint8)
    same = rotate(image, label, 0.0, 255)
    assert np.array_equal(same[0], image) and np.array_equal(same[1], label)
    corner = np.zeros((9, 9), np.uint8)
    corner[0, 8] = 3                           # top-right pixel
    turned = rotate(np.zeros((9, 9, 3), np.uint8), corner, 90.0, 255)[1]
    assert turned[0, 0] == 3                   # +90 (counter-clockwise) moves it to top-left
    small = rotate(np.zeros((9, 9, 3), np.uint8), np.ones((9, 9), np.uint8), 30.0, 255)[1]
    assert small[0, 0] == 255 and small[4, 4] == 1


def test_color_jitter_identity_and_brightness():
    image = np.full((2, 2, 3), 100, np.uint8)
    assert np.array_equal(color_jitter(image, 1.0, 1.0, 1.0), image)
    assert (color_jitter(image, 1.5, 1.0, 1.0) == 150).all()
    grey = color_jitter(np.array([[[200, 100, 0]]], np.uint8), 1.0, 1.0, 0.0)
    assert grey.max() - grey.min() <= 1        # saturation 0: grey
