"""Running an export (stage2_seg.export writes them) through Paddle Inference: its record
checked against the config, and its Forward. Needs paddle but not PaddleSeg, so a pipeline that
runs exports starts without importing it."""
import json
from pathlib import Path
from typing import Any, Dict

import numpy as np

from facevid.config.sections import SegConfig
from facevid.errors import UserError
from facevid.runtime.inference import META_FILE, MODEL_FILE, PARAMS_FILE, is_export, one_at_a_time, open_predictor
from stage2_seg.forward import Forward


def read_export_record(export_dir: Path, cfg: SegConfig) -> Dict[str, Any]:
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
    if names != list(cfg.class_schema.class_names):
        raise UserError(f"{export_dir}: the export's classes {names} differ from the config's "
                        f"schema '{cfg.class_schema.name}'; pair the export with its own config")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        raise UserError(f"{export_dir / META_FILE}: input_size {size!r} is not [w, h]")
    return record


def exported_forward(export_dir: Path, threads: int = 2, onednn: bool = True) -> Forward:
    """A Forward running an exported model through Paddle Inference on the CPU (oneDNN)."""
    predictor = open_predictor(export_dir, threads, onednn)
    input_handle = predictor.get_input_handle(predictor.get_input_names()[0])
    # logits, and the learned alpha of a model that has one (stacked after them: Forward)
    output_handles = [predictor.get_output_handle(name) for name in predictor.get_output_names()]

    def run(batch: np.ndarray) -> np.ndarray:
        input_handle.reshape(batch.shape)
        input_handle.copy_from_cpu(np.ascontiguousarray(batch, np.float32))
        predictor.run()
        outputs = [handle.copy_to_cpu() for handle in output_handles]
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=1)
    return one_at_a_time(run)
