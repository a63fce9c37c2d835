"""The keys each kind of config may have, with their defaults (REQUIRED: no default).

`stage:` picks the spec: seg (stage 2), det (stage 1), pipeline, reproduce. Subtrees named in
FREE_SUBTREES hold constructor arguments or free names and are checked where they are used.
"""
from pathlib import Path
from typing import Any, Dict

# Paths in pipeline and reproduce configs may be relative to the project root.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = object()
# Subtrees whose keys are passed to component constructors and validated there.
FREE_SUBTREES = ("model", "loss", "published")
READER_FORMATS = ("challenge", "celebamask_hq", "lapa", "helen", "image_mask")

_DATA = {
    "format": "challenge",
    "train_root": REQUIRED,
    "val_root": REQUIRED,
    "image_dir": "images",   # image_mask format only
    "label_dir": "masks",    # image_mask format only
    "mask_values": "ids",    # image_mask: "ids", "binary" (0/255 -> 0/1) or "matte" (a teacher's alpha)
    "ignore_index": 255,
    "include_hair": False,   # whether hair counts as face when deriving boxes
    "min_region_pixels": 16,  # smaller face or person regions get no box (too small to parse)
    # YAML {train: [names], val: [names]} (path relative to the config file) choosing the
    # images of each root by name (tools/make_split.py writes one); null: every image.
    "split_file": None,
    # A validation folder with its own layout, e.g. one built of held-out frames of several
    # sources (tools/make_portrait_val.py): {image_dir, label_dir, mask_values} for val_root,
    # which is then taken whole (split_file chooses training images only); null: val_root is
    # laid out like train_root.
    "val_layout": None,
}

SEG_DEFAULTS: Dict[str, Any] = {
    "stage": "seg",
    "schema": REQUIRED,
    "seed": 0,
    "data": {
        **_DATA,
        "crop": "face",          # face: crops around mask-derived face boxes; frame: whole frames
        "crop_margin": 0.4,      # box grown by this fraction of its size on each side
        # A folder of scenes with no labelled person or face: used for train.negative_prob
        # (the scene alone, all background) and train.paste_prob (labelled people pasted in).
        "backgrounds_root": None,
        # More training data labelled with another schema: [{root, schema, classes: {its
        # class: [our classes]}, share, format, image_dir, label_dir, split_file}] (see
        # facevid.data.extra_sets; a class standing for several of ours is a partial label).
        "extra_sets": [],
    },
    "model": REQUIRED,
    # Terms of the total loss: each applies loss `type` (a PaddleSeg loss name) with weight
    # `coef` to the model output named by `output` (seg, aux, edge, refined).
    "loss": [
        {"output": "seg", "type": "CrossEntropyLoss", "coef": 1.0},
        {"output": "aux", "type": "CrossEntropyLoss", "coef": 0.4},
    ],
    "train": {
        "iters": REQUIRED,
        "batch_size": REQUIRED,
        "crop_size": REQUIRED,
        "optimizer": "sgd",      # sgd (momentum) or adam
        "lr": 0.01,
        "momentum": 0.9,
        "weight_decay": 4.0e-5,
        "lr_schedule": "poly",   # poly or constant
        "warmup_iters": 0,
        # Weights to start from (fine-tuning, e.g. a shipped model); null: from scratch.
        # Read when a run starts, not when it resumes.
        "init_weights": None,
        # ImageNet weights for the model's backbone (tools/convert_backbone.py writes them; the
        # backbone must take them: MobileNetV2Features). Read when a run starts, not when it resumes.
        "pretrained_backbone": None,
        "scale_jitter": [0.85, 1.2],
        "shift_jitter": 0.1,
        "flip_prob": 0.5,           # mirror-aware horizontal flip
        "partial_crop_prob": 0.0,   # keep 1/3 or 2/3 of the face box from one of its sides
        "rotate_deg": 0.0,          # uniform rotation in [-rotate_deg, rotate_deg]
        "color_jitter": [0.0, 0.0, 0.0],   # brightness, contrast, saturation: factor 1 +- value
        "negative_prob": 0.0,       # a background scene instead of the frame (needs backgrounds_root)
        "paste_prob": 0.0,          # the frame's labelled people pasted onto a background scene
        "paste_scale": [0.5, 1.0],  # their scale there (a fraction of the frame size)
        # Models with model.in_channels 4 get a simulated previous-frame mask as a 4th channel
        # (stage2_seg.temporal): dropped, or shifted/scaled/rotated with its edge moved.
        "prev_mask": {"drop_prob": 0.3, "shift": 0.05, "scale": 0.05, "rotate_deg": 5.0, "edge_px": 3},
        "num_workers": 0,
        "log_interval": 10,
        "eval_interval": 1000,
        "save_interval": 1000,
        "keep_checkpoints": 2,
        # GPU only (facevid/runtime/gpu.py): mixed precision with a loss scaler; synchronised BN.
        "amp": False, "amp_level": "O1", "amp_loss_scale": 1024.0, "sync_bn": False,
    },
    "eval": {
        "size": REQUIRED,
        "max_frames": None,      # evaluate only the first N frames during training (null: all)
        "flip_tta": False,       # also parse the mirrored crop; swap left/right classes back
        # Score the model on lower-resolution footage: every validation frame shrunk to this
        # fraction of its size and enlarged back (detail lost, size kept).
        "lowres_scale": None,
    },
}

