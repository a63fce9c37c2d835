"""The exported (Paddle Inference, oneDNN) model gives the dygraph model's labels."""
import json

import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.runtime.checkpoint import save_weights
from facevid.config.load import load_config
from facevid.errors import UserError
from stage2_seg.components import build_model
from stage2_seg.export import export_parser
from stage2_seg.exported import exported_forward
from stage2_seg.forward import dygraph_forward
from tests.helpers import MICRO_EANET, ROOT


def test_exported_model_matches_dygraph(tmp_path):
    cfg = load_config(ROOT / "configs" / "stage2_eanet_cat_tiny.yml", MICRO_EANET)
    with paddle.utils.unique_name.guard():
        model = build_model(cfg)
    rng = np.random.default_rng(0)
    for param in model.parameters():
        if not param.stop_gradient:
            param.set_value(rng.normal(0, 0.1, param.shape).astype(np.float32))
    save_weights(tmp_path / "w.pdparams", model)
    export_parser(cfg, tmp_path / "w.pdparams", tmp_path / "export")
    meta = json.loads((tmp_path / "export" / "export.json").read_text())
    assert meta["output"] == "logits" and meta["num_classes"] == 18 and meta["input_size"] == [32, 32]
    model.eval()
    batch = rng.normal(0, 1, (2, 3, 32, 32)).astype(np.float32)
    dynamic = dygraph_forward(model)(batch)
    static = exported_forward(tmp_path / "export")(batch)
    assert static.shape == (2, 18, 32, 32)                 # logits, not an argmax
    np.testing.assert_allclose(static, dynamic, atol=1e-4)
    assert (static.argmax(1) == dynamic.argmax(1)).all()
    with pytest.raises(UserError, match="not an exported model"):
        exported_forward(tmp_path)
    assert meta["normalize"]["mean"] == [0.5, 0.5, 0.5] and meta["crop"]["margin"] == 0.4

    # A parser built from the export runs at the export's input size, whatever eval.size says.
    from stage2_seg.parser import Parser
    config = ROOT / "configs" / "stage2_eanet_cat_tiny.yml"
    parser = Parser.from_files(config, export_dir=tmp_path / "export", opts=MICRO_EANET + ["eval.size=[48,48]"])
    assert parser.size == (32, 32)
    with pytest.raises(UserError, match="not an exported model"):
        Parser.from_files(config, export_dir=tmp_path, opts=MICRO_EANET)
    # A truncated export: one line, not paddle's RuntimeError.
    params = tmp_path / "export" / "model.pdiparams"
    params.write_bytes(params.read_bytes()[:100])
    with pytest.raises(UserError, match="export the model again"):
        exported_forward(tmp_path / "export")(batch)
