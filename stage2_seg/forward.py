"""A `Forward` maps a normalised batch N x C x h x w to logits N x K x h x w (numpy in, numpy
out), so the parser runs a dygraph model and an exported one (stage2_seg.export) alike; and
the config's model with trained weights, ready for inference."""
from pathlib import Path
from typing import Any, Callable, Dict

import numpy as np
import paddle
import paddle.nn.functional as F

from facevid.runtime.checkpoint import load_weights
from stage2_seg.components import build_model

Forward = Callable[[np.ndarray], np.ndarray]


def dygraph_forward(model: paddle.nn.Layer) -> Forward:
    """A Forward running a dygraph model in eval mode (the caller sets model.eval())."""
    @paddle.no_grad()
    def run(batch: np.ndarray) -> np.ndarray:
        x = paddle.to_tensor(batch)
        logits = model(x)[0]
        if logits.shape[2:] != x.shape[2:]:
            logits = F.interpolate(logits, x.shape[2:], mode="bilinear")
        return logits.numpy()
    return run


def build_trained_model(cfg: Dict[str, Any], weights: Path) -> paddle.nn.Layer:
    """The config's model with `weights` loaded, in eval mode. A fresh name scope keeps
    parameter names independent of what else the process built."""
    with paddle.utils.unique_name.guard():
        model = build_model(cfg)
    load_weights(weights, model)
    model.eval()
    return model
