"""Weights and checkpoints, written atomically, for both stages.

Each checkpoint is a folder `iter_NNNNNNN/` (model.pdparams, optimizer.pdopt, state.json)
built under a temporary name and renamed when complete, so an interrupted save never looks like
a checkpoint. Resuming verifies the newest one (every file loads, the state names its
iteration) and falls back to the one before when it is damaged, saying so.
"""
import io
import json
import shutil
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import facevid.paddle_env  # noqa: F401  (before paddle)
import numpy as np
import paddle

from facevid.errors import UserError
from facevid.io.files import write_bytes, write_json
from facevid.io.output_folders import make_tmp_dir, remove_stale_tmp, replace_dir

MODEL, OPTIMIZER, STATE = "model.pdparams", "optimizer.pdopt", "state.json"
# A model that extends another (a learned-alpha head, an input channel) shares nearly all of
# its parameters; a file sharing fewer than this share is another model altogether.
MIN_SHARED_PARAMETERS = 0.5


def _serialized(obj: Any) -> bytes:
    buffer = io.BytesIO()
    paddle.save(obj, buffer)
    return buffer.getvalue()


def save_weights(path: Path, model: paddle.nn.Layer) -> None:
    """Write a model's parameters to `path` (.pdparams) atomically."""
    save_state_dict(path, model.state_dict())


def save_state_dict(path: Path, state: Dict[str, Any]) -> None:
    """Write a parameter dictionary (tensors or numpy arrays) to `path` atomically."""
    write_bytes(Path(path), _serialized(state))


def load_weights(path: Path, model: paddle.nn.Layer, new_layers_ok: bool = False) -> List[str]:
    """Load parameters, failing clearly when they do not fit the model the config builds. With
    `new_layers_ok` (fine-tuning a model that adds a head, e.g. a learned alpha, or an input
    channel, e.g. the previous frame's mask) parameters the file lacks keep their initial
    values and convolutions that take more input channels start with the new ones at zero;
    returns what was not loaded as it was."""
    state = _read_state_dict(Path(path))
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    if missing and not new_layers_ok:
        raise UserError(f"{path}: weights lack {len(missing)} parameters of this model "
                        f"(e.g. {missing[0]}); were they trained with another config?")
    shared = len(own) - len(missing)
    if shared < MIN_SHARED_PARAMETERS * len(own):
        raise UserError(f"{path}: {_kind_of(state)}; it holds {shared} of this model's "
                        f"{len(own)} parameters (at least {MIN_SHARED_PARAMETERS:.0%} are needed "
                        "to start from it): name weights of this model, or of the model it "
                        "extends by a head or an input channel")
    for key, value in own.items():
        if key in state and list(state[key].shape) != list(value.shape):
            if new_layers_ok and _grown_input(np.asarray(state[key]), value.shape):
                missing.append(f"{key} (input channels {state[key].shape[1]} -> {value.shape[1]}, "
                               "the new ones at zero)")
                state[key] = _zero_padded(np.asarray(state[key], np.float32), value.shape)
                continue
            raise UserError(f"{path}: parameter {key} has shape {list(state[key].shape)} but the "
                            f"config builds {list(value.shape)}; the weights were trained for a "
                            "different model or number of classes")
    with warnings.catch_warnings():    # paddle warns of each missing one: said by the caller
        warnings.simplefilter("ignore")
        model.set_state_dict({k: v for k, v in state.items() if k in own})
    return missing


def _kind_of(state: Dict[str, Any]) -> str:
    """What a parameter file seems to be, for an error message."""
    keys = list(state)
    if any(k.endswith(("_moment1_0", "_beta1_pow_acc_0")) or k == "LR_Scheduler" for k in keys):
        return "an optimizer's state (.pdopt), not model weights"
    if any(k.startswith(("rpn_head.", "bbox_head.")) for k in keys):
        return "a detector's weights (stage 1)"
    return f"weights of another model (its first parameter: {keys[0]})" if keys else "empty"


def _grown_input(weight: np.ndarray, shape: Sequence[int]) -> bool:
    """A convolution that takes more input channels than the file's (a model that adds an input,
    e.g. the previous frame's mask, stage2_seg.temporal), all else alike."""
    return (weight.ndim == 4 and len(shape) == 4 and weight.shape[1] < shape[1]
            and [weight.shape[0], *weight.shape[2:]] == [shape[0], *shape[2:]])


