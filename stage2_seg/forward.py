"""A `Forward` maps a normalised batch N x C x h x w to logits N x K x h x w (numpy in, numpy
out), so the parser runs a dygraph model and an exported one (stage2_seg.exported) alike. A
model with a learned alpha gives it as one more channel after the K logits (N x (K + 1) x h x w,
the alpha in [0, 1]); stage2_seg.parser splits it off."""
from typing import Callable

import numpy as np
import paddle
import paddle.nn.functional as F

Forward = Callable[[np.ndarray], np.ndarray]


def dygraph_forward(model: paddle.nn.Layer) -> Forward:
    """A Forward running a dygraph model in eval mode (the caller sets model.eval())."""
    @paddle.no_grad()
    def run(batch: np.ndarray) -> np.ndarray:
        x = paddle.to_tensor(batch)
        outputs = model(x)
        logits = outputs[0]
        if logits.shape[2:] != x.shape[2:]:
            logits = F.interpolate(logits, x.shape[2:], mode="bilinear")
        if getattr(model, "alpha_head", None) is not None:
            logits = paddle.concat([logits, outputs[1]], axis=1)
        return logits.numpy()
    return run
