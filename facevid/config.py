"""YAML configs: one `_base_` level at most, `--opts a.b=value` overrides, and clear errors.

A stage-2 config has the sections below (DEFAULTS). Keys under `model` and the loss terms are
constructor arguments of PaddleSeg components (`type:` names a registered class); those are
checked by the constructor itself, everything else is checked here against DEFAULTS.
Data paths are relative to the current directory; a schema path is relative to the config file.
"""
import copy
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

from facevid.errors import ConfigError
from facevid.schema import load_schema, read_yaml

REQUIRED = object()
# Subtrees whose keys are passed to component constructors and validated there.
FREE_SUBTREES = ("model", "loss")
READER_FORMATS = ("challenge", "celebamask_hq", "lapa", "helen", "image_mask")

DEFAULTS: Dict[str, Any] = {
    "stage": "seg",
    "schema": REQUIRED,
    "seed": 0,
    "data": {
        "format": "challenge",
        "train_root": REQUIRED,
        "val_root": REQUIRED,
        "image_dir": "images",   # image_mask format only
        "label_dir": "masks",    # image_mask format only
        "mask_values": "ids",    # image_mask: "ids" or "binary" (0/255 -> 0/1)
        "ignore_index": 255,
        "crop": "face",          # face: crops around mask-derived face boxes; frame: whole frames
        "face_margin": 0.4,      # box grown by this fraction of its size on each side
        "include_hair": False,   # whether hair counts as face when deriving boxes
        "min_face_pixels": 16,   # smaller face blobs are not cropped (too small to parse)
    },
    "model": REQUIRED,
    # Terms of the total loss: each applies loss `type` (a PaddleSeg loss name) with weight
    # `coef` to the model output named by `output` (seg, aux, edge, refined).
    "loss": [
        {"output": "seg", "type": "CrossEntropyLoss", "coef": 1.0},
        {"output": "aux", "type": "CrossEntropyLoss", "coef": 0.4},
    ],
    "train": {
        "iters": REQUIRED,
        "batch_size": REQUIRED,
        "crop_size": REQUIRED,
        "optimizer": "sgd",      # sgd (momentum) or adam
        "lr": 0.01,
        "momentum": 0.9,
        "weight_decay": 4.0e-5,
        "lr_schedule": "poly",   # poly or constant
        "warmup_iters": 0,
        "scale_jitter": [0.85, 1.2],
        "shift_jitter": 0.1,
        "flip_prob": 0.5,           # mirror-aware horizontal flip
        "partial_crop_prob": 0.0,   # keep 1/3 or 2/3 of the face box from one of its sides
        "rotate_deg": 0.0,          # uniform rotation in [-rotate_deg, rotate_deg]
        "color_jitter": [0.0, 0.0, 0.0],   # brightness, contrast, saturation: factor 1 +- value
        "num_workers": 0,
        "log_interval": 10,
        "eval_interval": 1000,
        "save_interval": 1000,
        "keep_checkpoints": 2,
    },
    "eval": {
        "size": REQUIRED,
        "max_frames": None,      # evaluate only the first N frames during training (null: all)
        "flip_tta": False,       # also parse the mirrored crop; swap left/right classes back
    },
}


def load_config(path: Path, opts: Sequence[str] = ()) -> Dict[str, Any]:
    """Load, merge with `_base_`, apply `a.b=value` overrides, fill defaults and validate."""
    path = Path(path)
    raw = _read_yaml(path)
    base_ref = raw.pop("_base_", None)
    if base_ref is not None:
        base_path = (path.parent / base_ref) if not Path(base_ref).is_absolute() else Path(base_ref)
        base = _read_yaml(base_path)
        if "_base_" in base:
            raise ConfigError(f"{base_path}: a base config may not have its own _base_ "
                              "(configs allow one _base_ level)")
        raw = _merge(base, raw)
    for opt in opts:
        _apply_opt(raw, opt)
    cfg = _fill_defaults(DEFAULTS, raw, prefix="", source=str(path))
    cfg["_config_path"] = str(path)
    cfg["_schema"] = load_schema(cfg["schema"], relative_to=path.parent)
    validate(cfg)
    return cfg


def _read_yaml(path: Path) -> Dict[str, Any]:
    data = read_yaml(path, "config")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a YAML mapping of sections")
    return data


def _merge(base: Dict, over: Dict) -> Dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_free(dotted: str) -> bool:
    return any(dotted == t or dotted.startswith(t + ".") for t in FREE_SUBTREES)


def _apply_opt(cfg: Dict, opt: str) -> None:
    if "=" not in opt:
        raise ConfigError(f"--opts '{opt}': expected key.path=value")
    dotted, text = opt.split("=", 1)
    keys = dotted.split(".")
    try:
        value = yaml.safe_load(text) if text != "" else None
    except yaml.YAMLError:
        value = text
    spec: Any = DEFAULTS
    node: Any = cfg
    for i, key in enumerate(keys):
        here = ".".join(keys[: i + 1])
        if not _is_free(here) and not (isinstance(spec, dict) and key in spec):
            raise ConfigError(f"--opts '{opt}': unknown key '{here}'{_known(spec)}")
        spec = _child(spec, key)
        if isinstance(node, list):      # e.g. loss.1.coef: an existing list item
            if not key.isdigit() or int(key) >= len(node):
                raise ConfigError(f"--opts '{opt}': '{here}' is not an item of a "
                                  f"{len(node)}-item list")
            key = int(key)
        if i == len(keys) - 1:
            node[key] = value
        else:
            if not isinstance(_child(node, key), (dict, list)):
                # Not in the file: a list starts as its default so one item can be changed;
                # a mapping starts empty and gets its defaults filled in later.
                node[key] = copy.deepcopy(spec) if isinstance(spec, list) else {}
            node = node[key]


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and str(key).isdigit() and int(key) < len(node):
        return node[int(key)]
    return None


