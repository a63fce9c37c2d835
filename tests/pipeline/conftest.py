"""Fixtures of the pipeline tests: micro models written to files, and an untrained light
portrait model as a whole-frame pipeline."""
import pytest
import yaml

import stage1_detect  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.config.load import load_config
from facevid.config.typed import to_dict
from facevid.runtime.checkpoint import save_weights
from stage1_detect.model import build_detector
from stage2_seg.components import build_model
from tests.helpers import MICRO_DET, MICRO_EANET, ROOT, TINY_DET

EANET = ROOT / "configs" / "stage2_eanet_cat_tiny.yml"


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """Micro configs written to files (the pipeline names configs by path) and their weights."""
    root = tmp_path_factory.mktemp("models")
    out = {}
    for name, base, opts, build in (("seg", EANET, MICRO_EANET, build_model),
                                    ("det", TINY_DET, MICRO_DET, build_detector)):
        cfg = load_config(base, opts)
        path = root / f"{name}.yml"
        merged = to_dict(cfg)       # a det config's PaddleDetection sections under `ppdet`
        merged["schema"] = "sfp18"
        path.write_text(yaml.safe_dump(merged))
        with paddle.utils.unique_name.guard():
            model = build(load_config(path))
        save_weights(root / f"{name}.pdparams", model)
        out[name] = (path, root / f"{name}.pdparams")
    return out


@pytest.fixture(scope="session")
def portrait_pipeline(tmp_path_factory):
    """The light portrait model (untrained) as a whole-frame pipeline."""
    root = tmp_path_factory.mktemp("portrait")
    config = ROOT / "configs" / "stage2_portrait_lite_cpu.yml"
    with paddle.utils.unique_name.guard():
        model = build_model(load_config(config))
    save_weights(root / "p.pdparams", model)
    path = root / "pipeline.yml"
    path.write_text(yaml.safe_dump({"stage": "pipeline", "detector": None, "grabcut": {"enabled": False},
                                    "parsers": [{"config": str(config), "weights": str(root / "p.pdparams")}]}))
    return path
