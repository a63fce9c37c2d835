"""Rules across keys of a built config (each key's own type and range is checked when the
config is built, facevid.config.typed). They only check; `facevid.config.load.normalize` is
the one place that fills values."""
from typing import Any

from facevid.config.pipelines import PipelineConfig, ReproduceConfig
from facevid.config.sections import PROJECT_ROOT, DetConfig, ModelConfig, SegConfig
from facevid.errors import ConfigError
from facevid.data.extra_sets import check_extra_sets


def _check_data(cfg: ModelConfig) -> None:
    schema, data = cfg.class_schema, cfg.data
    if not schema.num_classes <= data.ignore_index <= 255:
        raise ConfigError(f"data.ignore_index must be an int in [{schema.num_classes}, 255] "
                          f"(schema '{schema.name}' has {schema.num_classes} classes), "
                          f"got {data.ignore_index!r}")


def validate_seg(cfg: SegConfig) -> None:
    """Stage-2 checks: inconsistent values raise, they are never silently corrected."""
    schema, data, model, train = cfg.class_schema, cfg.data, cfg.model, cfg.train
    _check_data(cfg)
    if data.crop == "face" and not schema.face_class_ids:
        raise ConfigError(f"data.crop is 'face' but schema '{schema.name}' has no face_classes; "
                          "use data.crop=frame or person")
    if "type" not in model:
        raise ConfigError("'model' must be a mapping with a 'type' (a PaddleSeg model name)")
    if model["num_classes"] != schema.num_classes:
        raise ConfigError(f"model.num_classes is {model['num_classes']} but schema "
                          f"'{schema.name}' has {schema.num_classes} classes; make them agree")
    _check_loss_terms(cfg)
    if not (len(train.color_jitter) == 3 and all(0 <= j < 1 for j in train.color_jitter)):
        raise ConfigError("train.color_jitter must be [brightness, contrast, saturation], each in [0, 1)")
    low, high = train.scale_jitter if len(train.scale_jitter) == 2 else (0, 0)
    if not 0 < low <= high:
        raise ConfigError("train.scale_jitter must be [low, high] with 0 < low <= high")
    _check_scenes(cfg)
    check_extra_sets(schema, data.extra_sets, data.ignore_index)


def _check_loss_terms(cfg: SegConfig) -> None:
    ignore = cfg.data.ignore_index
    if not cfg.loss:
        raise ConfigError("'loss' must be a non-empty list of {output, type, coef} terms")
    for term in cfg.loss:
        if "type" not in term or "output" not in term:
            raise ConfigError(f"loss term {term!r} needs an 'output' (seg, aux, edge, refined) "
                              "and a 'type' (a PaddleSeg loss name)")
        if term.get("ignore_index", ignore) != ignore:
            raise ConfigError(f"loss {term['type']} has ignore_index {term['ignore_index']} but "
                              f"data.ignore_index is {ignore}; remove it from the loss (it is "
                              "filled from data.ignore_index)")
        coef = term.get("coef", 1.0)
        if not isinstance(coef, (int, float)) or isinstance(coef, bool) or coef < 0:
            raise ConfigError(f"loss {term['type']}: coef must be a number >= 0, got {coef!r}")


def _check_scenes(cfg: SegConfig) -> None:
    train = cfg.train
    if train.negative_prob + train.paste_prob > 1:
        raise ConfigError("train.negative_prob and train.paste_prob must be >= 0 with a sum <= 1")
    if (train.negative_prob or train.paste_prob) and not cfg.data.backgrounds_root:
        raise ConfigError("train.negative_prob / train.paste_prob need data.backgrounds_root "
                          "(a folder of scenes without people)")
    low, high = train.paste_scale if len(train.paste_scale) == 2 else (0, 0)
    if not 0 < low <= high <= 1:
        raise ConfigError("train.paste_scale must be [low, high] with 0 < low <= high <= 1")


