"""The spec of the pipeline and reproduce configs (stage: pipeline, stage: reproduce), as
dataclasses like the models' (facevid.config.sections, which says how a field is declared)."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from facevid.config.sections import derived, spec

ALPHA_SOURCES = ("probability", "learned")
NO_DETECTION = ("background", "whole_frame")   # pipeline.no_detection


@dataclass(kw_only=True)
class GrabCutSettings:
    """GrabCut refinement of the voted labels along their outlines (postprocess.grabcut)."""
    enabled: bool = spec(True)
    band: int = spec(6, low=1, high=1000)   # pixels either side of the outline it may change
    confident: float = spec(0.9, low=0.5, high=1)   # pixels this sure of their class are kept
    iterations: int = spec(2, low=1, high=100)


@dataclass(kw_only=True)
class GuidedFilterSettings:
    """Edge-aware refinement of the probabilities before the vote (postprocess.guided_filter)."""
    enabled: bool = spec(False)
    # The window's radius as a fraction of the largest crop's side: 0.02 is about one of the
    # person model's output cells (it decides at stride 4 of its 192x192 input).
    # Bounded so the filter stays a refinement: with a window near the crop's size and eps
    # above the image's own variance the output tends to the window's mean probability, and a
    # person covering less than half the window disappears.
    radius: float = spec(0.02, low=0, high=0.1, low_open=True)
    eps: float = spec(1e-4, low=0, high=0.01, low_open=True)   # larger: smoother, fewer edges followed
    subsample: int = spec(4, low=1, high=64)    # coefficients computed at 1/subsample (faster)


@dataclass(kw_only=True)
class OverlaySection:
    alpha: float = spec(0.5, low=0, high=1)
    fps: float = spec(10.0, low=0, high=1000, low_open=True)   # image folders only


@dataclass(kw_only=True)
class ModelEntry:
    """A model a pipeline or the reproduce preset runs: its config, its weights or an export
    of them (tools/export.py), a name, and `key=value` overrides of its config. Paths are
    relative to the current directory or else the project root."""
    config: str = spec(required=True)
    weights: Optional[str] = spec(None)
    export_dir: Optional[str] = spec(None)
    name: Optional[str] = spec(None)      # default: the config's file name
    opts: List[str] = spec(factory=list)


@dataclass(kw_only=True)
class SyntheticClips:
    """Generated clips for the tiny reproduce preset (facevid.synthetic.clips)."""
    train_clips: int = spec(required=True, low=1, high=1e6)
    val_clips: int = spec(required=True, low=1, high=1e6)
    frames: int = spec(required=True, low=1, high=1e6)
    train_seed: int = spec(required=True)
    val_seed: int = spec(required=True)


@dataclass(kw_only=True)
class PipelineConfig:
    stage: str = spec("pipeline")
    # A stage-1 config and weights, or null: every frame is then one crop (portrait video,
    # footage that is already cropped to a face). A whole-frame stage-2 config here is a
    # person detector: a box around each region of its mask (pipeline/mask_detector.py).
    detector: Optional[ModelEntry] = spec(None)
    # One or more stage-2 models; several are ensembled. An export_dir is run through Paddle
    # Inference.
    parsers: List[ModelEntry] = spec(required=True)
    # hard: per-pixel vote (ties: most confident); soft: mean probabilities
    ensemble: str = spec("hard", choices=("hard", "soft"))
    # bilinear: soft logits resized, then argmax; nearest: the reverse
    resize: str = spec("bilinear", choices=("bilinear", "nearest"))
    grabcut: GrabCutSettings = spec(factory=GrabCutSettings)
    guided_filter: GuidedFilterSettings = spec(factory=GuidedFilterSettings)
    overlay: OverlaySection = spec(factory=OverlaySection)
    threads: int = spec(2, low=1, high=1024)    # CPU threads of Paddle Inference
    # dygraph: run the weights as they are; inference: export each model once into a cache
    # folder and run it through Paddle Inference with oneDNN (pipeline/engine.py; faster).
    engine: str = spec("dygraph", choices=("dygraph", "inference"))
    smoothing: float = spec(0.0, low=0, high=0.95)   # video: share of the previous frame (EMA)
    # A frame where the detector finds nothing: "background" (all of it; a scene without a
    # face is not a face) or "whole_frame" (parse it as one crop: close-up photos whose face
    # the detector missed). Without a detector every frame is one crop.
    no_detection: str = spec("background", choices=NO_DETECTION)
    # Video: run the detector on every k-th frame only, its boxes carried by optical flow in
    # between (facevid.boxes.tracking); null: the detector config's infer.detect_every (a
    # whole-frame model as the detector has none: every frame).
    detect_every: Optional[int] = spec(None, low=1, high=1e6)
    # What gives the boxes on the frames in between: "flow" (the last detections moved by
    # optical flow) or "previous_mask" (the regions of the previous frame's mask, which costs
    # nothing; the detector runs anyway when that mask is empty).
    between_detections: str = spec("flow", choices=("flow", "previous_mask"))
    # Video: grow each detection to enclose the regions of the previous frame's mask that it
    # overlaps (facevid.boxes.detections.grow_to_regions). The portrait default: its whole-frame
    # finder at 256x144 loses thin legs that the person model then never sees.
    grow_to_previous_mask: bool = spec(False)
    # Video, parsers that read the previous mask: a fresh detection that covers more than the
    # previous mask's regions it overlaps clears that mask inside its box, so a mask that shrank
    # to a part of a person comes back whole (facevid.boxes.detections.forget_partial_mask).
    # Off in the shipped pipelines: measured, it changed DAVIS J&F by 0.000 and cost a rider on
    # a horse 0.08 (the finder boxes horse and rider; the README's portrait section).
    forget_partial_mask: bool = spec(False)
    # The alpha of the alpha PNGs and the composite: "probability" (a ramp of the person
    # probability, postprocess/composite.py) or "learned" (the parser's AlphaHead, trained on a
    # teacher's mattes; a parser without one falls back to the probability).
    alpha: str = spec("probability", choices=ALPHA_SOURCES)
    path: str = derived()

    def model_files(self) -> List[str]:
        """Every config, weights file and export folder the pipeline reads (what an output
        folder must never replace)."""
        entries = self.parsers + ([self.detector] if self.detector is not None else [])
        return [value for entry in entries for value in (entry.config, entry.weights, entry.export_dir)
                if value is not None]


@dataclass(kw_only=True)
class ReproduceConfig:
    stage: str = spec("reproduce")
    out: str = spec(required=True)     # every step's output and the final table go here
    # Generated clips for the tiny preset, or null to use data that is already there
    # (train_root / val_root).
    synthetic: Optional[SyntheticClips] = spec(None)
    train_root: str = spec(required=True)
    val_root: str = spec(required=True)
    # The stage-1 model (config, opts); naming trained weights skips its training.
    detector: ModelEntry = spec(required=True)
    # The stage-2 models by row name ({OCRNet: {config, opts}, EANet-Add: ...}).
    models: Dict[str, ModelEntry] = spec(required=True)
    main_model: str = spec("EANet-Cat")   # the model of the resize and input-size rows
    train_size_eval: List[int] = spec(required=True)   # [w, h]: the "infer at the training size" row
    grabcut: GrabCutSettings = spec(factory=GrabCutSettings)
    published: Dict[str, Any] = spec(factory=dict)   # the entry's published scores
    path: str = derived()
