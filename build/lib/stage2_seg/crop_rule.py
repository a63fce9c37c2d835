"""The parser's crop contract: what its crops are cut around, with which margin, and how a
frame where nothing was detected is handled. Owned by stage 2 (the model was trained with this
rule); the detector hands over `Detections` only."""
from dataclasses import dataclass
from typing import List, Tuple

from facevid.config.sections import SegConfig
from facevid.boxes.detections import Detections, crop_boxes
from facevid.boxes.mask_boxes import FACE, PERSON

Box = Tuple[int, int, int, int]
# What each training crop mode crops around at inference: the detector category, or the frame.
CROP_CLASS = {"face": FACE, "person": PERSON, "frame": None}


@dataclass(frozen=True)
class CropRule:
    """How a parser's crops are cut: around detections of `mode` (face, person) grown by
    `margin` of their size on each side (square or not), or the whole frame (mode frame)."""
    mode: str
    margin: float
    square: bool = True

    @classmethod
    def from_config(cls, cfg: SegConfig) -> "CropRule":
        return cls(cfg.data.crop, float(cfg.data.crop_margin), True)

    def boxes(self, dets: Detections, frame_size: Tuple[int, int],
              whole_frame_fallback: bool = True) -> List[Box]:
        """Crop boxes for a frame (W, H). Nothing detected: the whole frame as one crop with
        `whole_frame_fallback` (footage already cropped to a face, or a close-up the detector
        missed), else no crop at all (the frame is background)."""
        if self.mode == "frame":
            return [(0, 0, frame_size[0], frame_size[1])]
        return crop_boxes(dets, frame_size, self.margin, self.square, CROP_CLASS[self.mode],
                          fallback_whole_frame=whole_frame_fallback)
