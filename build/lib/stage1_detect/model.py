"""Build a PaddleDetection architecture from the ppdet sections of a stage-1 config."""
import contextlib
import copy
import io
from pathlib import Path

import paddle

from facevid.config.sections import DetConfig
from facevid.errors import ConfigError
from facevid.runtime.checkpoint import load_weights

# ppdet prints an install hint for numba (used by its video tracker, not by us) on import.
with contextlib.redirect_stdout(io.StringIO()):
    import ppdet.modeling  # noqa: F401  (registers ppdet's architectures and modules)
    from ppdet.core import workspace

import stage1_detect.backbones  # noqa: F401,E402  (registers MobileNetV2Det with ppdet)

# Top-level ppdet keys that are settings rather than module sections.
PPDET_GLOBALS = {"architecture", "num_classes", "norm_type", "pretrain_weights"}


def _reset_registry(registered) -> None:
    """Forget what an earlier build in this process merged, so one config's keys (say,
    dcn_v2_stages) never leak into the next model: every module back to its defaults."""
    for key in list(registered):
        value = registered[key]
        if hasattr(value, "schema"):
            value.clear()
        elif key in PPDET_GLOBALS:
            del registered[key]


def build_detector(cfg: DetConfig) -> paddle.nn.Layer:
    """Create the configured architecture. ppdet keeps its settings in a process-wide registry;
    our sections are merged into it just before creating the model."""
    sections = copy.deepcopy(cfg.ppdet)
    registered = workspace.global_config
    for key, value in sections.items():
        if key not in PPDET_GLOBALS and key not in registered:
            raise ConfigError(f"'{key}' is neither one of our config sections nor a "
                              "PaddleDetection module")
        if isinstance(value, dict) and key in registered:
            known = set(registered[key].schema) if hasattr(registered[key], "schema") else None
            unknown = sorted(set(value) - known) if known is not None else []
            if unknown:
                raise ConfigError(f"{key}: unknown argument(s) {unknown}; known: {sorted(known)}")
    if "architecture" not in sections:
        raise ConfigError("a stage-1 config needs 'architecture' (e.g. CascadeRCNN)")
    pretrained = sections.pop("pretrain_weights", None)
    _reset_registry(registered)
    workspace.merge_config(sections)
    try:
        model = workspace.create(sections["architecture"])
    except (TypeError, ValueError, AssertionError, KeyError) as exc:
        # ppdet validates its arguments with asserts and table look-ups (ResNet depth 19 is
        # a KeyError in its depth table): all of them are a wrong value in the config.
        reason = f"{type(exc).__name__} {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ConfigError(f"PaddleDetection could not build {sections['architecture']} from this "
                          f"config ({reason or 'an argument is out of range'}); check the "
                          f"values of its sections (e.g. ResNet.depth is 18, 34, 50, 101 or 152)") from None
    if pretrained:
        from ppdet.utils.checkpoint import load_pretrain_weight
        load_pretrain_weight(model, pretrained)
    return model


def trained_detector_model(cfg: DetConfig, weights: Path) -> paddle.nn.Layer:
    """The config's detector with `weights` loaded, in eval mode (fresh parameter names)."""
    with paddle.utils.unique_name.guard():
        model = build_detector(cfg)
    load_weights(weights, model)
    model.eval()
    return model
