"""The GPU path's wiring, checked on the CPU: amp reaches the loop's step, BN layers convert."""
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.config.load import load_config
from facevid.errors import ConfigError
from facevid.runtime.gpu import convert_sync_bn
from stage2_seg.components import build_model
from stage2_seg.train import train
from tests.helpers import MICRO_EANET, MICRO_OPTS, TINY, TINY_EANET


def _cfg(synth_root, *extra):
    return load_config(TINY, MICRO_OPTS + [f"data.train_root={synth_root}", f"data.val_root={synth_root}",
                                           "train.iters=2", "train.eval_interval=2",
                                           "train.save_interval=2", "eval.max_frames=1", *extra])


def test_amp_runs_the_step_through_a_loss_scaler(synth_root, tmp_path, monkeypatch):
    scaled = []
    original = paddle.amp.GradScaler.scale
    monkeypatch.setattr(paddle.amp.GradScaler, "scale",
                        lambda self, loss: scaled.append(float(loss)) or original(self, loss))
    train(_cfg(synth_root, "train.amp=true"), tmp_path / "amp", show_progress=False)
    assert len(scaled) == 2                       # one scaled loss per iteration
    scaled.clear()
    train(_cfg(synth_root), tmp_path / "plain", show_progress=False)
    assert scaled == []


def test_sync_bn_converts_every_batch_norm_and_is_refused_on_a_cpu_build(synth_root, tmp_path):
    model = convert_sync_bn(build_model(load_config(TINY_EANET, MICRO_EANET)))
    kinds = {type(layer).__name__ for layer in model.sublayers()}
    assert "SyncBatchNorm" in kinds and not kinds & {"BatchNorm", "BatchNorm2D"}
    if not paddle.device.is_compiled_with_cuda():
        with pytest.raises(ConfigError, match="SyncBatchNorm has no CPU kernel"):
            train(_cfg(synth_root, "train.sync_bn=true"), tmp_path / "sync", show_progress=False)
