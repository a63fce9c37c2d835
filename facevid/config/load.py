"""YAML configs: bases, `--opts a.b=value` overrides, defaults, and clear errors.

`stage:` says what a config describes: seg (a stage-2 model), det (a stage-1 detector),
pipeline, reproduce; facevid.config.sections declares each kind's keys and defaults as
dataclasses, and a loaded config is one of them (`cfg.train.lr`). A config may
build on others with `_base_: other.yml` or `_base_: [a.yml, b.yml]` (merged in that order,
the file itself last; bases may have bases; paths are relative to the file naming them), so
a variant states only what it changes. Keys under `model` and the loss terms are constructor
arguments of PaddleSeg components and are checked by their constructors; a stage-1 config's
PaddleDetection sections (`architecture`, `CascadeRCNN`, `ResNet`, ...) are collected under
`cfg.ppdet` and checked by stage1_detect against ppdet's registry. Everything else is checked
here: a wrong type, a value out of range or an unknown key is a ConfigError naming it
(facevid.config.typed, from the dataclasses), as is an inconsistency between keys
(facevid.config.checks); nothing is silently corrected.

Loading is: read and merge -> overrides -> build (defaults, types, ranges) -> `normalize` (the
one step that fills derived values: resolved paths, the class schema) -> `validate` (checks).
Data paths are relative to the current directory; schema and split-file paths to the config;
a pipeline's model paths to the current directory or else the project root.
"""
import copy
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import yaml

from facevid.config.checks import validate
from facevid.config.pipelines import PipelineConfig, ReproduceConfig
from facevid.config.sections import PROJECT_ROOT, RENAMED, DetConfig, SegConfig
from facevid.config.typed import build, free_keys, spec_tree
from facevid.errors import ConfigError
from facevid.data.extra_sets import normalize_extra_sets
from facevid.data.schema import load_schema, read_yaml

MAX_BASE_DEPTH = 4
KINDS = {"seg": SegConfig, "det": DetConfig, "pipeline": PipelineConfig,
         "reproduce": ReproduceConfig}


def load_config(path: Path, opts: Sequence[str] = (),
                stages: Optional[Tuple[str, ...]] = None) -> Any:
    """Load, merge with bases, apply `a.b=value` overrides, build the typed config (defaults
    filled, every value checked), normalise, check across keys.

    stages: the kinds the caller accepts (e.g. ("seg", "det") for training); another kind is a
    ConfigError saying which was expected and which was given.
    """
    path = Path(path)
    raw = _with_bases(path, depth=0, seen=())
    stage = raw.get("stage", "seg")
    if stage not in KINDS:
        raise ConfigError(f"{path}: stage '{stage}' is unknown; use one of {sorted(KINDS)}")
    if stages is not None and stage not in stages:
        raise ConfigError(f"{path} is a '{stage}' config; this needs a "
                          f"{' or '.join(repr(s) for s in stages)} config ({_KINDS_HELP})")
    return config_from_dict(raw, path, opts)


def config_from_dict(raw: Dict[str, Any], path: Path, opts: Sequence[str] = ()) -> Any:
    """The typed config of a merged mapping (a file's, or one saved beside an export) that
    says where it came from (`path`: relative paths in it are relative to its folder)."""
    raw = copy.deepcopy(raw)
    kind = KINDS[raw.get("stage", "seg")]
    spec, free = spec_tree(kind), free_keys(kind)
    if kind is DetConfig:
        # Sections that are not ours belong to PaddleDetection (checked by stage1_detect).
        ppdet = raw.pop("ppdet", {})
        ppdet.update({k: raw.pop(k) for k in list(raw) if k not in spec})
        raw["ppdet"] = ppdet
    for opt in opts:
        top = opt.split(".", 1)[0].split("=", 1)[0]
        if kind is DetConfig and top not in spec:
            _apply_opt(raw["ppdet"], opt, spec=None, free=free)
        else:
            _apply_opt(raw, opt, spec, free)
    cfg = build(kind, raw, source=str(path))
    cfg.path = str(path)
    normalize(cfg, path.parent)
    validate(cfg)
    return cfg


_KINDS_HELP = ("seg: a stage-2 model such as configs/stage2_eanet_cat_tiny.yml; det: a detector "
               "such as configs/stage1_cascade_rcnn_r18_tiny.yml; pipeline: configs/pipeline_*.yml; "
               "reproduce: configs/reproduce_*.yml")


def normalize(cfg: Any, config_dir: Path) -> None:
    """Fill the values derived from others, in one place: the class schema, the split file's
    path, the extra sets, the model's num_classes when the file leaves it out."""
    if cfg.stage == "pipeline":
        _resolve_model_paths(cfg)
    if cfg.stage not in ("seg", "det"):
        return
    cfg.class_schema = load_schema(cfg.schema, relative_to=config_dir)
    split_file = cfg.data.split_file
    if split_file is not None and not Path(split_file).is_absolute():
        cfg.data.split_file = str(config_dir / split_file)
    normalize_extra_sets(cfg.data.extra_sets if cfg.stage == "seg" else cfg.data.box_sets,
                         config_dir)
    if cfg.stage == "seg":
        cfg.model.setdefault("num_classes", cfg.class_schema.num_classes)


def _resolve_model_paths(cfg: Any) -> None:
    """A pipeline's model paths are relative to the current directory, or else to the project
    root, so the shipped pipelines work from any directory."""
    for entry in cfg.parsers + ([cfg.detector] if cfg.detector is not None else []):
        for key in ("config", "weights", "export_dir"):
            value = getattr(entry, key)
            if value is not None and not Path(value).is_absolute() and not Path(value).exists() \
                    and (PROJECT_ROOT / value).exists():
                setattr(entry, key, str(PROJECT_ROOT / value))


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


def _apply_opt(cfg: Dict, opt: str, spec: Any, free: frozenset) -> None:
    """Set `a.b=value` in cfg; keys must exist in `spec` unless they are free (spec None, or
    under one of the `free` keys: constructor arguments and free names)."""
    if "=" not in opt:
        raise ConfigError(f"--opts '{opt}': expected key.path=value")
    dotted, text = opt.split("=", 1)
    keys = dotted.split(".")
    value = parse_value(text)
    anything = spec is None
    node: Any = cfg
    for i, key in enumerate(keys):
        here = ".".join(keys[: i + 1])
        if here in RENAMED:
            raise ConfigError(f"--opts '{opt}': '{here}' was renamed '{RENAMED[here]}'")
        under_free = any(here == t or here.startswith(t + ".") for t in free)
        if not anything and not under_free and not (isinstance(spec, dict) and key in spec):
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
