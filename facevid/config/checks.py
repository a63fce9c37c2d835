"""Checks of a loaded config: types against the spec's defaults, ranges, and cross-key
consistency. They only check; `facevid.config.load.normalize` is the one place that fills values."""
from typing import Any, Dict

from facevid.config.specs import FREE_SUBTREES, PROJECT_ROOT, READER_FORMATS, REQUIRED
from facevid.errors import ConfigError
from facevid.data.extra_sets import check_extra_sets
from facevid.data.readers import MASK_VALUES

VAL_LAYOUT_KEYS = {"image_dir", "label_dir", "mask_values"}


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "an integer", float: "a number", str: "text",
            list: "a list"}.get(type(value), type(value).__name__)


def check_types(spec: Dict[str, Any], cfg: Dict[str, Any], source: str, prefix: str = "") -> None:
    """Every value whose default has a type must have that type (an int is a valid number)."""
    for key, default in spec.items():
        dotted, value = prefix + key, cfg.get(key)
        if default is None or default is REQUIRED or any(
                dotted == t or dotted.startswith(t + ".") for t in FREE_SUBTREES):
            continue
        if isinstance(default, dict):
            if isinstance(value, dict):
                check_types(default, value, source, dotted + ".")
            continue
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ConfigError(f"{source}: '{dotted}' must be {_type_name(default)}, got {value!r}")


def _in_range(cfg: Dict[str, Any], dotted: str, low: float, high: float,
              low_open: bool = False) -> None:
    node: Any = cfg
    for key in dotted.split("."):
        node = node[key]
    if node is None:
        return
    if not (isinstance(node, (int, float)) and not isinstance(node, bool)
            and (low < node if low_open else low <= node) and node <= high):
        bracket = "(" if low_open else "["
        raise ConfigError(f"'{dotted}' must be in {bracket}{low}, {high}], got {node!r}")


def _check_data(cfg: Dict[str, Any]) -> None:
    schema, data = cfg["_schema"], cfg["data"]
    if data["format"] not in READER_FORMATS:
        raise ConfigError(f"data.format '{data['format']}' is unknown; use one of {READER_FORMATS}")
    if data["mask_values"] not in MASK_VALUES:
        raise ConfigError(f"data.mask_values must be one of {MASK_VALUES}")
    layout = data.get("val_layout")
    if layout is not None and (not isinstance(layout, dict) or set(layout) != VAL_LAYOUT_KEYS
                               or layout["mask_values"] not in MASK_VALUES):
        raise ConfigError(f"data.val_layout must be null or {{image_dir, label_dir, mask_values}} "
                          f"with mask_values one of {MASK_VALUES}, got {layout!r}")
    ignore = data["ignore_index"]
    if not schema.num_classes <= ignore <= 255:
        raise ConfigError(f"data.ignore_index must be an int in [{schema.num_classes}, 255] "
                          f"(schema '{schema.name}' has {schema.num_classes} classes), got {ignore!r}")
    _in_range(cfg, "data.min_region_pixels", 1, 1e12)


def _check_train(cfg: Dict[str, Any]) -> None:
    train = cfg["train"]
    for key in ("iters", "batch_size", "log_interval", "eval_interval", "save_interval",
                "keep_checkpoints"):
        if train[key] <= 0:
            raise ConfigError(f"train.{key} must be a positive int, got {train[key]!r}")
    _in_range(cfg, "train.lr", 0, 10, low_open=True)
    _in_range(cfg, "train.weight_decay", 0, 1)
    _in_range(cfg, "train.momentum", 0, 1)
    _in_range(cfg, "train.flip_prob", 0, 1)
    if train["warmup_iters"] < 0:
        raise ConfigError("train.warmup_iters must be >= 0")
    if train["lr_schedule"] not in ("poly", "constant"):
        raise ConfigError("train.lr_schedule must be 'poly' or 'constant'")
    if train["optimizer"] not in ("sgd", "adam"):
        raise ConfigError(f"train.optimizer must be 'sgd' or 'adam', got {train['optimizer']!r}")
    if train["amp_level"] not in ("O1", "O2"):
        raise ConfigError(f"train.amp_level must be O1 or O2, got {train['amp_level']!r}")
    if "num_workers" in train and train["num_workers"] < 0:
        raise ConfigError(f"train.num_workers must be >= 0, got {train['num_workers']}")


