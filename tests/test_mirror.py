import numpy as np

from facevid.schema import load_schema
from stage2_seg.augment import mirror

SCHEMA = load_schema("sfp18")


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
