"""between_detections: previous_mask, with known answers: a counting stub detector that boxes a
white bar, and a stub parser that calls the white pixels of its crops a person. Between detector
frames the boxes are the previous mask's regions; with no mask to go on the detector runs."""
import numpy as np
import pytest

from facevid.boxes.mask_boxes import PERSON
from facevid.config.load import load_config
from facevid.data.schema import load_schema
from facevid.errors import ConfigError
from pipeline.pipeline import GrabCutSettings, Pipeline
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser
from tests.pipeline.stubs import WhiteDetector, white_is_person


def _pipeline(every: int) -> Pipeline:
    parser = Parser(white_is_person, load_schema("portrait"), (64, 64), CropRule("person", 0.25, square=False))
    return Pipeline([parser], WhiteDetector(PERSON), grabcut=GrabCutSettings(enabled=False),
                    detect_every_by_mask=every)


def _frame(x0: int) -> np.ndarray:
    frame = np.full((48, 64, 3), 40, np.uint8)
    if x0 >= 0:
        frame[8:40, x0:x0 + 10] = 255
    return frame


def test_the_detector_runs_on_every_kth_frame_and_the_mask_boxes_the_rest():
    pipe = _pipeline(every=3)
    results = [pipe(_frame(20 + i)) for i in range(7)]     # the bar moves a pixel a frame
    assert pipe.detector.calls == 3                         # frames 0, 3, 6
    for i, result in enumerate(results):                    # the bar found in every frame
        # (its outer columns blur in the crop's resize)
        assert result.labels[24, 21 + i:29 + i].all() and result.labels[8:40, 21 + i:29 + i].all()


def test_without_a_mask_to_go_on_the_detector_runs_and_new_video_starts_over():
    pipe = _pipeline(every=3)
    pipe(_frame(-1))                       # nobody: an empty mask
    pipe(_frame(20))                       # frame 1 would use the mask; it is empty: detect
    assert pipe.detector.calls == 2 and pipe(_frame(21)).labels.any()
    assert pipe.detector.calls == 2        # frame 2: the mask of frame 1 gives the box
    pipe.new_video()
    pipe(_frame(20))
    assert pipe.detector.calls == 3        # a new video's first frame is a detector frame


def test_previous_mask_boxes_need_a_detector(tmp_path):
    parser = Parser(white_is_person, load_schema("portrait"), (16, 16), CropRule("frame", 0.0))
    with pytest.raises(ConfigError, match="previous_mask"):
        Pipeline([parser], detect_every_by_mask=2)
    config = tmp_path / "p.yml"
    config.write_text("stage: pipeline\nparsers: [{config: x.yml}]\nbetween_detections: optical\n")
    with pytest.raises(ConfigError, match="between_detections"):
        load_config(config, stages=("pipeline",))
