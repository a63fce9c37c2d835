"""YAML configs: bases, `--opts a.b=value` overrides, defaults, and clear errors.

`stage:` says what a config describes: seg (a stage-2 model), det (a stage-1 detector),
pipeline, reproduce; facevid.config.specs lists each kind's keys and defaults. A config may
build on others with `_base_: other.yml` or `_base_: [a.yml, b.yml]` (merged in that order,
the file itself last; bases may have bases; paths are relative to the file naming them), so
a variant states only what it changes. Keys under `model` and the loss terms are constructor
arguments of PaddleSeg components and are checked by their constructors; a stage-1 config's
PaddleDetection sections (`architecture`, `CascadeRCNN`, `ResNet`, ...) are collected under
`cfg["ppdet"]` and checked by stage1_detect against ppdet's registry. Everything else is
checked here (facevid.config.checks): a wrong type, a value out of range or an unknown key is
a ConfigError naming it, never silently corrected.

Loading is: read and merge -> overrides -> defaults -> `normalize` (the one step that fills
derived values: [w, h] pairs, resolved paths, the schema) -> `validate` (checks only).
Data paths are relative to the current directory; schema and split-file paths to the config;
a pipeline's model paths to the current directory or else the project root.
"""
import copy
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from facevid.config.checks import check_types, validate
from facevid.config.specs import FREE_SUBTREES, PROJECT_ROOT, RENAMED, REQUIRED, SPECS
from facevid.errors import ConfigError
from facevid.data.extra_sets import normalize_extra_sets
from facevid.data.schema import load_schema, read_yaml

MAX_BASE_DEPTH = 4


def load_config(path: Path, opts: Sequence[str] = (),
                stages: Optional[Tuple[str, ...]] = None) -> Dict[str, Any]:
    """Load, merge with bases, apply `a.b=value` overrides, fill defaults, normalise, validate.

    stages: the kinds the caller accepts (e.g. ("seg", "det") for training); another kind is a
    ConfigError saying which was expected and which was given.
    """
    path = Path(path)
    raw = _with_bases(path, depth=0, seen=())
    stage = raw.get("stage", "seg")
    if stage not in SPECS:
        raise ConfigError(f"{path}: stage '{stage}' is unknown; use one of {sorted(SPECS)}")
    if stages is not None and stage not in stages:
        raise ConfigError(f"{path} is a '{stage}' config; this needs a "
                          f"{' or '.join(repr(s) for s in stages)} config ({_KINDS_HELP})")
    spec = SPECS[stage]
    # Stage 1: sections that are not ours belong to PaddleDetection (checked by stage1_detect).
    ppdet = {k: raw.pop(k) for k in list(raw) if k not in spec} if stage == "det" else None
    for opt in opts:
        if ppdet is not None and opt.split(".", 1)[0].split("=", 1)[0] not in spec:
            _apply_opt(ppdet, opt, spec=None)
        else:
            _apply_opt(raw, opt, spec)
    cfg = _fill_defaults(spec, raw, prefix="", source=str(path))
    check_types(spec, cfg, source=str(path))
    cfg["_config_path"] = str(path)
    if ppdet is not None:
        cfg["ppdet"] = ppdet
    normalize(cfg, path.parent)
    validate(cfg)
    return cfg


_KINDS_HELP = ("seg: a stage-2 model such as configs/stage2_eanet_cat_tiny.yml; det: a detector "
               "such as configs/stage1_cascade_rcnn_r18_tiny.yml; pipeline: configs/pipeline_*.yml; "
               "reproduce: configs/reproduce_*.yml")


def normalize(cfg: Dict[str, Any], config_dir: Path) -> None:
    """Fill the values derived from others, in one place: [w, h] pairs from ints, the schema,
    the split file's path, the model's num_classes when the file leaves it out."""
    stage = cfg["stage"]
    if stage == "pipeline":
        _resolve_model_paths(cfg)
    if stage not in ("seg", "det"):
        return
    cfg["_schema"] = load_schema(cfg["schema"], relative_to=config_dir)
    split_file = cfg["data"]["split_file"]
    if split_file is not None and not Path(split_file).is_absolute():
        cfg["data"]["split_file"] = str(config_dir / split_file)
    if stage == "det":
        cfg["train"]["image_size"] = _pair(cfg["train"]["image_size"], "train.image_size")
        return
    normalize_extra_sets(cfg, config_dir)
    cfg["train"]["crop_size"] = _pair(cfg["train"]["crop_size"], "train.crop_size")
    cfg["eval"]["size"] = _pair(cfg["eval"]["size"], "eval.size")
    if isinstance(cfg["model"], dict):
        cfg["model"].setdefault("num_classes", cfg["_schema"].num_classes)



