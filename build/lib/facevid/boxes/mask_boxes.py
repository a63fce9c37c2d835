"""Detector training data from segmentation masks: a face box per connected face region (the
union of the schema's face classes, optionally with hair) and a person box per connected person
region (every non-background class), as COCO-style dicts. Frames without faces stay in (as
negatives): a high-recall detector must also learn where there is nothing."""
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from facevid.boxes.crops import region_boxes
from facevid.data.readers import Reader

FACE, PERSON = 1, 2          # COCO category ids
CATEGORIES = [{"id": FACE, "name": "face"}, {"id": PERSON, "name": "person"}]


def detector_categories(face_boxes: bool, person_boxes: bool) -> List[int]:
    """The COCO category ids a detector is trained on, in the order of its class indices
    (class index i of the network is category `detector_categories(...)[i]`)."""
    return [c for c, wanted in ((FACE, face_boxes), (PERSON, person_boxes)) if wanted]


def person_boxes(label: np.ndarray, ignore_index: int = 255, min_pixels: int = 16):
    """One box per connected region of non-background pixels (people who touch merge)."""
    person = np.unique(label[(label != 0) & (label != ignore_index)]).tolist()
    return region_boxes(label, person, min_pixels) if person else []


def boxes_from_label(label: np.ndarray, face_ids: Sequence[int], ignore_index: int = 255,
                     min_pixels: int = 16, with_persons: bool = True,
                     with_faces: bool = True) -> List[Dict[str, Any]]:
    """[{'bbox': [x, y, w, h], 'category_id': FACE|PERSON}] for one label map."""
    out = [{"bbox": [x0, y0, x1 - x0, y1 - y0], "category_id": FACE}
           for x0, y0, x1, y1 in (region_boxes(label, face_ids, min_pixels) if with_faces else [])]
    if with_persons:
        out += [{"bbox": [x0, y0, x1 - x0, y1 - y0], "category_id": PERSON}
                for x0, y0, x1, y1 in person_boxes(label, ignore_index, min_pixels)]
    return out


def coco_from_reader(reader: Reader, face_ids: Sequence[int], ignore_index: int = 255,
                     min_pixels: int = 16, with_persons: bool = True, relative_to=None,
                     progress: Optional[Callable[[int], None]] = None) -> Dict[str, Any]:
    """A COCO detection dict for every frame of `reader` (file names relative to `relative_to`)."""
    images, annotations = [], []
    for i, ref in enumerate(reader.frames):
        label = reader.load_label(i)
        name = str(ref.image.relative_to(relative_to)) if relative_to else str(ref.image)
        images.append({"id": i + 1, "file_name": name, "width": int(label.shape[1]),
                       "height": int(label.shape[0]), "clip": ref.clip, "frame": ref.frame})
        for box in boxes_from_label(label, face_ids, ignore_index, min_pixels, with_persons):
            x, y, w, h = box["bbox"]
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1,
                                "category_id": box["category_id"], "bbox": [x, y, w, h],
                                "area": w * h, "iscrowd": 0})
        if progress:
            progress(i + 1)
    categories = CATEGORIES if with_persons else CATEGORIES[:1]
    return {"images": images, "annotations": annotations, "categories": categories}
