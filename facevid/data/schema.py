"""Class schemas are data: one YAML per label set with names, colours, mirror pairs and the
classes that make up "the face" when boxes are derived from masks."""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import yaml

from facevid.errors import ConfigError
from facevid.io.package_files import project_root

SCHEMA_DIR = project_root() / "configs" / "schemas"
_KEYS = {"name", "provisional", "classes", "mirror_pairs", "face_classes"}


@dataclass(frozen=True)
class ClassSchema:
    name: str
    class_names: Tuple[str, ...]
    colors: Tuple[Tuple[int, int, int], ...]
    mirror_pairs: Tuple[Tuple[int, int], ...]
    face_class_ids: Tuple[int, ...]
    provisional: bool = False

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def index(self, name: str) -> int:
        return self.class_names.index(name)

    def mirror_lut(self) -> np.ndarray:
        """uint8 lookup table of 256 entries mapping each class id to its mirror partner.

        Ids without a partner (including an ignore index such as 255) map to themselves.
        """
        lut = np.arange(256, dtype=np.uint8)
        for a, b in self.mirror_pairs:
            lut[a], lut[b] = b, a
        return lut

    def coarse_lut(self) -> np.ndarray:
        """uint8 lookup table to the coarse classes every face data set has: 0 background
        (anything else), 1 the face (the schema's face classes), 2 hair; 255 stays ignored."""
        lut = np.zeros(256, np.uint8)
        lut[list(self.face_class_ids)] = 1
        if "hair" in self.class_names:
            lut[self.index("hair")] = 2
        lut[255] = 255
        return lut

    def palette(self) -> np.ndarray:
        """uint8 RGB colours, 256 x 3 (unknown ids are white), for overlays and colour PNGs."""
        pal = np.full((256, 3), 255, dtype=np.uint8)
        pal[: self.num_classes] = np.array(self.colors, dtype=np.uint8)
        return pal


def resolve_schema_path(ref: str, relative_to: Path = SCHEMA_DIR) -> Path:
    """A bare name (`lapa`) means a built-in schema; anything else is a path to a YAML file."""
    if "/" not in ref and not ref.endswith((".yml", ".yaml")):
        path = SCHEMA_DIR / f"{ref}.yml"
        if not path.is_file():
            known = sorted(p.stem for p in SCHEMA_DIR.glob("*.yml"))
            raise ConfigError(f"unknown class schema '{ref}'; built-in schemas: {known}")
        return path
    path = Path(ref)
    return path if path.is_absolute() else (Path(relative_to) / path)


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML file; a missing or malformed file is a ConfigError naming it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} file not found: {path}")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def load_schema(ref: str, relative_to: Path = SCHEMA_DIR) -> ClassSchema:
    path = resolve_schema_path(ref, relative_to)
    return parse_schema(read_yaml(path, "class schema"), source=str(path))


def parse_schema(raw: Dict, source: str) -> ClassSchema:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: a schema must be a mapping with 'name' and 'classes'")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown schema keys {sorted(unknown)}; known: {sorted(_KEYS)}")
    classes: List[Dict] = raw.get("classes") or []
    if len(classes) < 2:
        raise ConfigError(f"{source}: a schema needs at least two classes (background first)")
    names, colors = [], []
    for i, entry in enumerate(classes):
        if not isinstance(entry, dict) or "name" not in entry or "color" not in entry:
            raise ConfigError(f"{source}: class {i} must be {{name: ..., color: [r, g, b]}}")
        color = entry["color"]
        if len(color) != 3 or not all(isinstance(c, int) and 0 <= c <= 255 for c in color):
            raise ConfigError(f"{source}: class '{entry['name']}' colour must be three ints 0-255")
        names.append(str(entry["name"]))
        colors.append(tuple(color))
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: class names repeat: {names}")
    if len(names) > 255:
        raise ConfigError(f"{source}: at most 255 classes fit a uint8 label map with ignore 255")

    def ids(seq, what):
        out = []
        for name in seq:
            if name not in names:
                raise ConfigError(f"{source}: {what} names '{name}', which is not a class")
            out.append(names.index(name))
        return out

    pairs, seen = [], set()
    for pair in raw.get("mirror_pairs") or []:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ConfigError(f"{source}: mirror pair {pair} must name two different classes")
        a, b = ids(pair, "mirror_pairs")
        if a in seen or b in seen:
            raise ConfigError(f"{source}: class in mirror pair {pair} already has a partner")
        seen.update((a, b))
        pairs.append((a, b))
    return ClassSchema(
        name=str(raw.get("name", Path(source).stem)),
        class_names=tuple(names),
        colors=tuple(colors),
        mirror_pairs=tuple(pairs),
        face_class_ids=tuple(ids(raw.get("face_classes") or [], "face_classes")),
        provisional=bool(raw.get("provisional", False)),
    )
