"""Export a stage-2 model to a static Paddle Inference model whose output is logits (not an
argmax: the postprocess resizes soft logits before deciding), and run it with oneDNN.

DESIGN.md section 2 measured OCRNet+HRNet_W18 at 480x480 on the 2-core CPU: 0.62 s per frame
through Paddle Inference with oneDNN against 3.13 s in dygraph, with the same outputs.
"""
from pathlib import Path
from typing import Any, Dict

import numpy as np
import paddle

from facevid.checkpoint import load_weights
from facevid.config import load_config, public_view
from facevid.errors import UserError
from facevid.files import atomic_dir, write_json
from stage2_seg.components import build_model
from stage2_seg.parser import Forward

MODEL_FILE, PARAMS_FILE, META_FILE = "model.pdmodel", "model.pdiparams", "export.json"


def export_parser(cfg: Dict[str, Any], weights: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Write OUT/model.pdmodel, model.pdiparams and export.json (config, schema, input size)."""
    with paddle.utils.unique_name.guard():
        model = build_model(cfg)
    load_weights(weights, model)
    model.eval()
    w, h = cfg["eval"]["size"]
    spec = [paddle.static.InputSpec([None, 3, h, w], "float32", name="image")]
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        paddle.jit.save(paddle.jit.to_static(model, input_spec=spec), str(tmp / "model"))
        schema = cfg["_schema"]
        write_json(tmp / META_FILE, {
            "output": "logits", "input_size": [w, h], "num_classes": schema.num_classes,
            "schema": schema.name, "class_names": list(schema.class_names),
            "config": public_view(cfg), "config_path": cfg["_config_path"], "weights": str(weights)})
    return Path(out_dir)


def is_exported(path: Path) -> bool:
    path = Path(path)
    return all((path / f).is_file() for f in (MODEL_FILE, PARAMS_FILE, META_FILE))


def exported_forward(export_dir: Path, threads: int = 2, onednn: bool = True) -> Forward:
    """A Forward running an exported model through Paddle Inference on the CPU (oneDNN)."""
    export_dir = Path(export_dir)
    if not is_exported(export_dir):
        raise UserError(f"{export_dir}: not an exported model (needs {MODEL_FILE}, {PARAMS_FILE}, "
                        f"{META_FILE}); run tools/export.py")
    config = paddle.inference.Config(str(export_dir / MODEL_FILE), str(export_dir / PARAMS_FILE))
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(threads)
    if onednn:
        config.enable_mkldnn()
    config.disable_glog_info()
    predictor = paddle.inference.create_predictor(config)
    input_handle = predictor.get_input_handle(predictor.get_input_names()[0])
    output_handle = predictor.get_output_handle(predictor.get_output_names()[0])

    def run(batch: np.ndarray) -> np.ndarray:
        input_handle.reshape(batch.shape)
        input_handle.copy_from_cpu(np.ascontiguousarray(batch, np.float32))
        predictor.run()
        return output_handle.copy_to_cpu()
    return run


def exported_config(export_dir: Path) -> Dict[str, Any]:
    """The config an exported model was built from (re-validated: the schema file must exist)."""
    import json
    meta = json.loads((Path(export_dir) / META_FILE).read_text())
    return load_config(Path(meta["config_path"]))
