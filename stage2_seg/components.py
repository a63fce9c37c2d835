"""Build models and losses from YAML through PaddleSeg's managers (`type:` names a class).

PaddleSeg registers only fixed-width HRNet variants (HRNet_W18, HRNet_W48, ...); the generic
`HRNet` class is registered here too, so tiny CPU configs can set every stage's width in YAML.
"""
import copy
from typing import Any, Dict, List, Tuple

import paddle.nn as nn
from paddleseg.cvlibs import manager
from paddleseg.models.backbones.hrnet import HRNet

from facevid.errors import ConfigError

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
    except TypeError as exc:
        raise ConfigError(f"{where} ({name}): {exc}") from None


def build_model(cfg: Dict[str, Any]) -> nn.Layer:
    return build_component(cfg["model"], "model")


def build_seg_losses(cfg: Dict[str, Any]) -> List[Tuple[float, nn.Layer]]:
    """[(coef, loss layer)] for the main logits; ignore_index comes from data.ignore_index."""
    terms = []
    for i, term in enumerate(cfg["loss"]["seg_terms"]):
        term = dict(term)
        coef = float(term.pop("coef", 1.0))
        term["ignore_index"] = cfg["data"]["ignore_index"]
        terms.append((coef, build_component(term, f"loss.seg_terms[{i}]")))
    return terms