def _zero_padded(weight: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """The file's weight with the new input channels at zero: the model starts out computing
    what the file's did, whatever the new input holds."""
    out = np.zeros(list(shape), np.float32)
    out[:, : weight.shape[1]] = weight
    return out


def load_pretrained_backbone(path: Path, model: paddle.nn.Layer) -> None:
    """Load converted ImageNet weights into `model.backbone` (before a run starts)."""
    backbone = getattr(model, "backbone", None)
    if not hasattr(backbone, "load_imagenet"):
        raise UserError(f"train.pretrained_backbone: model {type(model).__name__} has no backbone "
                        "that takes ImageNet weights (MobileNetV2Features does); remove the key "
                        "or use one that does")
    if not Path(path).is_file():
        raise UserError(f"train.pretrained_backbone {path}: file not found; `make train-deps` "
                        "writes it (tools/convert_backbone.py)")
    try:
        backbone.load_imagenet(_read_state_dict(Path(path)))
    except ValueError as exc:
        raise UserError(f"{path}: does not fit the model's backbone ({exc})") from None


def _read_state_dict(path: Path) -> Dict[str, Any]:
    if not path.is_file():
        raise UserError(f"weights file not found: {path}")
    try:
        state = paddle.load(str(path))
    except Exception as exc:   # paddle raises assorted types for a damaged file
        raise UserError(f"{path}: cannot be read as paddle weights "
                        f"({type(exc).__name__}: {str(exc).strip()[:120]})") from None
    if not isinstance(state, dict):
        raise UserError(f"{path}: does not hold a parameter dictionary")
    return state


def save_checkpoint(out_dir: Path, iteration: int, model: paddle.nn.Layer,
                    optimizer: paddle.optimizer.Optimizer, state: Dict[str, Any], keep: int) -> Path:
    final = Path(out_dir) / f"iter_{iteration:07d}"
    remove_stale_tmp(final)
    tmp = make_tmp_dir(final)
    try:
        (tmp / MODEL).write_bytes(_serialized(model.state_dict()))
        (tmp / OPTIMIZER).write_bytes(_serialized(optimizer.state_dict()))
        write_json(tmp / STATE, dict(state, iteration=iteration))    # last: marks it complete
        replace_dir(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in complete_checkpoints(out_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def complete_checkpoints(out_dir: Path) -> List[Path]:
    """Checkpoint folders that were finished (they hold state.json), oldest first."""
    return sorted(p for p in Path(out_dir).glob("iter_*") if (p / STATE).is_file())


def latest_checkpoint(out_dir: Path) -> Optional[Path]:
    found = complete_checkpoints(out_dir)
    return found[-1] if found else None


def checkpoint_problem(path: Path) -> Optional[str]:
    """Why a checkpoint cannot be resumed from (None when every file loads)."""
    try:
        state = json.loads((path / STATE).read_text())
        int(state["iteration"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{STATE} is unreadable ({type(exc).__name__})"
    for name in (MODEL, OPTIMIZER):
        try:
            _read_state_dict(path / name)
        except UserError as exc:
            return str(exc)
    return None


def usable_checkpoint(out_dir: Path, log: Callable[[str], None] = print
                      ) -> Tuple[Optional[Path], List[str]]:
    """The newest checkpoint that passes `checkpoint_problem`, and what was wrong with the
    newer ones (each also reported through `log`)."""
    skipped = []
    for path in reversed(complete_checkpoints(out_dir)):
        problem = checkpoint_problem(path)
        if problem is None:
            return path, skipped
        skipped.append(f"{path.name}: {problem}")
        log(f"warning: checkpoint {path} is damaged ({problem}); trying the one before it")
    return None, skipped


def load_checkpoint(path: Path, model: paddle.nn.Layer,
                    optimizer: paddle.optimizer.Optimizer) -> Dict[str, Any]:
    load_weights(path / MODEL, model)
    optimizer.set_state_dict(_read_state_dict(path / OPTIMIZER))
    return json.loads((path / STATE).read_text())
