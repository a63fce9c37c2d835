import numpy as np
import pytest

from facevid.boxes.crops import (UNCOVERED_BACKGROUND_LOGIT, crop, expand_box, region_boxes,
                           paste_logits)


def test_region_boxes_from_a_hand_made_label_map():
    label = np.zeros((40, 60), np.uint8)
    label[5:15, 10:20] = 1           # face A: skin with an eye inside
    label[8:10, 12:14] = 4
    label[20:36, 30:50] = 1          # face B, larger
    label[0:3, 0:60] = 14            # hair: not a face class here
    label[38:40, 58:60] = 1          # 4 pixels: below min_pixels
    boxes = region_boxes(label, class_ids=[1, 4], min_pixels=16)
    assert boxes == [(30.0, 20.0, 50.0, 36.0), (10.0, 5.0, 20.0, 15.0)]


def test_expand_box_margin_square_and_clip():
    # 10x20 box grown to 20x40, made square 40x40 around (15, 20), then clipped at x=0
    assert expand_box((10, 10, 20, 30), margin=0.5, frame_size=(100, 100)) == (0, 0, 35, 40)
    assert expand_box((40, 40, 60, 60), margin=0.0, frame_size=(100, 100)) == (40, 40, 60, 60)
    assert expand_box((90, 90, 100, 100), margin=1.0, frame_size=(100, 100)) == (80, 80, 100, 100)


def test_crop_then_paste_back_is_identity_for_a_smooth_logit_map():
    """A linear logit map survives crop -> resize -> resize back -> paste up to interpolation."""
    h, w = 60, 80
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    frame_logits = np.stack([xx / w, yy / h, (xx + yy) / (w + h)])          # C x H x W
    box = (10, 20, 50, 56)
    crop_hwc, info = crop(frame_logits.transpose(1, 2, 0).copy(), box, (64, 64))
    assert info.box == box and info.frame_size == (w, h) and info.out_size == (64, 64)
    merged = paste_logits([crop_hwc.transpose(2, 0, 1)], [info])
    x0, y0, x1, y1 = box
    inner = merged[:, y0 + 1:y1 - 1, x0 + 1:x1 - 1] - frame_logits[:, y0 + 1:y1 - 1, x0 + 1:x1 - 1]
    assert np.abs(inner).max() < 0.02
    outside = merged[:, 0:y0, :]
    assert (outside[0] == UNCOVERED_BACKGROUND_LOGIT).all() and (outside[1:] == 0).all()


def test_overlapping_crops_are_averaged_in_logit_space():
    infos = []
    logits = []
    for box, value in (((0, 0, 6, 4), 2.0), ((3, 0, 10, 4), 4.0)):
        _, info = crop(np.zeros((4, 10), np.uint8), box, (5, 5))
        infos.append(info)
        logits.append(np.full((2, 5, 5), value, np.float32))
    merged = paste_logits(logits, infos)
    assert merged.shape == (2, 4, 10)
    assert merged[0, 0, 1] == pytest.approx(2.0)
    assert merged[0, 0, 4] == pytest.approx(3.0)       # overlap: mean of 2 and 4
    assert merged[0, 0, 8] == pytest.approx(4.0)


def test_nearest_mode_pastes_the_crop_argmax_as_hard_blocks():
    logits = np.zeros((2, 2, 2), np.float32)
    logits[1, 0, 0] = 1.0                                   # top-left crop pixel is class 1
    _, info = crop(np.zeros((8, 8), np.uint8), (0, 0, 4, 4), (2, 2))
    merged = paste_logits([logits], [info], mode="nearest")
    labels = np.argmax(merged, axis=0)
    assert (labels[0:2, 0:2] == 1).all() and labels[2:, :].max() == 0 and labels[:, 2:].max() == 0
    with pytest.raises(ValueError, match="mode must be"):
        paste_logits([logits], [info], mode="cubic")


def test_boxes_mask_marks_exactly_the_pixels_inside_the_boxes():
    from facevid.boxes.crops import boxes_mask
    mask = boxes_mask([(1, 0, 3, 2), (2, 1, 4, 3)], (4, 5))
    assert mask.tolist() == [[False, True, True, False, False],
                             [False, True, True, True, False],
                             [False, False, True, True, False],
                             [False, False, False, False, False]]
    assert not boxes_mask([], (2, 2)).any()
