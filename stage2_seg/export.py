"""Export a stage-2 model to a static Paddle Inference model whose output is logits (not an
argmax: the postprocess resizes soft logits before deciding); stage2_seg.exported runs it.

Paddle Inference with oneDNN gives the same outputs several times faster than dygraph on the
CPU (bench/forward_speed.py; the README's speed tables).
"""
from pathlib import Path

import paddle

from facevid.config.sections import SegConfig
from facevid.config.typed import to_dict
from facevid.io.files import write_json
from facevid.io.output_folders import atomic_dir
from facevid.runtime.inference import META_FILE
from stage2_seg.components import build_trained_model
from stage2_seg.crop_rule import CropRule
from stage2_seg.preprocess import NORMALIZATION

def export_parser(cfg: SegConfig, weights: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Write OUT/model.pdmodel, model.pdiparams and export.json: what the model expects
    (input size, normalisation, crop rule) and gives (logits of the schema's classes)."""
    model = build_trained_model(cfg, weights)
    w, h = cfg.eval.size
    channels = cfg.in_channels
    spec = [paddle.static.InputSpec([None, channels, h, w], "float32", name="image")]
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        paddle.jit.save(paddle.jit.to_static(model, input_spec=spec), str(tmp / "model"))
        schema, rule = cfg.class_schema, CropRule.from_config(cfg)
        write_json(tmp / META_FILE, {
            "output": "logits", "alpha": getattr(model, "alpha_head", None) is not None,
            "input_size": [w, h], "input_channels": channels,
            "num_classes": schema.num_classes,
            "normalize": NORMALIZATION, "crop": {"mode": rule.mode, "margin": rule.margin,
                                                 "square": rule.square},
            "schema": schema.name, "class_names": list(schema.class_names),
            "config": to_dict(cfg), "config_path": cfg.path, "weights": str(weights)})
    return Path(out_dir)
