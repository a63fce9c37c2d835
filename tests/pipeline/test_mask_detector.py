"""Person boxes from a whole-frame segmentation model (pipeline.mask_detector)."""
import numpy as np
import pytest
import yaml

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.runtime.checkpoint import save_weights
from facevid.config.load import load_config
from facevid.errors import ConfigError
from facevid.boxes.mask_boxes import PERSON
from facevid.data.schema import load_schema
from pipeline.mask_detector import MaskDetector
from pipeline.pipeline import Pipeline
from stage2_seg.components import build_model
from stage2_seg.crop_rule import CropRule
from stage2_seg.parser import Parser
from tests.helpers import ROOT


def _painted(mask: np.ndarray):
    """A Forward whose logits say person exactly on `mask` (model resolution), whatever the input."""
    def forward(batch: np.ndarray) -> np.ndarray:
        person = np.where(mask, 4.0, -4.0).astype(np.float32)
        return np.stack([-person, person])[None].repeat(len(batch), 0)
    return forward


def test_each_person_region_becomes_a_box_in_frame_pixels():
    mask = np.zeros((40, 80), bool)          # the model's 80x40 input
    mask[10:30, 5:15] = True                 # a person
    mask[12:30, 50:70] = True                # another, far from the first
    mask[5:7, 30:32] = True                  # 4 pixels, under the 0.2% of 3200: noise
    detector = MaskDetector(Parser(_painted(mask), load_schema("portrait"), (80, 40), CropRule("frame", 0.0)))
    dets = detector(np.zeros((80, 160, 3), np.uint8))        # a frame twice the model's size
    assert dets.class_ids.tolist() == [PERSON, PERSON]
    # Each region grown by round(0.015 * 80) = 1 pixel on every side, then scaled by 2.
    assert sorted(tuple(int(v) for v in box) for box in dets.boxes) == [(8, 18, 32, 62), (98, 22, 142, 62)]
    np.testing.assert_allclose(dets.scores, 1 / (1 + np.exp(-8)), rtol=1e-5)  # mean foreground
    empty = MaskDetector(Parser(_painted(np.zeros((40, 80), bool)), load_schema("portrait"), (80, 40),
                                CropRule("frame", 0.0)))
    assert len(empty(np.zeros((80, 160, 3), np.uint8))) == 0


def test_only_a_whole_frame_rgb_model_can_be_the_detector():
    with pytest.raises(ConfigError, match="whole RGB frames"):
        MaskDetector(Parser(_painted(np.ones((8, 8), bool)), load_schema("portrait"), (8, 8),
                            CropRule("person", 0.15)))


def test_a_pipeline_with_a_stage2_config_as_its_detector_crops_persons(tmp_path):
    whole = ROOT / "configs" / "stage2_portrait_lite_cpu.yml"
    person = ROOT / "configs" / "stage2_portrait_lite_person_cpu.yml"
    with paddle.utils.unique_name.guard():
        save_weights(tmp_path / "w.pdparams", build_model(load_config(whole)))
    path = tmp_path / "pipeline.yml"
    path.write_text(yaml.safe_dump({
        "stage": "pipeline", "grabcut": {"enabled": False},
        "detector": {"config": str(whole), "weights": str(tmp_path / "w.pdparams")},
        "parsers": [{"config": str(person), "weights": str(tmp_path / "w.pdparams")}]}))
    pipe = Pipeline.from_config(path)
    assert isinstance(pipe.detector, MaskDetector)
    result = pipe(np.random.default_rng(0).integers(0, 255, (72, 128, 3), dtype=np.uint8))
    assert result.labels.shape == (72, 128) and result.probs.shape == (2, 72, 128)
