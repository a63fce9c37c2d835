"""The full-scale GPU path of the training loop: mixed precision and synchronised batch norm.

`train.amp` runs the forward pass under `paddle.amp.auto_cast` (float16 where it is safe, at
`train.amp_level`) and scales the loss with a GradScaler so small float16 gradients do not
underflow, as PaddleSeg's trainer does. `train.sync_bn` converts every BatchNorm layer to
SyncBatchNorm, so statistics are shared by the processes of
`python -m paddle.distributed.launch` (small per-GPU batches otherwise give noisy statistics).

None of this has run on a GPU here (no machine of this project has one). On the CPU, amp
changes nothing numerically (paddle has no float16 CPU kernels for these layers and keeps
float32) but the wiring runs and is tested; SyncBatchNorm has no CPU kernel at all, so asking
for it on a CPU-only build is refused with a message.
"""
from typing import Any, Dict, Optional

from facevid.config.sections import ModelConfig
import facevid.paddle_env  # noqa: F401  (before paddle)
import paddle

from facevid.errors import ConfigError


def convert_sync_bn(model: paddle.nn.Layer) -> paddle.nn.Layer:
    """Every BatchNorm layer of `model` as a SyncBatchNorm (in place; returns the model)."""
    return paddle.nn.SyncBatchNorm.convert_sync_batchnorm(model)


def prepare_model(model: paddle.nn.Layer, cfg: ModelConfig) -> paddle.nn.Layer:
    if not cfg.train.sync_bn:
        return model
    if not paddle.device.is_compiled_with_cuda():
        raise ConfigError("train.sync_bn needs paddlepaddle-gpu: SyncBatchNorm has no CPU "
                          "kernel; set train.sync_bn=false on the CPU")
    return convert_sync_bn(model)


def make_scaler(cfg: ModelConfig) -> Optional[paddle.amp.GradScaler]:
    """A loss scaler when train.amp is on (None otherwise)."""
    if not cfg.train.amp:
        return None
    return paddle.amp.GradScaler(init_loss_scaling=float(cfg.train.amp_loss_scale))


def step(loss_fn, net: paddle.nn.Layer, batch: Any, optimizer: paddle.optimizer.Optimizer,
         scaler: Optional[paddle.amp.GradScaler], amp_level: str) -> Dict[str, paddle.Tensor]:
    """One optimisation step, with or without mixed precision; returns the loss parts."""
    if scaler is None:
        parts = loss_fn(net, batch)
        parts["total"].backward()
        optimizer.step()
    else:
        with paddle.amp.auto_cast(level=amp_level):
            parts = loss_fn(net, batch)
        scaler.scale(parts["total"]).backward()
        scaler.step(optimizer)
        scaler.update()
    optimizer.clear_grad()
    return parts
