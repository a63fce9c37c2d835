import numpy as np
import pytest

from facevid.data.schema import load_schema
from stage2_seg.augment import color_jitter, mirror, partial_box, paste_onto, rotate

SCHEMA = load_schema("sfp18")


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


def test_flip_moves_pixels_and_swaps_left_and_right_classes():
    image = np.zeros((4, 6, 3), np.uint8)
    image[1, 0] = 200
    label = np.zeros((4, 6), np.uint8)
    label[1, 0] = SCHEMA.index("left_eye")
    label[2, 5] = SCHEMA.index("skin")
    label[3, 3] = 255                                           # ignore stays ignore
    flipped_image, flipped = mirror(image, label, SCHEMA.mirror_lut())
    assert flipped_image[1, 5, 0] == 200
    assert flipped[1, 5] == SCHEMA.index("right_eye")
    assert flipped[2, 0] == SCHEMA.index("skin") and flipped[3, 2] == 255


def test_flip_twice_is_the_identity():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (5, 7, 3), dtype=np.uint8)
    label = rng.integers(0, 18, (5, 7), dtype=np.uint8)
    lut = SCHEMA.mirror_lut()
    twice = mirror(*mirror(image, label, lut), lut)
    assert np.array_equal(twice[0], image) and np.array_equal(twice[1], label)


def test_paste_onto_places_the_scaled_person_and_labels_only_it():
    image = np.full((40, 60, 3), 200, np.uint8)
    label = np.zeros((40, 60), np.uint8)
    label[10:30, 20:40] = 1
    label[0, 0] = 255                                     # ignore: not pasted
    background = np.zeros((20, 30, 3), np.uint8)          # another size: resized to the frame's
    out, out_label = paste_onto(image, label, background, scale=0.5, offset=(0.0, 0.0),
                                ignore_index=255, feather=0)
    assert out.shape == image.shape and out_label.shape == label.shape
    assert out_label.sum() == 10 * 10 and (out_label[5:15, 10:20] == 1).all()
    assert (out[5:15, 10:20] == 200).all() and (out[out_label == 0] == 0).all()
    soft, _ = paste_onto(image, label, background, 0.5, (0.0, 0.0), 255, feather=1.5)
    assert 0 < soft[5:15, 9].mean() < 200               # feathered just outside the edge


def test_whole_frame_samples_keep_their_aspect_ratio():
    from stage2_seg.data import aspect_window
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = aspect_window((512, 512), (256, 144), rng)       # square photo, 16:9 model
    assert (x0, x1) == (0, 512) and y1 - y0 == 288 and 0 <= y0 <= 224
    assert aspect_window((854, 480), (256, 144), rng) == (0, 0, 854, 480)   # already 16:9
    x0, y0, x1, y1 = aspect_window((400, 100), (100, 100), rng)
    assert (y0, y1) == (0, 100) and x1 - x0 == 100


def test_low_resolution_keeps_the_size_and_smooth_regions_and_loses_fine_detail():
    from stage2_seg.augment import low_resolution
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, 32:] = 200                                   # a smooth region and one edge
    image[8:16, 4:20:2] = 255                             # one-pixel stripes: fine detail
    out = low_resolution(image, 0.25)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert (out[:, 40:] == 200).all()                    # far from the edge: unchanged
    assert out[8:16, 4:20].std() < image[8:16, 4:20].std() / 3   # the stripes are blurred away
    assert np.array_equal(low_resolution(image, 1.0), image)


def test_lowres_evaluation_range_is_checked():
    from facevid.config.load import load_config
    from facevid.errors import ConfigError
    from tests.helpers import TINY
    with pytest.raises(ConfigError, match="lowres_scale"):
        load_config(TINY, ["eval.lowres_scale=1.5"])