DET_DEFAULTS: Dict[str, Any] = {
    "stage": "det",
    "schema": REQUIRED,
    "seed": 0,
    "data": {
        **_DATA,
        "face_boxes": True,      # train a face class (boxes of the schema's face classes)
        "person_boxes": True,    # train a person class (connected non-background regions)
    },
    "train": {
        "iters": REQUIRED,
        "batch_size": REQUIRED,
        "image_size": REQUIRED,  # [long, short]: resize so neither side exceeds its bound
        "optimizer": "sgd",      # sgd (momentum) or adam
        "lr": 0.02,
        "momentum": 0.9,
        "weight_decay": 1.0e-4,
        "lr_schedule": "poly",
        "warmup_iters": 0,
        "init_weights": None,    # weights to start from (as stage 2's train.init_weights)
        "flip_prob": 0.5,        # horizontal flip only, as the recipe
        "log_interval": 10,
        "eval_interval": 1000,
        "save_interval": 1000,
        "keep_checkpoints": 2,
        # GPU only (facevid/runtime/gpu.py): mixed precision with a loss scaler; synchronised BN.
        "amp": False, "amp_level": "O1", "amp_loss_scale": 1024.0, "sync_bn": False,
    },
    "infer": {
        "score_threshold": 0.05,  # low: the detector must not miss (stage 2 copes with extras)
        "merge_iou": 0.5,         # overlapping boxes of a class merge into their enclosing box
        "max_detections": 20,     # per frame after merging, best scores first (bounds stage-2 cost)
        "max_missing": 5,         # video: reuse the last boxes for up to N frames without any
        "detect_every": 1,        # video: run the network every k-th frame, optical flow between
    },
    # The detector hands over detections only; each parser crops them with its own margin.
    "eval": {
        "iou": 0.5,               # a ground-truth box counts as found at this IoU
        "crop_margin": 0.4,       # "face pixels in crops" is measured on boxes grown by this
        "max_frames": None,
    },
}
PIPELINE_DEFAULTS: Dict[str, Any] = {
    "stage": "pipeline",
    # A stage-1 config and weights, or null: every frame is then one crop (portrait video,
    # footage that is already cropped to a face). A whole-frame stage-2 config here is a
    # person detector: a box around each region of its mask (pipeline/mask_detector.py).
    "detector": None,
    # One or more stage-2 models ({config, weights, export_dir, name, opts}); several are
    # ensembled. An export_dir (tools/export.py) is run through Paddle Inference; name defaults
    # to the config's file name; opts are key=value overrides of that config.
    "parsers": REQUIRED,
    "ensemble": "hard",          # hard: per-pixel vote (ties: most confident); soft: mean probs
    "resize": "bilinear",        # bilinear: soft logits resized, then argmax; nearest: the reverse
    "grabcut": {"enabled": True, "band": 6, "confident": 0.9, "iterations": 2},
    "overlay": {"alpha": 0.5, "fps": 10.0},   # fps is used for image folders only
    "threads": 2,                # CPU threads of Paddle Inference
    # dygraph: run the weights as they are; inference: export each model once into a cache
    # folder and run it through Paddle Inference with oneDNN (pipeline/engine.py; faster).
    "engine": "dygraph",
    "smoothing": 0.0,            # video: share of the previous frame's probabilities (EMA)
    # A frame where the detector finds nothing: "background" (all of it; a scene without a
    # face is not a face) or "whole_frame" (parse it as one crop: close-up photos whose face
    # the detector missed). Without a detector every frame is one crop.
    "no_detection": "background",
}
REPRODUCE_DEFAULTS: Dict[str, Any] = {
    "stage": "reproduce",
    "out": REQUIRED,             # every step's output and the final table go here
    # Generated clips for the tiny preset ({train_clips, val_clips, frames, train_seed,
    # val_seed}), or null to use data that is already there (train_root / val_root).
    "synthetic": None,
    "train_root": REQUIRED,
    "val_root": REQUIRED,
    "detector": REQUIRED,        # {config, opts[, weights]}: the stage-1 model; trained weights skip its training
    "models": REQUIRED,          # {OCRNet: {config, opts}, EANet-Add: ..., EANet-Cat: ...}
    "main_model": "EANet-Cat",   # the model of the resize and input-size comparison rows
    "train_size_eval": REQUIRED, # [w, h]: the "infer at the training size" row (448 in the recipe)
    "grabcut": {"enabled": True, "band": 6, "confident": 0.9, "iterations": 2},
    "published": {},             # the entry's published scores, shown beside ours
}
# Keys that were renamed: an old config naming them is told the new name.
RENAMED = {"data.face_margin": "data.crop_margin", "data.min_face_pixels": "data.min_region_pixels"}

SPECS = {"seg": SEG_DEFAULTS, "det": DET_DEFAULTS, "pipeline": PIPELINE_DEFAULTS,
         "reproduce": REPRODUCE_DEFAULTS}
