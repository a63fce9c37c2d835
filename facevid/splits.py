"""What a config's `data` section means: the reader of a split and the classes of "the face"."""
from pathlib import Path
from typing import Any, Dict, List, Optional

from facevid.readers import Reader, open_reader
from facevid.schema import ClassSchema


def open_split(cfg: Dict[str, Any], split: str, root: Optional[Path] = None) -> Reader:
    data = cfg["data"]
    return open_reader(data["format"], Path(root or data[f"{split}_root"]), cfg["_schema"],
                       data["image_dir"], data["label_dir"], data["mask_values"])


def face_ids(cfg: Dict[str, Any]) -> List[int]:
    schema: ClassSchema = cfg["_schema"]
    ids = list(schema.face_class_ids)
    if cfg["data"]["include_hair"] and "hair" in schema.class_names:
        ids.append(schema.index("hair"))
    return ids
