"""Build models and losses from YAML through PaddleSeg's managers (`type:` names a class).

PaddleSeg registers only fixed-width HRNet variants (HRNet_W18, HRNet_W48, ...); the generic
`HRNet` class is registered here too, so tiny CPU configs can set every stage's width in YAML.
Importing this module also registers our own models and losses.
"""
import copy
from pathlib import Path
from typing import Any, Dict

import paddle
import paddle.nn as nn
from paddleseg.cvlibs import manager
from paddleseg.models.backbones.hrnet import HRNet

from facevid.config.sections import SegConfig
import stage2_seg.losses  # noqa: F401  (registers our losses)
import stage2_seg.models  # noqa: F401  (registers our models)
from facevid.errors import ConfigError
from facevid.runtime.checkpoint import load_weights

if "HRNet" not in manager.BACKBONES.components_dict:
    manager.BACKBONES.add_component(HRNet)

_MANAGERS = (manager.MODELS, manager.BACKBONES, manager.LOSSES)


def build_component(spec: Dict[str, Any], where: str) -> Any:
    """Instantiate `{type: Name, arg: value, ...}`; nested specs with a `type` are built first."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise ConfigError(f"{where} must be a mapping with a 'type'")
    spec = copy.deepcopy(spec)
    name = spec.pop("type")
    for mgr in _MANAGERS:
        if name in mgr.components_dict:
            cls = mgr.components_dict[name]
            break
    else:
        raise ConfigError(f"{where}: unknown type '{name}' (not registered in PaddleSeg's managers)")
    kwargs = {k: build_component(v, f"{where}.{k}") if isinstance(v, dict) and "type" in v else v
              for k, v in spec.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where} ({name}): {exc}") from None


def build_model(cfg: SegConfig) -> nn.Layer:
    return build_component(cfg.model, "model")


def build_trained_model(cfg: SegConfig, weights: Path) -> paddle.nn.Layer:
    """The config's model with `weights` loaded, in eval mode. A fresh name scope keeps
    parameter names independent of what else the process built."""
    with paddle.utils.unique_name.guard():
        model = build_model(cfg)
    load_weights(weights, model)
    model.eval()
    return model
