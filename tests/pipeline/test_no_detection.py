"""A frame where nothing is detected, and photos that share nothing: with a stub detector that
boxes white squares and a stub parser that calls every pixel of its crops class 1, the answers
are known exactly."""
import numpy as np
import pytest

from facevid.errors import ConfigError
from facevid.boxes.mask_boxes import FACE
from facevid.data.schema import load_schema
from pipeline.pipeline import GrabCutSettings, Pipeline
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser
from tests.pipeline.stubs import WhiteDetector


def everything_is_class_1(batch: np.ndarray) -> np.ndarray:
    logits = np.zeros((len(batch), 2) + batch.shape[2:], np.float32)
    logits[:, 1] = 5.0
    return logits


def _pipeline(no_detection: str = "background", detect_every: int = 1) -> Pipeline:
    parser = Parser(everything_is_class_1, load_schema("portrait"), (16, 16),
                    CropRule("face", 0.0, square=False))
    return Pipeline([parser], WhiteDetector(FACE, detect_every), grabcut=GrabCutSettings(enabled=False),
                    no_detection=no_detection)


def _frame(square=None) -> np.ndarray:
    frame = np.full((48, 64, 3), 40, np.uint8)
    if square:
        x0, y0, x1, y1 = square
        frame[y0:y1, x0:x1] = 255
    return frame


def test_a_frame_without_detections_is_all_background_by_default():
    result = _pipeline()(_frame())
    assert not len(result.detections) and result.crops == []
    assert result.labels.max() == 0 and np.allclose(result.probs[0], result.probs[0].max())


def test_the_whole_frame_fallback_parses_a_frame_without_detections_as_one_crop():
    result = _pipeline("whole_frame")(_frame())
    assert result.crops == [(0, 0, 64, 48)] and (result.labels == 1).all()


def test_a_detected_face_is_parsed_in_its_box_only():
    result = _pipeline()(_frame((10, 8, 30, 28)))
    assert result.crops == [(10, 8, 30, 28)]
    expected = np.zeros((48, 64), np.uint8)
    expected[8:28, 10:30] = 1
    np.testing.assert_array_equal(result.labels, expected)


def test_new_video_forgets_the_boxes_so_photos_are_independent():
    pipe = _pipeline(detect_every=4)
    pipe(_frame((10, 8, 30, 28)))
    carried = pipe(_frame())                 # a video: the box follows to the next frame
    assert carried.labels.max() == 1
    pipe.new_video()                         # what --dir does before each photo
    alone = pipe(_frame())
    assert alone.labels.max() == 0 and pipe.detector.calls == 2


def test_an_unknown_no_detection_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="no_detection must be one of"):
        _pipeline("parse_it")


def _run_infer_frames(pipe: Pipeline, folder, photos: bool) -> dict:
    """tools/infer.py's frame loop over a folder, labels kept by name."""
    import importlib.util
    from facevid.io.video import FrameSource
    from tests.helpers import ROOT
    spec = importlib.util.spec_from_file_location("infer_tool", ROOT / "tools" / "infer.py")
    infer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(infer)

    class Keep:
        labels = {}

        def add(self, name, frame, labels, probs, crops, alpha=None):
            self.labels[name] = labels
    outputs = Keep()
    stats = infer.run_frames(pipe, FrameSource(folder=folder), outputs, photos=photos)
    return outputs.labels, stats


def test_two_photos_in_one_dir_each_get_the_result_they_get_alone(tmp_path):
    from facevid.io.files import write_image
    write_image(tmp_path / "a.png", _frame((10, 8, 30, 28)))       # a face
    write_image(tmp_path / "b.png", _frame())                      # nobody
    labels, stats = _run_infer_frames(_pipeline(detect_every=4), tmp_path, photos=True)
    np.testing.assert_array_equal(labels["a"], _pipeline()(_frame((10, 8, 30, 28))).labels)
    assert labels["b"].max() == 0 and stats["frames_without_detection"] == 1
    assert stats["whole_frame_fallback_frames"] == 0
    # As frames of one video the box of a is carried into b (what --video-frames asks for).
    labels, _ = _run_infer_frames(_pipeline(detect_every=4), tmp_path, photos=False)
    assert labels["b"].max() == 1
