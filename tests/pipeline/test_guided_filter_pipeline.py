"""guided_filter in a pipeline, with a known answer: a stub parser whose outline spills a few
pixels past a white square (it decides on a blurred crop, as a coarse network does) and a frame
with the square's sharp edge. Guided by the frame, the spill is mostly gone and the square whole."""
import cv2
import numpy as np

from facevid.boxes.detections import Detections, OperatingPoint
from facevid.boxes.mask_boxes import PERSON
from facevid.config.pipelines import GuidedFilterSettings
from facevid.data.schema import load_schema
from pipeline.pipeline import GrabCutSettings, Pipeline
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser

SQUARE = (24, 16, 44, 36)    # x0, y0, x1, y1


class SquareDetector:
    categories = np.array([PERSON])
    point = OperatingPoint()

    def __call__(self, frame: np.ndarray) -> Detections:
        x0, y0, x1, y1 = SQUARE
        return Detections(np.array([[x0, y0, x1, y1]], np.float32), np.ones(1, np.float32),
                          np.array([PERSON]))


def spilling_person(batch: np.ndarray) -> np.ndarray:
    """Person where a 7x7 blur of the crop's whiteness exceeds 0.2: the outline 2 px too wide."""
    logits = np.zeros((len(batch), 2) + batch.shape[2:], np.float32)
    for i, crop in enumerate(batch):
        white = cv2.blur((crop.min(0) > 0.99).astype(np.float32), (7, 7))
        logits[i, 1] = 20 * (white - 0.2)
    return logits


def _labels(guided: bool) -> np.ndarray:
    frame = np.full((56, 72, 3), 30, np.uint8)
    x0, y0, x1, y1 = SQUARE
    frame[y0:y1, x0:x1] = 255
    # crops at the frame's scale (a margin of 0.5 around a 20 px box: 40 px, parsed at 40x40)
    parser = Parser(spilling_person, load_schema("portrait"), (40, 40), CropRule("person", 0.5))
    pipe = Pipeline([parser], SquareDetector(), grabcut=GrabCutSettings(enabled=False),
                    guided_filter=GuidedFilterSettings(enabled=guided, radius=0.1, eps=1e-4, subsample=1))
    return pipe(frame).labels


def test_the_guided_filter_pulls_the_outline_onto_the_frames_edge():
    x0, y0, x1, y1 = SQUARE
    square = np.zeros((56, 72), np.uint8)
    square[y0:y1, x0:x1] = 1
    plain, guided = _labels(guided=False), _labels(guided=True)
    spill = lambda labels: int((labels > square).sum())
    assert spill(plain) == 152 and (plain >= square).all()    # a ring 2-3 px wide around it
    assert spill(guided) <= 152 // 4 and (guided >= square).all()
