"""Extra training sets labelled with another, coarser schema (data.extra_sets).

Each class of an extra set's schema names the classes of the main schema it stands for. A
class standing for one main class is relabelled to it (LFW hair -> hair); a class standing for
several becomes a partial label, "one of these" (LFW skin -> skin, nose, eyes, brows, ears,
mouth, lips), trained by stage2_seg's PartialCrossEntropyLoss as the probability of their
union: ids PARTIAL_BASE + k stand for set k.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence

import numpy as np

from facevid.errors import ConfigError
from facevid.data.mattes import TeacherMattes, read_mattes_folder
from facevid.data.readers import Reader, open_reader
from facevid.data.schema import ClassSchema, load_schema
from facevid.data.splits import read_split_file, select_frames

PARTIAL_BASE = 200     # ids 200.. are partial-label sets; 255 stays the ignore index


@dataclass
class ExtraSet:
    reader: Reader
    lut: np.ndarray          # 256 uint8: extra-set id -> main id or PARTIAL_BASE + k
    share: float             # fraction of training samples drawn from this set
    face_ids: List[int]      # ids (after the lut) that make up "the face" for crops
    is_matte: bool = False   # labelled by a teacher's matte (its label file is the matte)
    mattes: Optional[TeacherMattes] = None   # a teacher's mattes beside real labels


def partial_sets(schema: ClassSchema, entries: Sequence[Any]) -> List[List[int]]:
    """The main-schema class ids of every partial label, in id order (PARTIAL_BASE + k)."""
    sets = []
    for entry in entries:
        extra = load_schema(entry.schema)
        for name in extra.class_names:
            members = entry.classes[name]
            if len(members) > 1:
                sets.append([schema.index(m) for m in members])
    return sets


def open_extra_sets(schema: ClassSchema, entries: Sequence[Any], ignore_index: int) -> List[ExtraSet]:
    """The readers of `entries` (data.extra_sets, facevid.config.sections.ExtraSetEntry), their
    label look-up tables into `schema`, train side of each split file."""
    face = set(schema.face_class_ids)
    out, k = [], 0
    for entry in entries:
        extra = load_schema(entry.schema)
        lut = np.arange(256, dtype=np.uint8)
        face_ids = []
        for i, name in enumerate(extra.class_names):
            members = [schema.index(m) for m in entry.classes[name]]
            lut[i] = members[0] if len(members) == 1 else PARTIAL_BASE + k
            k += len(members) > 1
            if face & set(members):
                face_ids.append(int(lut[i]))
        reader = open_reader(entry.format, Path(entry.root), extra, entry.image_dir,
                             entry.label_dir, entry.mask_values, ignore_index)
        if entry.split_file:
            select_frames(reader, read_split_file(Path(entry.split_file))["train"],
                          Path(entry.split_file))
        out.append(ExtraSet(reader, lut, float(entry.share), face_ids,
                            is_matte=entry.mask_values == "matte",
                            mattes=read_mattes_folder(entry.teacher_mattes)))
    return out


def normalize_extra_sets(entries: Sequence[Any], config_dir: Path) -> None:
    """Resolve each entry's split file against the config's folder."""
    for entry in entries:
        if entry.split_file and not Path(entry.split_file).is_absolute():
            entry.split_file = str(config_dir / entry.split_file)


def check_extra_sets(schema: ClassSchema, entries: Sequence[Any], ignore_index: int) -> None:
    """Each extra set maps each of its classes to main classes, and the shares leave room for
    the main set."""
    total = 0.0
    for i, entry in enumerate(entries):
        where = f"data.extra_sets[{i}]"
        extra = load_schema(entry.schema)
        classes = entry.classes
        if set(classes) != set(extra.class_names):
            raise ConfigError(f"{where}.classes must map each class of '{extra.name}' "
                              f"{list(extra.class_names)} to a list of '{schema.name}' classes")
        for name, members in classes.items():
            unknown = [m for m in members if m not in schema.class_names]
            if not members or unknown:
                raise ConfigError(f"{where}.classes.{name}: {unknown or 'empty'} are not classes "
                                  f"of '{schema.name}'")
        total += entry.share
    if total >= 1:
        raise ConfigError("data.extra_sets shares add up to 1 or more; leave room for the main set")
    if PARTIAL_BASE + len(partial_sets(schema, entries)) > ignore_index or \
            schema.num_classes > PARTIAL_BASE:
        raise ConfigError(f"partial labels take ids {PARTIAL_BASE}.. below the ignore index; "
                          "too many classes or sets")