def validate_seg(cfg: Dict[str, Any]) -> None:
    """Stage-2 checks: inconsistent values raise, they are never silently corrected."""
    schema, data, model, train = cfg["_schema"], cfg["data"], cfg["model"], cfg["train"]
    _check_data(cfg)
    if data["crop"] not in ("face", "person", "frame"):
        raise ConfigError(f"data.crop must be 'face', 'person' or 'frame', got {data['crop']!r}")
    if data["crop"] == "face" and not schema.face_class_ids:
        raise ConfigError(f"data.crop is 'face' but schema '{schema.name}' has no face_classes; "
                          "use data.crop=frame or person")
    _in_range(cfg, "data.crop_margin", 0, 5)
    if not isinstance(model, dict) or "type" not in model:
        raise ConfigError("'model' must be a mapping with a 'type' (a PaddleSeg model name)")
    if model["num_classes"] != schema.num_classes:
        raise ConfigError(f"model.num_classes is {model['num_classes']} but schema "
                          f"'{schema.name}' has {schema.num_classes} classes; make them agree")
    _check_loss_terms(cfg)
    _check_train(cfg)
    jitter = train["color_jitter"]
    if not (len(jitter) == 3 and all(isinstance(j, (int, float)) and 0 <= j < 1 for j in jitter)):
        raise ConfigError("train.color_jitter must be [brightness, contrast, saturation], each in [0, 1)")
    _in_range(cfg, "train.partial_crop_prob", 0, 1)
    _in_range(cfg, "train.rotate_deg", 0, 180)
    _in_range(cfg, "train.shift_jitter", 0, 1)
    lo, hi = train["scale_jitter"]
    if not 0 < lo <= hi:
        raise ConfigError("train.scale_jitter must be [low, high] with 0 < low <= high")
    _check_scenes(cfg)
    check_extra_sets(cfg)
    if cfg["eval"]["lowres_scale"] is not None and not 0 < cfg["eval"]["lowres_scale"] <= 1:
        raise ConfigError("eval.lowres_scale must be null or in (0, 1]")
    if cfg["eval"]["max_frames"] is not None and not (
            isinstance(cfg["eval"]["max_frames"], int) and cfg["eval"]["max_frames"] > 0):
        raise ConfigError("eval.max_frames must be null or a positive int")


def _check_loss_terms(cfg: Dict[str, Any]) -> None:
    ignore = cfg["data"]["ignore_index"]
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
        coef = term.get("coef", 1.0)
        if not isinstance(coef, (int, float)) or isinstance(coef, bool) or coef < 0:
            raise ConfigError(f"loss {term['type']}: coef must be a number >= 0, got {coef!r}")


def _check_scenes(cfg: Dict[str, Any]) -> None:
    train = cfg["train"]
    if not (0 <= train["negative_prob"] and 0 <= train["paste_prob"]
            and train["negative_prob"] + train["paste_prob"] <= 1):
        raise ConfigError("train.negative_prob and train.paste_prob must be >= 0 with a sum <= 1")
    if (train["negative_prob"] or train["paste_prob"]) and not cfg["data"]["backgrounds_root"]:
        raise ConfigError("train.negative_prob / train.paste_prob need data.backgrounds_root "
                          "(a folder of scenes without people)")
    low, high = train["paste_scale"]
    if not 0 < low <= high <= 1:
        raise ConfigError("train.paste_scale must be [low, high] with 0 < low <= high <= 1")


def validate_det(cfg: Dict[str, Any]) -> None:
    """Stage-1 checks (ppdet's own sections are checked by stage1_detect)."""
    schema, infer = cfg["_schema"], cfg["infer"]
    _check_data(cfg)
    data = cfg["data"]
    if data["face_boxes"] and not schema.face_class_ids:
        raise ConfigError(f"schema '{schema.name}' has no face_classes to derive face boxes from; "
                          "set data.face_boxes=false for a person detector")
    _check_train(cfg)
    names = [n for n, on in (("face", data["face_boxes"]), ("person", data["person_boxes"])) if on]
    if not names:
        raise ConfigError("data.face_boxes and data.person_boxes are both false: nothing to detect")
    num_classes = cfg["ppdet"].get("num_classes")
    if num_classes != len(names):
        raise ConfigError(f"num_classes is {num_classes!r} but the detector is trained on "
                          f"{len(names)} categor{'ies' if len(names) > 1 else 'y'} ({', '.join(names)})"
                          "; set num_classes to match data.face_boxes / data.person_boxes")
    _in_range(cfg, "infer.score_threshold", 0, 1)
    _in_range(cfg, "infer.merge_iou", 0, 1)
    _in_range(cfg, "eval.iou", 0, 1, low_open=True)
    _in_range(cfg, "eval.crop_margin", 0, 5)
    if infer["detect_every"] < 1:
        raise ConfigError("infer.detect_every must be a positive int (1: every frame)")
    for key in ("max_detections", "max_missing"):
        if infer[key] < (1 if key == "max_detections" else 0):
            raise ConfigError(f"infer.{key} must be {'positive' if key == 'max_detections' else '>= 0'}")


