"""What a config's `data` section means: the reader of a split and the classes of "the face".

A split file (`data.split_file`, YAML `{train: [names], val: [names]}`) fixes which images of
a folder are trained on and which are held out, by image name (file stem, or `clip/stem` for
layouts with clip folders). When both roots are the same folder, it is what keeps them apart.
"""
import hashlib
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

from facevid.config.sections import ModelConfig
from facevid.errors import ConfigError, DataError
from facevid.data.readers import FrameRef, Reader, open_reader
from facevid.data.schema import ClassSchema, read_yaml


def frame_name(ref: FrameRef) -> str:
    """The name a split file uses for a frame: `stem`, or `clip/stem` inside a clip folder."""
    return ref.image.stem if ref.clip in ("", ref.image.stem) else f"{ref.clip}/{ref.image.stem}"


def read_split_file(path: Path) -> Dict[str, List[str]]:
    raw = read_yaml(path, "split")
    if not isinstance(raw, dict) or set(raw) != {"train", "val"} or not all(
            isinstance(v, list) for v in raw.values()):
        raise ConfigError(f"{path}: a split file must be a mapping with the lists 'train' and 'val'")
    overlap = set(map(str, raw["train"])) & set(map(str, raw["val"]))
    if overlap:
        raise ConfigError(f"{path}: {len(overlap)} names are in both train and val, "
                          f"e.g. {sorted(overlap)[:3]}")
    return {k: [str(n) for n in v] for k, v in raw.items()}


def select_frames(reader: Reader, names: Iterable[str], source: Path) -> Reader:
    """Keep the frames whose names are listed (in the reader's order); a listed name that the
    folder does not hold is an error, so a split never silently shrinks."""
    wanted = set(names)
    kept = [ref for ref in reader.frames if frame_name(ref) in wanted]
    missing = wanted - {frame_name(ref) for ref in kept}
    if missing:
        raise DataError(f"{source}: lists {len(missing)} images that are not in the data folder, "
                        f"e.g. {sorted(missing)[:3]}; is data.*_root the folder it was made for?")
    reader.frames = kept
    return reader


def open_split(cfg: ModelConfig, split: str, root: Optional[Path] = None) -> Reader:
    data = cfg.data
    own_layout = split == "val" and data.val_layout
    layout = own_layout or data
    reader = open_reader("image_mask" if own_layout else data.format,
                         Path(root or (data.val_root if split == "val" else data.train_root)), cfg.class_schema,
                         layout.image_dir, layout.label_dir, layout.mask_values,
                         data.ignore_index)
    if data.split_file and root is None and not own_layout:
        path = Path(data.split_file)
        select_frames(reader, read_split_file(path)[split], path)
        if not len(reader):
            raise ConfigError(f"data.split_file {path}: its '{split}' list is empty; a run needs "
                              f"{split} images (tools/make_split.py writes both lists)")
    if not len(reader):
        raise DataError(f"data.{split}_root {root or data[f'{split}_root']}: holds no {split} images")
    return reader


def hash_split(names: List[str], val_fraction: float, salt: str,
               group: Callable[[str], str] = lambda name: name) -> Dict[str, List[str]]:
    """A split that does not depend on the order or number of names: a name is held out when
    the hash of its group (e.g. the person, so one identity never lands on both sides) falls in
    the first `val_fraction` of the hash range."""
    def held_out(name: str) -> bool:
        digest = hashlib.sha1(f"{salt}:{group(name)}".encode()).hexdigest()
        return int(digest[:8], 16) < val_fraction * 16 ** 8
    names = sorted(names)
    return {"train": [n for n in names if not held_out(n)], "val": [n for n in names if held_out(n)]}


def box_class_ids(schema: ClassSchema, include_hair: bool) -> List[int]:
    """The classes whose union is "a face" when boxes are derived from masks: the schema's
    face_classes, plus hair when asked. A schema without face classes (portrait) has no face
    boxes: asking for hair-inclusive face boxes there is an error, not a silent empty list."""
    ids = list(schema.face_class_ids)
    if include_hair:
        if "hair" not in schema.class_names:
            raise ConfigError(f"hair was asked to count as face, but schema '{schema.name}' has no "
                              "hair class; drop --include-hair / data.include_hair")
        ids.append(schema.index("hair"))
    return ids


def face_ids(cfg: ModelConfig) -> List[int]:
    return box_class_ids(cfg.class_schema, cfg.data.include_hair)
