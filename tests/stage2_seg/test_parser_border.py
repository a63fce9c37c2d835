"""A face cut by the frame border is parsed as far as it is visible: its crop is clipped to
the frame and the labels come back exactly where the face's pixels are."""
import numpy as np

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)

from facevid.boxes.detections import Detections
from facevid.data.schema import load_schema
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser

SCHEMA = load_schema("celebamask_hq")
SKIN = SCHEMA.index("skin")


def bright_is_skin(batch: np.ndarray) -> np.ndarray:
    """A stand-in network: skin where the input is bright, background elsewhere."""
    logits = np.zeros((batch.shape[0], SCHEMA.num_classes) + batch.shape[2:], np.float32)
    bright = batch[:, 0] > 0
    logits[:, SKIN][bright] = 10.0
    logits[:, 0][~bright] = 10.0
    return logits


def test_a_face_cut_by_the_left_border_is_labelled_up_to_the_border():
    frame = np.zeros((120, 160, 3), np.uint8)
    frame[30:90, 0:25] = 255                  # the visible 25 of a 60-px-wide face
    dets = Detections(np.array([[-35, 30, 25, 90]], np.float32), np.array([0.9], np.float32),
                      np.array([1]))
    parser = Parser(bright_is_skin, SCHEMA, (64, 64), CropRule("face", 0.4))
    boxes = parser.crop_boxes(dets, (160, 120))
    assert boxes[0][0] == 0 and boxes[0][2] <= 160          # clipped to the frame, not dropped
    labels = parser.frame_probs(frame, boxes).argmax(0)
    truth = np.zeros((120, 160), bool)
    truth[30:90, 0:25] = True
    agree = (labels == SKIN) == truth
    assert agree.mean() > 0.99
    assert (labels[35:85, 0] == SKIN).all()                 # right up to the border column
