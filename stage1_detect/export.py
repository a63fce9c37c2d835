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

from facevid.config.sections import DetConfig
from facevid.config.typed import to_dict
from facevid.io.files import write_json
from facevid.io.output_folders import atomic_dir
from facevid.runtime.inference import META_FILE, one_at_a_time, open_predictor
from stage1_detect.data import categories

INPUTS = ("image", "im_shape", "scale_factor")
# batch dict of numpy arrays -> (rows N x 6: class, score, x0, y0, x1, y1; boxes per image)
DetForward = Callable[[Dict[str, np.ndarray]], Any]


def export_detector(cfg: DetConfig, model: paddle.nn.Layer, weights: Path, out_dir: Path,
                    overwrite: bool = False) -> Path:
    model.eval()
    spec = [{"image": InputSpec([None, 3, -1, -1], "float32", "image"),
             "im_shape": InputSpec([None, 2], "float32", "im_shape"),
             "scale_factor": InputSpec([None, 2], "float32", "scale_factor")}]
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        static = paddle.jit.to_static(model, input_spec=spec, full_graph=True)
        paddle.jit.save(static, str(tmp / "model"))
        write_json(tmp / META_FILE, {"kind": "detector", "categories": categories(cfg),
                                     "image_size": cfg.train.image_size,
                                     "config": to_dict(cfg), "weights": str(weights)})
    return Path(out_dir)


def exported_detector_forward(export_dir: Path, threads: int = 2, onednn: bool = True) -> DetForward:
    predictor = open_predictor(export_dir, threads, onednn, what="detector")
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
    return one_at_a_time(run)