def validate_det(cfg: DetConfig) -> None:
    """Stage-1 checks (ppdet's own sections are checked by stage1_detect)."""
    schema, data = cfg.class_schema, cfg.data
    _check_data(cfg)
    if data.face_boxes and not schema.face_class_ids:
        raise ConfigError(f"schema '{schema.name}' has no face_classes to derive face boxes from; "
                          "set data.face_boxes=false for a person detector")
    names = [n for n, on in (("face", data.face_boxes), ("person", data.person_boxes)) if on]
    if not names:
        raise ConfigError("data.face_boxes and data.person_boxes are both false: nothing to detect")
    num_classes = cfg.ppdet.get("num_classes")
    if num_classes != len(names):
        raise ConfigError(f"num_classes is {num_classes!r} but the detector is trained on "
                          f"{len(names)} categor{'ies' if len(names) > 1 else 'y'} ({', '.join(names)})"
                          "; set num_classes to match data.face_boxes / data.person_boxes")
    _check_box_sets(data)


def _check_box_sets(data: Any) -> None:
    if data.box_sets and data.person_boxes == data.face_boxes:
        raise ConfigError("data.box_sets label one class (faces or people): they need exactly one "
                          "of data.face_boxes and data.person_boxes (a face detector: "
                          "person_boxes=false; a person detector: face_boxes=false)")
    for i, entry in enumerate(data.box_sets):
        low, high = entry.zoom_face_px if len(entry.zoom_face_px) == 2 else (0, -1)
        if not 0 < low <= high:
            raise ConfigError(f"data.box_sets[{i}].zoom_face_px must be [low, high] with 0 < low <= high")
        if entry.unsure_score > entry.sure_score:
            raise ConfigError(f"data.box_sets[{i}]: unsure_score {entry.unsure_score} is above "
                              f"sure_score {entry.sure_score}")
    if sum(entry.share for entry in data.box_sets) >= 1:
        raise ConfigError("data.box_sets shares add up to 1 or more; leave room for the main set")


def validate_pipeline(cfg: PipelineConfig) -> None:
    """Checks of the pipeline file itself; the model configs are checked when loaded."""
    det = cfg.detector
    if det is not None and not (det.weights or det.export_dir):
        raise ConfigError("'detector' needs weights (.pdparams) or an export_dir (an export of "
                          "them); its config is a stage-1 YAML, or a whole-frame stage-2 one "
                          "(boxes around its mask)")
    if not cfg.parsers:
        raise ConfigError("'parsers' must list one or more {config, weights, export_dir} entries")
    for i, entry in enumerate(cfg.parsers):
        if not entry.weights and not entry.export_dir:
            raise ConfigError(f"parsers[{i}] needs weights or an export_dir")


def validate_reproduce(cfg: ReproduceConfig) -> None:
    for name, entry in [("detector", cfg.detector)] + list(cfg.models.items()):
        # The detector may name trained weights (the preset then skips training one); the
        # models are always trained by the preset.
        extra = entry.export_dir or entry.name or (entry.weights and name != "detector")
        if extra:
            raise ConfigError(f"{name}: the preset takes config and opts"
                              f"{' (and weights for the detector)' if name == 'detector' else ''}"
                              "; remove weights, export_dir and name")
    weights = cfg.detector.weights
    if weights is not None and not (PROJECT_ROOT / str(weights)).is_file():
        raise ConfigError(f"detector.weights: {weights} is not a file (a path relative to the project "
                          "root); train one, or drop the key and the preset trains its own")
    if cfg.main_model not in cfg.models:
        raise ConfigError(f"main_model '{cfg.main_model}' is not one of models {list(cfg.models)}")
    size = cfg.train_size_eval
    if not (len(size) == 2 and all(v > 0 for v in size)):
        raise ConfigError(f"train_size_eval must be [width, height], got {size!r}")


VALIDATORS = {"seg": validate_seg, "det": validate_det, "pipeline": validate_pipeline,
              "reproduce": validate_reproduce}


def validate(cfg: Any) -> None:
    VALIDATORS[cfg.stage](cfg)
