"""The spec of every kind of config, as dataclasses: one field per key, its default declared
once (a field without a default is required), its type the annotation and its range or choices
in the field's metadata (`spec(...)`). facevid.config.typed builds them from the merged YAML and
checks each value against them; cross-key rules live in facevid.config.checks.

This module holds the two models' kinds (stage: seg, stage 2; stage: det, stage 1);
facevid.config.pipelines the pipeline and reproduce kinds. Fields typed
`Dict[str, Any]` or `List[Dict[str, Any]]` hold constructor arguments (model, loss terms) or
free names and are checked where they are used. Fields marked `derived` are filled when the
config is loaded (the class schema, the file's path) and never written back to a file.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from facevid.data.readers import MASK_VALUES, READER_FORMATS
from facevid.data.schema import ClassSchema
from facevid.io.package_files import project_root

# Paths in pipeline and reproduce configs may be relative to the project root (the checkout, or
# where a wheel put configs/ and weights/).
PROJECT_ROOT = project_root()
AMP_LEVELS = ("O1", "O2")


def spec(default: Any = None, *, required: bool = False, choices: tuple = (),
         low: Optional[float] = None, high: Optional[float] = None, low_open: bool = False,
         pair: bool = False, factory: Any = None) -> Any:
    """A config field: its default (a copy per config for lists and dicts: `factory`), or
    `required`; `choices` of a text value; a number's range [low, high] ((low, high] with
    `low_open`); `pair`: an int or [w, h], stored as [w, h]."""
    meta = {"choices": choices, "low": low, "high": high, "low_open": low_open, "pair": pair}
    if required:
        return field(metadata=meta)
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def derived() -> Any:
    """A value filled at load time (not a key of the file)."""
    return field(default=None, metadata={"derived": True})


@dataclass(kw_only=True)
class ValLayout:
    """A validation folder laid out otherwise than the training root."""
    image_dir: str = spec(required=True)
    label_dir: str = spec(required=True)
    mask_values: str = spec(required=True, choices=MASK_VALUES)


@dataclass(kw_only=True)
class DataSection:
    format: str = spec("challenge", choices=READER_FORMATS)
    train_root: str = spec(required=True)
    val_root: str = spec(required=True)
    image_dir: str = spec("images")       # image_mask format only
    label_dir: str = spec("masks")        # image_mask format only
    # image_mask: "ids", "binary" (0/255 -> 0/1) or "matte" (a teacher's alpha)
    mask_values: str = spec("ids", choices=MASK_VALUES)
    ignore_index: int = spec(255, high=255)
    include_hair: bool = spec(False)      # whether hair counts as face when deriving boxes
    min_region_pixels: int = spec(16, low=1, high=1e12)   # smaller regions get no box
    # YAML {train: [names], val: [names]} (path relative to the config file) choosing the
    # images of each root by name (tools/make_split.py writes one); null: every image.
    split_file: Optional[str] = spec(None)
    # A validation folder with its own layout, e.g. one built of held-out frames of several
    # sources (tools/make_portrait_val.py): {image_dir, label_dir, mask_values} for val_root,
    # which is then taken whole (split_file chooses training images only); null: val_root is
    # laid out like train_root.
    val_layout: Optional[ValLayout] = spec(None)


@dataclass(kw_only=True)
class ExtraSetEntry:
    """More training data labelled with another schema (facevid.data.extra_sets)."""
    root: str = spec(required=True)
    schema: str = spec(required=True)     # its class schema (a name or a YAML path)
    # each of its classes -> our classes it stands for (several: a partial label)
    classes: Dict[str, List[str]] = spec(required=True)
    share: float = spec(required=True, low=0, high=1, low_open=True)   # of training samples
    format: str = spec("image_mask", choices=READER_FORMATS)
    image_dir: str = spec("images")
    label_dir: str = spec("labels")
    mask_values: str = spec("ids", choices=MASK_VALUES)
    split_file: Optional[str] = spec(None)   # relative to the config; its train side is used
    # A teacher's matte folder for these images (tools/teacher_mattes.py): targets of a learned
    # alpha (facevid.data.mattes). A set with mask_values "matte" is its own.
    teacher_mattes: Optional[str] = spec(None)


@dataclass(kw_only=True)
class SegData(DataSection):
    crop: str = spec("face", choices=("face", "person", "frame"))   # frame: whole frames
    crop_margin: float = spec(0.4, low=0, high=5)   # box grown by this fraction on each side
    # A folder of scenes with no labelled person or face: used for train.negative_prob
    # (the scene alone, all background) and train.paste_prob (labelled people pasted in).
    backgrounds_root: Optional[str] = spec(None)
    # More training data labelled with another schema (a class standing for several of ours
    # is a partial label).
    extra_sets: List[ExtraSetEntry] = spec(factory=list)
    # A teacher's matte folder for the main set's training images (tools/teacher_mattes.py):
    # with a loss term on the `alpha` output, its soft edges are the learned alpha's targets
    # near the ground truth's boundary (facevid.data.mattes); null: the hard labels are.
    teacher_mattes: Optional[str] = spec(None)


@dataclass(kw_only=True)
class BoxSetEntry:
    """Real frames whose faces (tools/teacher_boxes.py) or people (tools/teacher_persons.py) a
    teacher boxed (stage1_detect.box_sets)."""
    root: str = spec(required=True)       # the folder tools/teacher_boxes.py filled
    share: float = spec(required=True, low=0, high=1, low_open=True)   # of training samples
    split_file: Optional[str] = spec(None)   # relative to the config; its train side is used
    sure_score: float = spec(0.5, low=0, high=1)     # the teacher's boxes at or above: faces
    # A frame with a box scored between unsure_score and sure_score is left out (a face that
    # would be neither a positive nor safely background).
    unsure_score: float = spec(0.3, low=0, high=1)
    # Real video shows faces small: with zoom_prob a window around one face is cut and resized
    # to the training size so that the face is zoom_face_px [low, high] wide (at most 4x).
    zoom_prob: float = spec(0.7, low=0, high=1)
    zoom_face_px: List[float] = spec(factory=lambda: [24.0, 160.0])
    # Frames known to show nobody (scenes without people): every box the teacher drew there is
    # a false one, so each frame is trained as background only.
    negative: bool = spec(False)


@dataclass(kw_only=True)
class DetData(DataSection):
    face_boxes: bool = spec(True)     # train a face class (boxes of the schema's face classes)
    person_boxes: bool = spec(True)   # train a person class (connected non-background regions)
    # Real frames boxed by a teacher (faces only): positives in real scenes with real people.
    box_sets: List[BoxSetEntry] = spec(factory=list)


@dataclass(kw_only=True)
class PrevMaskNoise:
    """Models with model.in_channels 4 get a simulated previous-frame mask as a 4th channel
    (stage2_seg.temporal): dropped, or shifted/scaled/rotated with its edge moved."""
    drop_prob: float = spec(0.3, low=0, high=1)
    shift: float = spec(0.05, low=0, high=1)
    scale: float = spec(0.05, low=0, high=1)
    rotate_deg: float = spec(5.0, low=0, high=180)
    edge_px: int = spec(3, low=0, high=100)


@dataclass(kw_only=True)
class TrainSection:
    iters: int = spec(required=True, low=1, high=1e9)
    batch_size: int = spec(required=True, low=1, high=1e6)
    optimizer: str = spec("sgd", choices=("sgd", "adam"))   # sgd: with momentum
    lr: float = spec(0.01, low=0, high=10, low_open=True)
    momentum: float = spec(0.9, low=0, high=1)
    weight_decay: float = spec(4.0e-5, low=0, high=1)
    lr_schedule: str = spec("poly", choices=("poly", "constant"))
    warmup_iters: int = spec(0, low=0, high=1e9)
    # Weights to start from (fine-tuning, e.g. a shipped model); null: from scratch.
    # Read when a run starts, not when it resumes.
    init_weights: Optional[str] = spec(None)
    # ImageNet weights for the model's backbone (tools/convert_backbone.py writes them; the
    # backbone must take them: MobileNetV2Features, MobileNetV2Det). Read when a run starts.
    pretrained_backbone: Optional[str] = spec(None)
    flip_prob: float = spec(0.5, low=0, high=1)    # mirror-aware horizontal flip
    log_interval: int = spec(10, low=1, high=1e9)
    eval_interval: int = spec(1000, low=1, high=1e9)
    save_interval: int = spec(1000, low=1, high=1e9)
    keep_checkpoints: int = spec(2, low=1, high=1e6)
    # GPU only (facevid/runtime/gpu.py): mixed precision with a loss scaler; synchronised BN.
    amp: bool = spec(False)
    amp_level: str = spec("O1", choices=AMP_LEVELS)
    amp_loss_scale: float = spec(1024.0, low=1, high=2 ** 24)
    sync_bn: bool = spec(False)


@dataclass(kw_only=True)
class SegTrain(TrainSection):
    crop_size: List[int] = spec(required=True, pair=True)
    scale_jitter: List[float] = spec(factory=lambda: [0.85, 1.2])
    shift_jitter: float = spec(0.1, low=0, high=1)
    partial_crop_prob: float = spec(0.0, low=0, high=1)   # keep 1/3 or 2/3 of the face box
    rotate_deg: float = spec(0.0, low=0, high=180)        # uniform in [-rotate_deg, rotate_deg]
    # brightness, contrast, saturation: factor 1 +- value
    color_jitter: List[float] = spec(factory=lambda: [0.0, 0.0, 0.0])
    negative_prob: float = spec(0.0, low=0, high=1)   # a background scene instead of the frame
    paste_prob: float = spec(0.0, low=0, high=1)      # labelled people pasted onto a scene
    paste_scale: List[float] = spec(factory=lambda: [0.5, 1.0])   # their scale there
    prev_mask: PrevMaskNoise = spec(factory=PrevMaskNoise)
    # Learned alpha: a teacher's matte replaces the hard label within this fraction of the
    # image's longer side of the label's boundary (hair, motion blur); farther the label rules.
    alpha_band: float = spec(0.02, low=0, high=1)
    num_workers: int = spec(0, low=0, high=64)


@dataclass(kw_only=True)
class DetTrain(TrainSection):
    image_size: List[int] = spec(required=True, pair=True)   # [long, short] bounds of a resize
    lr: float = spec(0.02, low=0, high=10, low_open=True)
    weight_decay: float = spec(1.0e-4, low=0, high=1)


@dataclass(kw_only=True)
class SegEval:
    size: List[int] = spec(required=True, pair=True)
    max_frames: Optional[int] = spec(None, low=1, high=1e12)   # only the first N (null: all)
    flip_tta: bool = spec(False)    # also parse the mirrored crop; swap left/right classes back
    # Score the model on lower-resolution footage: every validation frame shrunk to this
    # fraction of its size and enlarged back (detail lost, size kept).
    lowres_scale: Optional[float] = spec(None, low=0, high=1, low_open=True)
    # The validation metric that picks best_model.pdparams: miou (pixels pooled over the whole
    # validation) or JF (DAVIS J&F averaged over its clips: with a validation of one clip per
    # source, each source weighs the same, which is what predicts footage from elsewhere).
    best_metric: str = spec("miou", choices=("miou", "mean_f1", "JF"))
    # Validation clips whose frames are unrelated photos (a cross-source validation's photo
    # sets): a model that reads the previous frame's mask gets none for each of their frames.
    photo_clips: List[str] = spec(factory=list)


@dataclass(kw_only=True)
class DetInfer:
    score_threshold: float = spec(0.05, low=0, high=1)   # low: the detector must not miss
    merge_iou: float = spec(0.5, low=0, high=1)   # overlapping boxes merge into their union box
    max_detections: int = spec(20, low=1, high=1e6)   # per frame, best first (bounds stage 2)
    max_missing: int = spec(5, low=0, high=1e6)   # video: reuse the last boxes for N frames
    detect_every: int = spec(1, low=1, high=1e6)  # video: every k-th frame, optical flow between


@dataclass(kw_only=True)
class DetEval:
    # The detector hands over detections only; each parser crops them with its own margin.
    iou: float = spec(0.5, low=0, high=1, low_open=True)   # a box counts as found at this IoU
    crop_margin: float = spec(0.4, low=0, high=5)   # "face pixels in crops" uses this margin
    max_frames: Optional[int] = spec(None, low=1, high=1e12)


@dataclass(kw_only=True)
class _ModelKind:
    """What both models' configs have: the class schema (a name or a YAML path; loaded into
    `class_schema`), the seed, and where the file was."""
    schema: str = spec(required=True)
    seed: int = spec(0)
    class_schema: ClassSchema = derived()
    path: str = derived()


@dataclass(kw_only=True)
class SegConfig(_ModelKind):
    stage: str = spec("seg")
    data: SegData = spec(required=True)
    model: Dict[str, Any] = spec(required=True)
    # Terms of the total loss: each applies loss `type` (a PaddleSeg loss name) with weight
    # `coef` to the model output named by `output` (seg, aux, edge, refined).
    loss: List[Dict[str, Any]] = spec(factory=lambda: [
        {"output": "seg", "type": "CrossEntropyLoss", "coef": 1.0},
        {"output": "aux", "type": "CrossEntropyLoss", "coef": 0.4}])
    train: SegTrain = spec(required=True)
    eval: SegEval = spec(required=True)

    @property
    def in_channels(self) -> int:
        """3 (RGB), or 4 with the previous frame's mask (stage2_seg.temporal)."""
        return int(self.model.get("in_channels", 3))

    @property
    def learns_alpha(self) -> bool:
        """Whether a loss term trains the model's soft alpha output (samples then carry one)."""
        return any(term.get("output") == "alpha" for term in self.loss)


@dataclass(kw_only=True)
class DetConfig(_ModelKind):
    stage: str = spec("det")
    data: DetData = spec(required=True)
    train: DetTrain = spec(required=True)
    infer: DetInfer = spec(factory=DetInfer)
    eval: DetEval = spec(factory=DetEval)
    # PaddleDetection's own sections (architecture, CascadeRCNN, ...): every key of the file
    # that is not one of ours, checked by stage1_detect against ppdet's registry.
    ppdet: Dict[str, Any] = spec(factory=dict)


# Keys that were renamed: an old config naming them is told the new name.
RENAMED = {"data.face_margin": "data.crop_margin", "data.min_face_pixels": "data.min_region_pixels"}
# What a function taking "a model's config" accepts: either stage's.
ModelConfig = Union[SegConfig, DetConfig]
