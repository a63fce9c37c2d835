"""A person whose mask shrank to a part comes back whole at the next detector frame, with a
known answer: a stub parser that trusts the previous mask wherever it has one (as a model
reading the 4th channel is tempted to) and calls white pixels a person elsewhere."""
import numpy as np

from facevid.boxes.detections import forget_partial_mask
from facevid.boxes.mask_boxes import PERSON
from facevid.data.schema import load_schema
from pipeline.pipeline import GrabCutSettings, Pipeline
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser
from tests.pipeline.stubs import WhiteDetector


def trusts_the_previous_mask(batch: np.ndarray) -> np.ndarray:
    """N x 4 x h x w normalised crops -> 2-class logits: the previous mask where a crop has
    one, white pixels where it has none."""
    logits = np.zeros((len(batch), 2) + batch.shape[2:], np.float32)
    for i, crop in enumerate(batch):
        prev = crop[3] > 0.0                  # the 4th channel above half (normalised to [-1, 1])
        person = prev if prev.any() else crop[:3].min(0) > 0.99
        logits[i, 1] = np.where(person, 5.0, -5.0)
    return logits


def _frame(top: int) -> np.ndarray:
    """A white bar, columns 20:30, rows top:40 (the rest of the person hidden in grey)."""
    frame = np.full((48, 64, 3), 40, np.uint8)
    frame[top:40, 20:30] = 255
    return frame


def _pipeline(forget: bool) -> Pipeline:
    parser = Parser(trusts_the_previous_mask, load_schema("portrait"), (64, 64),
                    CropRule("person", 0.25, square=False), in_channels=4)
    return Pipeline([parser], WhiteDetector(PERSON), grabcut=GrabCutSettings(enabled=False),
                    detect_every_by_mask=2, grow_to_previous_mask=True, forget_partial_mask=forget)


def test_a_mask_cut_short_comes_back_whole_at_the_next_detector_frame():
    pipe = _pipeline(forget=True)
    first = pipe(_frame(top=28))        # a detector frame: only the legs show
    between = pipe(_frame(top=8))       # the mask's box: the chain keeps the legs
    fresh = pipe(_frame(top=8))         # a detector frame: its box holds the whole person
    assert first.labels[28:40, 21:29].all() and not first.labels[8:26].any()
    assert not between.labels[8:26].any()
    assert fresh.labels[9:39, 21:29].all()        # whole again (the bar's edges blur in resizing)
    assert pipe.detector.calls == 2
    chained = _pipeline(forget=False)   # the shipped default: the chain keeps the legs
    assert not [chained(_frame(top)) for top in (28, 8, 8)][-1].labels[8:26].any()


def test_only_detections_that_cover_more_than_the_kept_mask_forget_it():
    prev = np.zeros((20, 20), np.float32)
    prev[10:18, 2:6] = 1.0                       # a kept part: region box 2,10,6,18 (area 32)
    prev[2:10, 12:18] = 1.0                      # a whole person: region box 12,2,18,10 (area 48)
    regions = np.array([[2, 10, 6, 18], [12, 2, 18, 10]], np.float32)
    boxes = np.array([[2, 2, 6, 18],             # 64 > 1.5 x 32: forgotten inside the box
                      [12, 2, 18, 11]], np.float32)   # 54 < 1.5 x 48: kept
    out = forget_partial_mask(prev, boxes, regions)
    assert not out[2:18, 2:6].any() and out[2:10, 12:18].all() and prev[10:18, 2:6].all()
    assert forget_partial_mask(prev, boxes[1:], regions) is prev
    assert forget_partial_mask(prev, boxes, np.zeros((0, 4), np.float32)) is prev
