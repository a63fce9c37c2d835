"""Checkpoints written atomically, for both stages (the one facevid module that needs paddle).

Each checkpoint is a folder `iter_NNNNNNN/` built under a temporary name and renamed when
complete, so an interrupted save never looks like a checkpoint. `state.json` is written last
inside it; resume takes the newest folder that has one."""
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

import facevid.paddle_env  # noqa: F401  (before paddle)
import paddle

from facevid.errors import UserError
from facevid.files import write_json


def save_weights(path: Path, model: paddle.nn.Layer) -> None:
    """Write a model's parameters to `path` (.pdparams) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        paddle.save(model.state_dict(), str(tmp / "model.pdparams"))
        os.replace(tmp / "model.pdparams", path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_weights(path: Path, model: paddle.nn.Layer) -> None:
    """Load parameters, failing clearly when they do not fit the model the config builds."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"weights file not found: {path}")
    try:
        state = paddle.load(str(path))
    except Exception as exc:   # paddle raises assorted types for a corrupt file
        raise UserError(f"{path}: cannot be read as paddle weights ({exc})") from None
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    if missing:
        raise UserError(f"{path}: weights lack {len(missing)} parameters of this model "
                        f"(e.g. {missing[0]}); were they trained with another config?")
    for key, value in own.items():
        if list(state[key].shape) != list(value.shape):
            raise UserError(f"{path}: parameter {key} has shape {list(state[key].shape)} but the "
                            f"config builds {list(value.shape)}; the weights were trained for a "
                            "different model or number of classes")
    model.set_state_dict(state)


def save_checkpoint(out_dir: Path, iteration: int, model: paddle.nn.Layer,
                    optimizer: paddle.optimizer.Optimizer, state: Dict[str, Any], keep: int) -> Path:
    out_dir = Path(out_dir)
    final = out_dir / f"iter_{iteration:07d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=out_dir))
    try:
        paddle.save(model.state_dict(), str(tmp / "model.pdparams"))
        paddle.save(optimizer.state_dict(), str(tmp / "optimizer.pdopt"))
        write_json(tmp / "state.json", dict(state, iteration=iteration))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in sorted(_complete(out_dir))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _complete(out_dir: Path):
    return [p for p in Path(out_dir).glob("iter_*") if (p / "state.json").is_file()]


def latest_checkpoint(out_dir: Path) -> Optional[Path]:
    found = sorted(_complete(out_dir))
    return found[-1] if found else None


def load_checkpoint(path: Path, model: paddle.nn.Layer,
                    optimizer: paddle.optimizer.Optimizer) -> Dict[str, Any]:
    load_weights(path / "model.pdparams", model)
    optimizer.set_state_dict(paddle.load(str(path / "optimizer.pdopt")))
    return json.loads((path / "state.json").read_text())
