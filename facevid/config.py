"""YAML configs: one `_base_` level at most, `--opts a.b=value` overrides, and clear errors.

`stage:` says which stage a config trains. A stage-2 config (`stage: seg`) has the sections of
SEG_DEFAULTS (facevid.config_specs); keys under `model` and the loss terms are constructor arguments of PaddleSeg
components (`type:` names a registered class) and are checked by the constructor. A stage-1
config (`stage: det`) has the sections of DET_DEFAULTS plus PaddleDetection's own sections
(`architecture`, `CascadeRCNN`, `ResNet`, ...), which are collected under `cfg["ppdet"]` and
checked by stage1_detect against ppdet's registry. Everything else is checked here.
Data paths are relative to the current directory; a schema path is relative to the config file.
"""
import copy
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

from facevid.config_specs import FREE_SUBTREES, READER_FORMATS, REQUIRED, SPECS
from facevid.errors import ConfigError
from facevid.schema import load_schema, read_yaml


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
    stage = raw.get("stage", "seg")
    if stage not in SPECS:
        raise ConfigError(f"{path}: stage '{stage}' is unknown; use 'seg' (stage 2), 'det' "
                          "(stage 1) or 'pipeline'")
    spec = SPECS[stage]
    # Stage 1: sections that are not ours belong to PaddleDetection (checked by stage1_detect).
    ppdet = {k: raw.pop(k) for k in list(raw) if k not in spec} if stage == "det" else None
    for opt in opts:
        if ppdet is not None and opt.split(".", 1)[0].split("=", 1)[0] not in spec:
            _apply_opt(ppdet, opt, spec=None)
        else:
            _apply_opt(raw, opt, spec)
    cfg = _fill_defaults(spec, raw, prefix="", source=str(path))
    cfg["_config_path"] = str(path)
    if stage == "pipeline":
        validate_pipeline(cfg)
        return cfg
    if stage == "reproduce":
        validate_reproduce(cfg)
        return cfg
    cfg["_schema"] = load_schema(cfg["schema"], relative_to=path.parent)
    split_file = cfg["data"]["split_file"]
    if split_file is not None and not Path(split_file).is_absolute():
        cfg["data"]["split_file"] = str(path.parent / split_file)
    if stage == "det":
        cfg["ppdet"] = ppdet
        validate_det(cfg)
    else:
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


def _apply_opt(cfg: Dict, opt: str, spec: Any) -> None:
    """Set `a.b=value` in cfg; keys must exist in `spec` unless they are free (spec None)."""
    if "=" not in opt:
        raise ConfigError(f"--opts '{opt}': expected key.path=value")
    dotted, text = opt.split("=", 1)
    keys = dotted.split(".")
    try:
        value = yaml.safe_load(text) if text != "" else None
    except yaml.YAMLError:
        value = text
    free = spec is None
    node: Any = cfg
    for i, key in enumerate(keys):
        here = ".".join(keys[: i + 1])
        if not free and not _is_free(here) and not (isinstance(spec, dict) and key in spec):
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


def _validate_data(cfg: Dict[str, Any]) -> None:
    schema, data = cfg["_schema"], cfg["data"]
    if data["format"] not in READER_FORMATS:
        raise ConfigError(f"data.format '{data['format']}' is unknown; use one of {READER_FORMATS}")
    if data["mask_values"] not in ("ids", "binary"):
        raise ConfigError("data.mask_values must be 'ids' or 'binary'")
    ignore = data["ignore_index"]
    if not isinstance(ignore, int) or not schema.num_classes <= ignore <= 255:
        raise ConfigError(f"data.ignore_index must be an int in [{schema.num_classes}, 255] "
                          f"(schema '{schema.name}' has {schema.num_classes} classes), got {ignore!r}")


def _validate_train(train: Dict[str, Any]) -> None:
    for key in ("iters", "batch_size", "log_interval", "eval_interval", "save_interval",
                "keep_checkpoints"):
        if not isinstance(train[key], int) or train[key] <= 0:
            raise ConfigError(f"train.{key} must be a positive int, got {train[key]!r}")
    if train["lr_schedule"] not in ("poly", "constant"):
        raise ConfigError("train.lr_schedule must be 'poly' or 'constant'")
    if not 0 <= train["flip_prob"] <= 1:
        raise ConfigError("train.flip_prob must be in [0, 1]")
    if train["optimizer"] not in ("sgd", "adam"):
        raise ConfigError(f"train.optimizer must be 'sgd' or 'adam', got {train['optimizer']!r}")