def _known(spec: Any) -> str:
    return f"; known keys here: {sorted(spec)}" if isinstance(spec, dict) else ""


def _fill_defaults(spec: Dict, raw: Dict, prefix: str, source: str) -> Dict:
    unknown = [k for k in raw if k not in spec]
    if unknown:
        where = prefix.rstrip(".") or "top level"
        raise ConfigError(f"{source}: unknown key(s) {[prefix + k for k in unknown]} at {where}"
                          f"{_known(spec)}")
    out = {}
    for key, default in spec.items():
        dotted = prefix + key
        if key not in raw:
            if default is REQUIRED:
                raise ConfigError(f"{source}: required key '{dotted}' is missing")
            out[key] = copy.deepcopy(default)
        elif isinstance(default, dict) and not _is_free(dotted):
            if not isinstance(raw[key], dict):
                raise ConfigError(f"{source}: '{dotted}' must be a mapping")
            out[key] = _fill_defaults(default, raw[key], dotted + ".", source)
        else:
            out[key] = raw[key]
    return out


def _pair(value: Any, name: str) -> List[int]:
    if isinstance(value, int):
        value = [value, value]
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and v > 0 for v in value)):
        raise ConfigError(f"'{name}' must be a positive int or [width, height], got {value!r}")
    return list(value)


def validate(cfg: Dict[str, Any]) -> None:
    """Cross-key checks: inconsistent values raise, they are never silently corrected."""
    schema = cfg["_schema"]
    if cfg["stage"] != "seg":
        raise ConfigError(f"stage '{cfg['stage']}' is not a stage-2 config (expected 'seg')")
    data, model, train = cfg["data"], cfg["model"], cfg["train"]
    if data["format"] not in READER_FORMATS:
        raise ConfigError(f"data.format '{data['format']}' is unknown; use one of {READER_FORMATS}")
    if data["crop"] not in ("face", "frame"):
        raise ConfigError(f"data.crop must be 'face' or 'frame', got {data['crop']!r}")
    if data["crop"] == "face" and not schema.face_class_ids:
        raise ConfigError(f"data.crop is 'face' but schema '{schema.name}' has no face_classes; "
                          "use data.crop=frame")
    if data["mask_values"] not in ("ids", "binary"):
        raise ConfigError("data.mask_values must be 'ids' or 'binary'")
    ignore = data["ignore_index"]
    if not isinstance(ignore, int) or not schema.num_classes <= ignore <= 255:
        raise ConfigError(f"data.ignore_index must be an int in [{schema.num_classes}, 255] "
                          f"(schema '{schema.name}' has {schema.num_classes} classes), got {ignore!r}")
    if not isinstance(model, dict) or "type" not in model:
        raise ConfigError("'model' must be a mapping with a 'type' (a PaddleSeg model name)")
    model.setdefault("num_classes", schema.num_classes)
    if model["num_classes"] != schema.num_classes:
        raise ConfigError(f"model.num_classes is {model['num_classes']} but schema "
                          f"'{schema.name}' has {schema.num_classes} classes; make them agree")
    if not isinstance(cfg["loss"], list) or not cfg["loss"]:
        raise ConfigError("'loss' must be a non-empty list of {output, type, coef} terms")
    for term in cfg["loss"]:
        if not isinstance(term, dict) or "type" not in term or "output" not in term:
            raise ConfigError(f"loss term {term!r} needs an 'output' (seg, aux, edge, refined) "
                              "and a 'type' (a PaddleSeg loss name)")
        if term.get("ignore_index", ignore) != ignore:
            raise ConfigError(f"loss {term['type']} has ignore_index {term['ignore_index']} but "
                              f"data.ignore_index is {ignore}; remove it from the loss (it is "
                              "filled from data.ignore_index)")
    train["crop_size"] = _pair(train["crop_size"], "train.crop_size")
    cfg["eval"]["size"] = _pair(cfg["eval"]["size"], "eval.size")
    for key in ("iters", "batch_size", "log_interval", "eval_interval", "save_interval",
                "keep_checkpoints"):
        if not isinstance(train[key], int) or train[key] <= 0:
            raise ConfigError(f"train.{key} must be a positive int, got {train[key]!r}")
    if train["optimizer"] not in ("sgd", "adam"):
        raise ConfigError(f"train.optimizer must be 'sgd' or 'adam', got {train['optimizer']!r}")
    if train["lr_schedule"] not in ("poly", "constant"):
        raise ConfigError("train.lr_schedule must be 'poly' or 'constant'")
    jitter = train["color_jitter"]
    if not (isinstance(jitter, list) and len(jitter) == 3 and all(0 <= j < 1 for j in jitter)):
        raise ConfigError("train.color_jitter must be [brightness, contrast, saturation], each in [0, 1)")
    if not 0 <= train["partial_crop_prob"] <= 1 or not 0 <= train["flip_prob"] <= 1:
        raise ConfigError("train.partial_crop_prob and train.flip_prob must be in [0, 1]")
    lo, hi = train["scale_jitter"]
    if not 0 < lo <= hi:
        raise ConfigError("train.scale_jitter must be [low, high] with 0 < low <= high")


def public_view(cfg: Dict[str, Any]) -> Dict[str, Any]:
    """The config without private keys, for saving beside checkpoints and metrics."""
    return {k: v for k, v in cfg.items() if not k.startswith("_")}

