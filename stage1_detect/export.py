"""Export a trained detector to Paddle Inference and run it there (oneDNN on the CPU).

PaddleDetection's own export path traces the architecture with `paddle.jit.to_static` over the
inputs image / im_shape / scale_factor; here the same, in AST mode (`full_graph=True`: the
default symbolic tracer of paddle 2.6 fails on ppdet's CSPResNet with a NameError). The
exported model returns what the dygraph model returns in eval mode (rows of class, score, box
and the number of boxes per image), so `Detector` runs either backend through one `Forward`.
"""
from pathlib import Path
from typing import Any, Callable, Dict

import numpy as np
import paddle
from paddle.static import InputSpec

from facevid.config import public_view
from facevid.errors import UserError
from facevid.files import atomic_dir, write_json
from stage1_detect.data import categories

MODEL_FILE, PARAMS_FILE, META_FILE = "model.pdmodel", "model.pdiparams", "export.json"
INPUTS = ("image", "im_shape", "scale_factor")
# batch dict of numpy arrays -> (rows N x 6: class, score, x0, y0, x1, y1; boxes per image)
DetForward = Callable[[Dict[str, np.ndarray]], Any]


def export_detector(cfg: Dict[str, Any], model: paddle.nn.Layer, weights: Path, out_dir: Path,
                    overwrite: bool = False) -> Path:
    model.eval()
    spec = [{"image": InputSpec([None, 3, -1, -1], "float32", "image"),
             "im_shape": InputSpec([None, 2], "float32", "im_shape"),
             "scale_factor": InputSpec([None, 2], "float32", "scale_factor")}]
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        static = paddle.jit.to_static(model, input_spec=spec, full_graph=True)
        paddle.jit.save(static, str(tmp / "model"))
        write_json(tmp / META_FILE, {"kind": "detector", "categories": categories(cfg),
                                     "image_size": cfg["train"]["image_size"],
                                     "config": public_view(cfg), "weights": str(weights)})
    return Path(out_dir)


def is_exported_detector(path: Path) -> bool:
    return all((Path(path) / f).is_file() for f in (MODEL_FILE, PARAMS_FILE, META_FILE))


def exported_detector_forward(export_dir: Path, threads: int = 2, onednn: bool = True) -> DetForward:
    export_dir = Path(export_dir)
    if not is_exported_detector(export_dir):
        raise UserError(f"{export_dir}: not an exported detector (needs {MODEL_FILE}, "
                        f"{PARAMS_FILE}, {META_FILE}); run tools/export.py with the detector config")
    config = paddle.inference.Config(str(export_dir / MODEL_FILE), str(export_dir / PARAMS_FILE))
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(threads)
    if onednn:
        config.enable_mkldnn()
    config.disable_glog_info()
    try:
        predictor = paddle.inference.create_predictor(config)
    except (RuntimeError, ValueError, OSError) as exc:
        raise UserError(f"{export_dir}: Paddle Inference cannot load this export "
                        f"({str(exc).strip().splitlines()[-1][:200]}); export it again") from None
    outputs = predictor.get_output_names()

    def run(batch: Dict[str, np.ndarray]):
        for name in predictor.get_input_names():
            handle = predictor.get_input_handle(name)
            value = np.ascontiguousarray(batch[name], np.float32)
            handle.reshape(value.shape)
            handle.copy_from_cpu(value)
        predictor.run()
        rows = predictor.get_output_handle(outputs[0]).copy_to_cpu()
        counts = predictor.get_output_handle(outputs[1]).copy_to_cpu()
        return rows, counts
    return run