def validate(cfg: Dict[str, Any]) -> None:
    """Stage-2 cross-key checks: inconsistent values raise, they are never silently corrected."""
    schema = cfg["_schema"]
    _validate_data(cfg)
    data, model, train = cfg["data"], cfg["model"], cfg["train"]
    if data["crop"] not in ("face", "frame"):
        raise ConfigError(f"data.crop must be 'face' or 'frame', got {data['crop']!r}")
    if data["crop"] == "face" and not schema.face_class_ids:
        raise ConfigError(f"data.crop is 'face' but schema '{schema.name}' has no face_classes; "
                          "use data.crop=frame")
    ignore = data["ignore_index"]
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
    _validate_train(train)
    jitter = train["color_jitter"]
    if not (isinstance(jitter, list) and len(jitter) == 3 and all(0 <= j < 1 for j in jitter)):
        raise ConfigError("train.color_jitter must be [brightness, contrast, saturation], each in [0, 1)")
    if not 0 <= train["partial_crop_prob"] <= 1:
        raise ConfigError("train.partial_crop_prob must be in [0, 1]")
    if not (0 <= train["negative_prob"] and 0 <= train["paste_prob"]
            and train["negative_prob"] + train["paste_prob"] <= 1):
        raise ConfigError("train.negative_prob and train.paste_prob must be >= 0 with a sum <= 1")
    if (train["negative_prob"] or train["paste_prob"]) and not data["backgrounds_root"]:
        raise ConfigError("train.negative_prob / train.paste_prob need data.backgrounds_root "
                          "(a folder of scenes without people)")
    plo, phi = train["paste_scale"]
    if not 0 < plo <= phi <= 1:
        raise ConfigError("train.paste_scale must be [low, high] with 0 < low <= high <= 1")
    lo, hi = train["scale_jitter"]
    if not 0 < lo <= hi:
        raise ConfigError("train.scale_jitter must be [low, high] with 0 < low <= high")


def validate_det(cfg: Dict[str, Any]) -> None:
    """Stage-1 cross-key checks (ppdet's own sections are checked by stage1_detect)."""
    schema = cfg["_schema"]
    _validate_data(cfg)
    if not schema.face_class_ids:
        raise ConfigError(f"schema '{schema.name}' has no face_classes to derive face boxes from")
    train, infer = cfg["train"], cfg["infer"]
    train["image_size"] = _pair(train["image_size"], "train.image_size")
    _validate_train(train)
    categories = 2 if cfg["data"]["person_boxes"] else 1
    num_classes = cfg["ppdet"].get("num_classes")
    if num_classes != categories:
        raise ConfigError(f"num_classes is {num_classes!r} but the detector is trained on "
                          f"{categories} categor{'ies (face, person)' if categories == 2 else 'y (face)'}"
                          "; set num_classes to match data.person_boxes")
    if infer["crop_class"] not in ("face", "person"):
        raise ConfigError("infer.crop_class must be 'face' or 'person'")
    if infer["crop_class"] == "person" and not cfg["data"]["person_boxes"]:
        raise ConfigError("infer.crop_class is 'person' but data.person_boxes is false")
    if not 0 <= infer["score_threshold"] < 1:
        raise ConfigError("infer.score_threshold must be in [0, 1)")


def validate_pipeline(cfg: Dict[str, Any]) -> None:
    """Checks of the pipeline file itself; the model configs are loaded by the pipeline."""
    det = cfg["detector"]
    if det is not None and (not isinstance(det, dict) or set(det) != {"config", "weights"}):
        raise ConfigError("'detector' must be null or {config: stage-1 YAML, weights: .pdparams}")
    parsers = cfg["parsers"]
    if not isinstance(parsers, list) or not parsers:
        raise ConfigError("'parsers' must list one or more {config, weights, export_dir} entries")
    for i, entry in enumerate(parsers):
        if not isinstance(entry, dict) or "config" not in entry or not set(entry) <= {
                "config", "weights", "export_dir"}:
            raise ConfigError(f"parsers[{i}] must be {{config, weights, export_dir}}, got {entry!r}")
        if not entry.get("weights") and not entry.get("export_dir"):
            raise ConfigError(f"parsers[{i}] needs weights or an export_dir")
    if cfg["ensemble"] not in ("hard", "soft"):
        raise ConfigError("ensemble must be 'hard' or 'soft'")
    if cfg["resize"] not in ("bilinear", "nearest"):
        raise ConfigError("resize must be 'bilinear' or 'nearest'")


def validate_reproduce(cfg: Dict[str, Any]) -> None:
    for name, entry in [("detector", cfg["detector"])] + list(cfg["models"].items()):
        if not isinstance(entry, dict) or "config" not in entry or not set(entry) <= {"config", "opts"}:
            raise ConfigError(f"{name} must be {{config: YAML, opts: [key=value, ...]}}")
    if cfg["main_model"] not in cfg["models"]:
        raise ConfigError(f"main_model '{cfg['main_model']}' is not one of models {list(cfg['models'])}")
    cfg["train_size_eval"] = _pair(cfg["train_size_eval"], "train_size_eval")
    synth = cfg["synthetic"]
    keys = {"train_clips", "val_clips", "frames", "train_seed", "val_seed"}
    if synth is not None and set(synth) != keys:
        raise ConfigError(f"synthetic must be null or have exactly the keys {sorted(keys)}")


def public_view(cfg: Dict[str, Any]) -> Dict[str, Any]:
    """The config without private keys, for saving beside checkpoints and metrics."""
    return {k: v for k, v in cfg.items() if not k.startswith("_")}

