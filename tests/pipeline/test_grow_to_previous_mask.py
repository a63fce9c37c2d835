"""grow_to_previous_mask on a video with known answers: a stub detector that boxes only the top
quarter of a white bar (a finder that loses the legs) and a stub parser that calls the white
pixels of its crop a person. The crop's margin shows the parser more of the bar than the box
holds; growing the next frame's box to the mask's region lets the mask reach the whole bar."""
import numpy as np
import pytest

from facevid.boxes.detections import Detections, OperatingPoint
from facevid.boxes.mask_boxes import PERSON
from facevid.data.schema import load_schema
from facevid.errors import ConfigError
from pipeline.pipeline import GrabCutSettings, Pipeline
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser
from tests.pipeline.stubs import white_is_person

BAR = (20, 8, 30, 40)     # x0, y0, x1, y1 of the white bar: 32 rows


class TopQuarterDetector:
    categories = np.array([PERSON])

    def __init__(self):
        self.point = OperatingPoint(max_missing=0)
        self.blind = False      # True: finds nothing

    def __call__(self, frame: np.ndarray) -> Detections:
        ys, xs = np.nonzero(frame.min(2) == 255)
        if self.blind or not len(xs):
            return Detections.empty()
        y1 = ys.min() + (ys.max() + 1 - ys.min()) // 4
        box = np.array([[xs.min(), ys.min(), xs.max() + 1, y1]], np.float32)
        return Detections(box, np.ones(1, np.float32), np.array([PERSON]))


def _pipeline(grow: bool) -> Pipeline:
    parser = Parser(white_is_person, load_schema("portrait"), (64, 64),
                    CropRule("person", 0.5, square=False))
    return Pipeline([parser], TopQuarterDetector(), grabcut=GrabCutSettings(enabled=False),
                    grow_to_previous_mask=grow)


def _bar_frame() -> np.ndarray:
    frame = np.full((48, 64, 3), 40, np.uint8)
    x0, y0, x1, y1 = BAR
    frame[y0:y1, x0:x1] = 255
    return frame


def _lowest_person_row(labels: np.ndarray) -> int:
    return int(np.nonzero(labels.any(1))[0].max())


def test_boxes_grow_frame_by_frame_until_the_mask_covers_the_whole_bar():
    grown, fixed = _pipeline(grow=True), _pipeline(grow=False)
    grown_rows = [_lowest_person_row(grown(_bar_frame()).labels) for _ in range(5)]
    fixed_rows = [_lowest_person_row(fixed(_bar_frame()).labels) for _ in range(5)]
    # The box is rows 8-15; with a margin of half its height the crop reaches row 19.
    assert fixed_rows == [19] * 5
    assert grown_rows[0] == 19 and grown_rows == sorted(grown_rows) and grown_rows[-1] == BAR[3] - 1
    last = grown(_bar_frame()).labels
    x0, y0, x1, y1 = BAR
    outside = np.ones_like(last, bool)
    outside[y0:y1, x0:x1] = False
    # every row of the bar (its outer columns blur in the crop's resize), nothing off it
    assert last[y0:y1, x0 + 1:x1 - 1].all() and not last[outside].any()


def test_a_region_without_a_detection_does_not_live_on():
    pipe = _pipeline(grow=True)
    assert pipe(_bar_frame()).labels.any()
    pipe.detector.blind = True                  # the finder loses the person: no box, no mask
    assert not pipe(_bar_frame()).labels.any()


def test_new_video_forgets_the_previous_mask():
    pipe = _pipeline(grow=True)
    for _ in range(4):
        pipe(_bar_frame())
    pipe.new_video()
    assert _lowest_person_row(pipe(_bar_frame()).labels) == 19


def test_growing_without_a_detector_is_refused():
    parser = Parser(white_is_person, load_schema("portrait"), (16, 16), CropRule("frame", 0.0))
    with pytest.raises(ConfigError, match="grow_to_previous_mask"):
        Pipeline([parser], grow_to_previous_mask=True)
