"""Export a stage-2 model to a static Paddle Inference model whose output is logits (not an
argmax: the postprocess resizes soft logits before deciding), and run it with oneDNN.

Paddle Inference with oneDNN gives the same outputs several times faster than dygraph on the
CPU (bench/forward_speed.py; the README's speed tables).
"""
import json
from pathlib import Path
from typing import Any, Dict

import numpy as np
import paddle

from facevid.config.load import public_view
from facevid.errors import UserError
from facevid.io.files import atomic_dir, write_json
from facevid.runtime.inference import META_FILE, MODEL_FILE, PARAMS_FILE, is_export, one_at_a_time, open_predictor
from stage2_seg.data import NORMALIZATION
from stage2_seg.crop_rule import CropRule
from stage2_seg.forward import Forward, build_trained_model



def export_parser(cfg: Dict[str, Any], weights: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Write OUT/model.pdmodel, model.pdiparams and export.json: what the model expects
    (input size, normalisation, crop rule) and gives (logits of the schema's classes)."""
    model = build_trained_model(cfg, weights)
    w, h = cfg["eval"]["size"]
    channels = int(cfg["model"].get("in_channels", 3))
    spec = [paddle.static.InputSpec([None, channels, h, w], "float32", name="image")]
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        paddle.jit.save(paddle.jit.to_static(model, input_spec=spec), str(tmp / "model"))
        schema, rule = cfg["_schema"], CropRule.from_config(cfg)
        write_json(tmp / META_FILE, {
            "output": "logits", "input_size": [w, h], "input_channels": channels,
            "num_classes": schema.num_classes,
            "normalize": NORMALIZATION, "crop": {"mode": rule.mode, "margin": rule.margin,
                                                 "square": rule.square},
            "schema": schema.name, "class_names": list(schema.class_names),
            "config": public_view(cfg), "config_path": cfg["_config_path"], "weights": str(weights)})
    return Path(out_dir)


def read_export_record(export_dir: Path, cfg: Dict[str, Any]) -> Dict[str, Any]:
    """export.json of an export, checked against the config it is used with."""
    export_dir = Path(export_dir)
    if not is_export(export_dir):
        raise UserError(f"{export_dir}: not an exported model (needs {MODEL_FILE}, {PARAMS_FILE}, "
                        f"{META_FILE}); run tools/export.py")
    try:
        record = json.loads((export_dir / META_FILE).read_text())
        size, names = record["input_size"], record["class_names"]
    except (ValueError, KeyError, TypeError):
        raise UserError(f"{export_dir / META_FILE}: damaged or not written by tools/export.py; "
                        "export the model again") from None
    if names != list(cfg["_schema"].class_names):
        raise UserError(f"{export_dir}: the export's classes {names} differ from the config's "
                        f"schema '{cfg['_schema'].name}'; pair the export with its own config")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        raise UserError(f"{export_dir / META_FILE}: input_size {size!r} is not [w, h]")
    return record


def exported_forward(export_dir: Path, threads: int = 2, onednn: bool = True) -> Forward:
    """A Forward running an exported model through Paddle Inference on the CPU (oneDNN)."""
    predictor = open_predictor(export_dir, threads, onednn)
    input_handle = predictor.get_input_handle(predictor.get_input_names()[0])
    output_handle = predictor.get_output_handle(predictor.get_output_names()[0])

    def run(batch: np.ndarray) -> np.ndarray:
        input_handle.reshape(batch.shape)
        input_handle.copy_from_cpu(np.ascontiguousarray(batch, np.float32))
        predictor.run()
        return output_handle.copy_to_cpu()
    return one_at_a_time(run)