def _resolve_model_paths(cfg: Dict[str, Any]) -> None:
    """A pipeline's model paths are relative to the current directory, or else to the project
    root, so the shipped pipelines work from any directory."""
    entries = list(cfg["parsers"]) if isinstance(cfg["parsers"], list) else []
    if isinstance(cfg["detector"], dict):
        entries.append(cfg["detector"])
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        for key in ("config", "weights", "export_dir"):
            value = entry.get(key)
            if isinstance(value, str) and not Path(value).is_absolute() and not Path(value).exists() \
                    and (PROJECT_ROOT / value).exists():
                entry[key] = str(PROJECT_ROOT / value)


def _pair(value: Any, name: str) -> List[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
        raise ConfigError(f"'{name}' must be a positive int or [width, height], got {value!r}")
    return list(value)


def _with_bases(path: Path, depth: int, seen: Tuple[Path, ...]) -> Dict[str, Any]:
    """The file's mapping merged over its bases (in order), bases resolved recursively."""
    resolved = path.resolve()
    if resolved in seen:
        raise ConfigError(f"{path}: _base_ chain loops back to itself")
    if depth > MAX_BASE_DEPTH:
        raise ConfigError(f"{path}: more than {MAX_BASE_DEPTH} levels of _base_")
    raw = _read_yaml(path)
    refs = raw.pop("_base_", None)
    if refs is None:
        return raw
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise ConfigError(f"{path}: _base_ must be a file name or a list of them")
    merged: Dict[str, Any] = {}
    for ref in refs:
        base_path = Path(ref) if Path(ref).is_absolute() else path.parent / ref
        merged = _merge(merged, _with_bases(base_path, depth + 1, seen + (resolved,)))
    return _merge(merged, raw)


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


def parse_value(text: str) -> Any:
    """An override's value as YAML reads it, except that numbers YAML 1.1 leaves as strings
    (1e-3, 5E-4: no dot) are numbers, as a user typing them means."""
    if text == "":
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:
            return float(value) if value.strip().lower() not in ("nan", "inf", "-inf", "+inf") else value
        except ValueError:
            return value
    return value


def _apply_opt(cfg: Dict, opt: str, spec: Any) -> None:
    """Set `a.b=value` in cfg; keys must exist in `spec` unless they are free (spec None)."""
    if "=" not in opt:
        raise ConfigError(f"--opts '{opt}': expected key.path=value")
    dotted, text = opt.split("=", 1)
    keys = dotted.split(".")
    value = parse_value(text)
    free = spec is None
    node: Any = cfg
    for i, key in enumerate(keys):
        here = ".".join(keys[: i + 1])
        if here in RENAMED:
            raise ConfigError(f"--opts '{opt}': '{here}' was renamed '{RENAMED[here]}'")
        if not free and not _is_free(here) and not (isinstance(spec, dict) and key in spec):
            raise ConfigError(f"--opts '{opt}': unknown key '{here}'{_known(spec)}")
        spec = _child(spec, key)
        if isinstance(node, list):      # e.g. loss.1.coef: an existing list item
            if not key.isdigit() or int(key) >= len(node):
                raise ConfigError(f"--opts '{opt}': '{here}' is not an item of a "
                                  f"{len(node)}-item list")
            key = int(key)
        elif not isinstance(node, dict):
            raise ConfigError(f"--opts '{opt}': '{'.'.join(keys[:i])}' is a value, not a section")
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
    renamed = [(prefix + k, RENAMED[prefix + k]) for k in unknown if prefix + k in RENAMED]
    if renamed:
        raise ConfigError(f"{source}: '{renamed[0][0]}' was renamed '{renamed[0][1]}' (it applies "
                          "to face and person crops alike); rename it in the config")
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


def public_view(cfg: Dict[str, Any]) -> Dict[str, Any]:
    """The config without private keys, for saving beside checkpoints and metrics."""
    return {k: v for k, v in cfg.items() if not k.startswith("_")}
