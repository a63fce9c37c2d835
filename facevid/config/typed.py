"""Merged YAML mappings -> the section dataclasses of facevid.config.sections, and back.

`build` fills each missing key with its field's default, refuses unknown, renamed and missing
required keys, checks each value's type against the field's annotation (an int is a valid
number) and its range or choices against the field's metadata. `to_dict` is the config as a
file would hold it (derived fields left out), for saving beside checkpoints and exports.
"""
import copy
import dataclasses
import typing
from typing import Any, Dict, Union

from facevid.config.sections import RENAMED
from facevid.errors import ConfigError

REQUIRED = object()      # a field without a default, in spec_tree


def _fields(cls) -> list:
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("derived")]


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return copy.deepcopy(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return REQUIRED


def spec_tree(cls) -> Dict[str, Any]:
    """The keys of a config kind as nested mappings of their defaults (REQUIRED where there is
    none): what `--opts` overrides are checked against."""
    hints = typing.get_type_hints(cls)
    tree = {}
    for f in _fields(cls):
        tree[f.name] = spec_tree(hints[f.name]) if dataclasses.is_dataclass(hints[f.name]) \
            else _default(f)
    return tree


def free_keys(cls, prefix: str = "") -> frozenset:
    """Dotted keys whose values are mappings or lists of them (constructor arguments, free
    names): `--opts` may set anything under them; their users check them."""
    hints, out = typing.get_type_hints(cls), set()
    for f in _fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            out |= free_keys(kind, prefix + f.name + ".")
        elif _holds_mappings(kind) or _list_of_sections(kind) or _dict_of_sections(kind):
            out.add(prefix + f.name)
    return frozenset(out)


def _section_or_kind(kind: Any, value: Any) -> Any:
    """Optional[Section] given a value: the section's class (None is then checked as text)."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) is Union and value is not None:
        sections = [a for a in args if dataclasses.is_dataclass(a)]
        if sections:
            return sections[0]
    return kind


def _list_of_sections(kind: Any) -> bool:
    return typing.get_origin(kind) is list and dataclasses.is_dataclass(typing.get_args(kind)[0])


def _dict_of_sections(kind: Any) -> bool:
    return typing.get_origin(kind) is dict and dataclasses.is_dataclass(typing.get_args(kind)[1])


def _holds_mappings(kind: Any) -> bool:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is Union:
        return any(_holds_mappings(a) for a in args)
    return origin is dict or (origin is list and typing.get_origin(args[0]) is dict)


def _known(cls) -> str:
    return f"; known keys here: {sorted(f.name for f in _fields(cls))}"


def build(cls, raw: Dict[str, Any], source: str, prefix: str = "") -> Any:
    """An instance of dataclass `cls` from the mapping `raw`, every value checked."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: '{prefix.rstrip('.')}' must be a mapping")
    names = {f.name for f in _fields(cls)}
    unknown = [k for k in raw if k not in names]
    renamed = [(prefix + k, RENAMED[prefix + k]) for k in unknown if prefix + k in RENAMED]
    if renamed:
        raise ConfigError(f"{source}: '{renamed[0][0]}' was renamed '{renamed[0][1]}' (it applies "
                          "to face and person crops alike); rename it in the config")
    if unknown:
        where = prefix.rstrip(".") or "top level"
        raise ConfigError(f"{source}: unknown key(s) {[prefix + k for k in unknown]} at {where}"
                          f"{_known(cls)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in _fields(cls):
        dotted, kind = prefix + f.name, _section_or_kind(hints[f.name], raw.get(f.name))
        if f.name not in raw:
            default = _default(f)
            if default is REQUIRED:
                raise ConfigError(f"{source}: required key '{dotted}' is missing")
            values[f.name] = default
        elif dataclasses.is_dataclass(kind):
            values[f.name] = build(kind, raw[f.name], source, dotted + ".")
        elif _list_of_sections(kind):
            items = raw[f.name]
            if not isinstance(items, list):
                raise ConfigError(f"{source}: '{dotted}' must be a list")
            item_kind = typing.get_args(kind)[0]
            values[f.name] = [build(item_kind, item, source, f"{dotted}[{i}].")
                              for i, item in enumerate(items)]
        elif _dict_of_sections(kind):
            items = raw[f.name]
            if not isinstance(items, dict) or not items:
                raise ConfigError(f"{source}: '{dotted}' must be a non-empty mapping of names to "
                                  f"{{{', '.join(x.name for x in _fields(typing.get_args(kind)[1]))}}}")
            item_kind = typing.get_args(kind)[1]
            values[f.name] = {name: build(item_kind, item, source, f"{dotted}.{name}.")
                              for name, item in items.items()}
        else:
            values[f.name] = _checked(raw[f.name], kind, f.metadata, dotted, source)
    return cls(**values)


def _checked(value: Any, kind: Any, meta: Dict[str, Any], dotted: str, source: str) -> Any:
    if meta.get("pair"):
        return _pair(value, dotted, source)
    if not _is_instance(value, kind):
        raise ConfigError(f"{source}: '{dotted}' must be {_type_name(kind)}, got {value!r}")
    if value is None:
        return None
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"{source}: '{dotted}' must be one of {list(meta['choices'])}, "
                          f"got {value!r}")
    low, high = meta.get("low"), meta.get("high")
    if low is not None or high is not None:
        low_ok = low is None or (low < value if meta["low_open"] else low <= value)
        if not (low_ok and (high is None or value <= high)):
            bracket = "(" if meta["low_open"] else "["
            raise ConfigError(f"{source}: '{dotted}' must be in {bracket}{low}, {high}], "
                              f"got {value!r}")
    return float(value) if kind is float else value


def _is_instance(value: Any, kind: Any) -> bool:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is Union:                     # Optional[X]
        return any(_is_instance(value, a) for a in args)
    if kind is type(None):
        return value is None
    if kind is Any:
        return True
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin is list:
        return isinstance(value, list) and all(_is_instance(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    return isinstance(value, kind)


def _type_name(kind: Any) -> str:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is Union:
        return " or ".join(_type_name(a) for a in args)
    if origin is list:
        return f"a list of {_type_name(args[0]).split(' ', 1)[-1]}s"
    if origin is dict:
        return "a mapping"
    return {bool: "true/false", int: "an integer", float: "a number", str: "text",
            type(None): "null"}.get(kind, getattr(kind, "__name__", str(kind)))


def _pair(value: Any, dotted: str, source: str) -> list:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
        raise ConfigError(f"{source}: '{dotted}' must be a positive int or [width, height], "
                          f"got {value!r}")
    return list(value)


def to_dict(cfg: Any) -> Dict[str, Any]:
    """The config as its file would hold it, defaults filled, derived fields left out."""
    return {f.name: _plain(getattr(cfg, f.name)) for f in _fields(type(cfg))}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return to_dict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return copy.deepcopy(value)

