"""Extra training sets labelled with another, coarser schema (data.extra_sets).

Each class of an extra set's schema names the classes of the main schema it stands for. A
class standing for one main class is relabelled to it (LFW hair -> hair); a class standing for
several becomes a partial label, "one of these" (LFW skin -> skin, nose, eyes, brows, ears,
mouth, lips), trained by stage2_seg's PartialCrossEntropyLoss as the probability of their
union: ids PARTIAL_BASE + k stand for set k.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from facevid.errors import ConfigError
from facevid.data.readers import Reader, open_reader
from facevid.data.schema import load_schema
from facevid.data.splits import read_split_file, select_frames

PARTIAL_BASE = 200     # ids 200.. are partial-label sets; 255 stays the ignore index


@dataclass
class ExtraSet:
    reader: Reader
    lut: np.ndarray          # 256 uint8: extra-set id -> main id or PARTIAL_BASE + k
    share: float             # fraction of training samples drawn from this set
    face_ids: List[int]      # ids (after the lut) that make up "the face" for crops


def partial_sets(cfg: Dict[str, Any]) -> List[List[int]]:
    """The main-schema class ids of every partial label, in id order (PARTIAL_BASE + k)."""
    schema, sets = cfg["_schema"], []
    for entry in cfg["data"]["extra_sets"]:
        extra = load_schema(entry["schema"])
        for name in extra.class_names:
            members = entry["classes"][name]
            if len(members) > 1:
                sets.append([schema.index(m) for m in members])
    return sets


def open_extra_sets(cfg: Dict[str, Any]) -> List[ExtraSet]:
    schema, data = cfg["_schema"], cfg["data"]
    face = set(schema.face_class_ids)
    out, k = [], 0
    for entry in data["extra_sets"]:
        extra = load_schema(entry["schema"])
        lut = np.arange(256, dtype=np.uint8)
        face_ids = []
        for i, name in enumerate(extra.class_names):
            members = [schema.index(m) for m in entry["classes"][name]]
            lut[i] = members[0] if len(members) == 1 else PARTIAL_BASE + k
            k += len(members) > 1
            if face & set(members):
                face_ids.append(int(lut[i]))
        reader = open_reader(entry["format"], Path(entry["root"]), extra, entry["image_dir"],
                             entry["label_dir"], entry["mask_values"], data["ignore_index"])
        if entry["split_file"]:
            select_frames(reader, read_split_file(Path(entry["split_file"]))["train"],
                          Path(entry["split_file"]))
        out.append(ExtraSet(reader, lut, float(entry["share"]), face_ids))
    return out


def normalize_extra_sets(cfg: Dict[str, Any], config_dir: Path) -> None:
    """Fill each entry's defaults and resolve its split file against the config's folder."""
    entries = cfg["data"]["extra_sets"]
    if not isinstance(entries, list):
        raise ConfigError("data.extra_sets must be a list")
    for entry in entries:
        if isinstance(entry, dict):
            for key, value in EXTRA_SET_DEFAULTS.items():
                entry.setdefault(key, value)
            if entry["split_file"] and not Path(entry["split_file"]).is_absolute():
                entry["split_file"] = str(config_dir / entry["split_file"])


EXTRA_SET_KEYS = {"root", "format", "image_dir", "label_dir", "mask_values", "split_file",
                  "schema", "classes", "share"}
EXTRA_SET_DEFAULTS = {"format": "image_mask", "image_dir": "images", "label_dir": "labels",
                      "mask_values": "ids", "split_file": None}


def check_extra_sets(cfg: Dict[str, Any]) -> None:
    """Every extra set names a schema, maps each of its classes to main classes, and takes a
    share of the samples; the shares leave room for the main set."""
    schema, entries = cfg["_schema"], cfg["data"]["extra_sets"]
    total = 0.0
    for i, entry in enumerate(entries):
        where = f"data.extra_sets[{i}]"
        if not isinstance(entry, dict) or not {"root", "schema", "classes", "share"} <= set(entry) \
                or not set(entry) <= EXTRA_SET_KEYS:
            raise ConfigError(f"{where} must have root, schema, classes, share (and optionally "
                              f"{sorted(EXTRA_SET_KEYS - {'root', 'schema', 'classes', 'share'})})")
        extra = load_schema(entry["schema"])
        classes = entry["classes"]
        if not isinstance(classes, dict) or set(classes) != set(extra.class_names):
            raise ConfigError(f"{where}.classes must map each class of '{extra.name}' "
                              f"{list(extra.class_names)} to a list of '{schema.name}' classes")
        for name, members in classes.items():
            unknown = [m for m in members if m not in schema.class_names] if isinstance(members, list) else [members]
            if not members or unknown:
                raise ConfigError(f"{where}.classes.{name}: {unknown or 'empty'} are not classes "
                                  f"of '{schema.name}'")
        if not isinstance(entry["share"], (int, float)) or not 0 < entry["share"] < 1:
            raise ConfigError(f"{where}.share must be between 0 and 1")
        total += entry["share"]
    if total >= 1:
        raise ConfigError("data.extra_sets shares add up to 1 or more; leave room for the main set")
    if PARTIAL_BASE + len(partial_sets(cfg)) > cfg["data"]["ignore_index"] or \
            schema.num_classes > PARTIAL_BASE:
        raise ConfigError(f"partial labels take ids {PARTIAL_BASE}.. below the ignore index; "
                          "too many classes or sets")