def validate_pipeline(cfg: Dict[str, Any]) -> None:
    """Checks of the pipeline file itself; the model configs are checked when loaded."""
    det = cfg["detector"]
    if det is not None and (not isinstance(det, dict) or "config" not in det
                            or not (det.get("weights") or det.get("export_dir"))
                            or not set(det) <= {"config", "weights", "export_dir", "opts"}):
        raise ConfigError("'detector' must be null or {config: stage-1 YAML (or a whole-frame "
                          "stage-2 one: boxes around its mask), weights: .pdparams or export_dir: "
                          "an export of it, opts: [key=value] (optional)}")
    parsers = cfg["parsers"]
    if not isinstance(parsers, list) or not parsers:
        raise ConfigError("'parsers' must list one or more {config, weights, export_dir} entries")
    for i, entry in enumerate(parsers):
        if not isinstance(entry, dict) or "config" not in entry or not set(entry) <= {
                "name", "config", "weights", "export_dir", "opts"}:
            raise ConfigError(f"parsers[{i}] must be {{config, weights, export_dir, name, opts}}, "
                              f"got {entry!r}")
        if not isinstance(entry.get("opts") or [], list):
            raise ConfigError(f"parsers[{i}].opts must be a list of key=value overrides")
        if not entry.get("weights") and not entry.get("export_dir"):
            raise ConfigError(f"parsers[{i}] needs weights or an export_dir")
    if cfg["ensemble"] not in ("hard", "soft"):
        raise ConfigError("ensemble must be 'hard' or 'soft'")
    if cfg["resize"] not in ("bilinear", "nearest"):
        raise ConfigError("resize must be 'bilinear' or 'nearest'")
    if cfg["engine"] not in ("dygraph", "inference"):
        raise ConfigError("engine must be 'dygraph' or 'inference'")
    grabcut = cfg["grabcut"]
    if grabcut["band"] < 1 or grabcut["iterations"] < 1:
        raise ConfigError("grabcut.band and grabcut.iterations must be positive ints")
    _in_range(cfg, "grabcut.confident", 0.5, 1)
    _in_range(cfg, "overlay.alpha", 0, 1)
    _in_range(cfg, "overlay.fps", 0, 1000, low_open=True)
    _in_range(cfg, "smoothing", 0, 0.95)
    if cfg["threads"] < 1:
        raise ConfigError("threads must be a positive int")


def validate_reproduce(cfg: Dict[str, Any]) -> None:
    for name, entry in [("detector", cfg["detector"])] + list(cfg["models"].items()):
        # The detector may name trained weights (the preset then skips training one).
        allowed = {"config", "opts", "weights"} if name == "detector" else {"config", "opts"}
        if not isinstance(entry, dict) or "config" not in entry or not set(entry) <= allowed:
            raise ConfigError(f"{name} must be {{{', '.join(sorted(allowed))}}} "
                              "(config: a YAML, opts: [key=value, ...], weights: a .pdparams)")
    weights = cfg["detector"].get("weights")
    if weights is not None and not (PROJECT_ROOT / str(weights)).is_file():
        raise ConfigError(f"detector.weights: {weights} is not a file (a path relative to the project "
                          "root); train one, or drop the key and the preset trains its own")
    if cfg["main_model"] not in cfg["models"]:
        raise ConfigError(f"main_model '{cfg['main_model']}' is not one of models {list(cfg['models'])}")
    size = cfg["train_size_eval"]
    if not (isinstance(size, list) and len(size) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)):
        raise ConfigError(f"train_size_eval must be [width, height], got {size!r}")
    synth = cfg["synthetic"]
    keys = {"train_clips", "val_clips", "frames", "train_seed", "val_seed"}
    if synth is not None and (not isinstance(synth, dict) or set(synth) != keys):
        raise ConfigError(f"synthetic must be null or have exactly the keys {sorted(keys)}")


VALIDATORS = {"seg": validate_seg, "det": validate_det, "pipeline": validate_pipeline,
              "reproduce": validate_reproduce}


def validate(cfg: Dict[str, Any]) -> None:
    VALIDATORS[cfg["stage"]](cfg)
