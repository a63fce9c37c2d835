"""The fetched full-body person sets read as masks and boxes (tools/make_person_sets.py writes
them as image_mask folders; bench/person_detectors.py scores on their people one by one).

- Clothing Co-Parsing: `annotations/pixel-level/NNNN.mat` (scipy's loadmat, key `groundtruth`,
  59 clothing classes, 0 = background): the labelled person is every non-zero pixel.
- COCO people in YOLO segmentation format: a line per object, `class x0 y0 x1 y1 ...` with
  coordinates normalised to the image; class 0 is a person.
"""
from pathlib import Path
from typing import List, Optional

import cv2
import numpy as np

from facevid.data.readers import MATTE_SURE
from facevid.errors import DataError
from facevid.io.files import read_label

IGNORE = 255
COCO_PERSON = 0


def ccp_mask(mat: Path, teacher_matte: Optional[Path]) -> np.ndarray:
    """A CCP pixel-label file -> H x W uint8: 1 on the labelled person, 0 elsewhere, and 255
    where the teacher's matte (when given) is not sure of background outside that person."""
    from scipy.io import loadmat           # scipy: a dependency of PaddleSeg, loaded on demand
    from scipy.io.matlab import MatReadError
    try:
        labels = loadmat(str(mat))["groundtruth"]
    except (OSError, ValueError, KeyError, MatReadError) as err:
        raise DataError(f"{mat}: not a CCP pixel-label file ({err})") from None
    mask = (labels > 0).astype(np.uint8)
    if teacher_matte is not None:
        alpha = read_label(teacher_matte)
        if alpha.shape != mask.shape:
            raise DataError(f"{teacher_matte}: {alpha.shape} against the labels' {mask.shape}")
        mask[(mask == 0) & (alpha > MATTE_SURE[0])] = IGNORE
    return mask


def coco_person_polygons(label_file: Path, height: int, width: int) -> List[np.ndarray]:
    """The person polygons (each K x 2 int32, pixels) of a YOLO segmentation label file."""
    polygons = []
    for line in Path(label_file).read_text().splitlines():
        values = line.split()
        if len(values) < 7 or len(values) % 2 == 0 or int(values[0]) != COCO_PERSON:
            continue
        points = np.array(values[1:], np.float32).reshape(-1, 2) * [width, height]
        polygons.append(np.round(points).astype(np.int32))
    return polygons


def coco_person_mask(label_file: Path, height: int, width: int) -> Optional[np.ndarray]:
    """The filled person polygons of a YOLO segmentation label file (H x W uint8, 1 = person),
    None when it has none."""
    polygons = coco_person_polygons(label_file, height, width)
    if not polygons:
        return None
    mask = np.zeros((height, width), np.uint8)
    for polygon in polygons:      # one at a time: fillPoly of several leaves their overlaps empty
        cv2.fillPoly(mask, [polygon], 1)
    return mask


def polygon_boxes(polygons: List[np.ndarray]) -> np.ndarray:
    """One xyxy box per polygon (N x 4 float32, pixel edges)."""
    return np.array([[p[:, 0].min(), p[:, 1].min(), p[:, 0].max() + 1, p[:, 1].max() + 1]
                     for p in polygons], np.float32).reshape(-1, 4)
