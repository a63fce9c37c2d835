"""The total training loss of a config: terms that each apply a loss to one named model output.

    L = sum over terms of coef * loss(outputs[term.output], labels)

A term names the output it reads (seg, aux, edge, refined, alpha, ...). `LossComputer.for_model`
checks those names against what the model returns in training when the model is built, so a
term reading an output the model does not give fails before training starts.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import paddle
import paddle.nn as nn

from facevid.config.sections import SegConfig
from facevid.errors import ConfigError
from facevid.data.extra_sets import partial_sets
from stage2_seg.components import build_component
from stage2_seg.losses.partial import plain_labels


@dataclass
class LossTerm:
    output: str        # which model output it reads: seg, aux, edge or refined
    coef: float
    loss: nn.Layer
    name: str          # for logs: "<output>/<type>"


def build_loss_terms(terms: Sequence[Dict[str, Any]], ignore_index: int,
                     partial_sets: Sequence[Sequence[int]] = ()) -> List[LossTerm]:
    """LossTerms from the config's `loss` list; each term's ignore_index is the data's, and a
    loss that reads partial labels gets the sets they stand for."""
    built = []
    for i, term in enumerate(terms):
        term = dict(term)
        output, coef = term.pop("output"), float(term.pop("coef", 1.0))
        term["ignore_index"] = ignore_index
        if term["type"] == "PartialCrossEntropyLoss":
            term["sets"] = [list(s) for s in partial_sets]
        built.append(LossTerm(output, coef, build_component(term, f"loss[{i}]"),
                              f"{output}/{term['type']}"))
    return built


def named_outputs(outputs: Any) -> Dict[str, paddle.Tensor]:
    """Training outputs by name. Our models return a dict; PaddleSeg's return a list with the
    main logits first and the auxiliary ones after (OCRNet: [seg, aux])."""
    if isinstance(outputs, dict):
        return outputs
    names = ["seg", "aux"] + [f"aux{i}" for i in range(2, len(outputs))]
    return dict(zip(names, outputs))


def training_output_names(model: nn.Layer) -> Tuple[str, ...]:
    """What the model returns in training. Our models say so; for PaddleSeg's, one forward of
    a small blank image in training mode tells (batch-norm statistics are put back after)."""
    if hasattr(model, "training_outputs"):
        return tuple(model.training_outputs)
    buffers = dict(model.named_buffers())      # batch-norm running statistics
    saved = {k: v.clone() for k, v in buffers.items()}
    was_training = model.training
    model.train()
    try:
        with paddle.no_grad():
            outputs = model(paddle.zeros([2, model_in_channels(model), 64, 64]))
    finally:
        for key, value in saved.items():
            buffers[key].set_value(value)
        if not was_training:
            model.eval()
    return tuple(named_outputs(outputs))


def model_in_channels(model: nn.Layer) -> int:
    """Input channels of the first convolution (3, or 4 with a previous-mask channel)."""
    for layer in model.sublayers():
        if isinstance(layer, nn.Conv2D):
            return int(layer.weight.shape[1]) * int(layer._groups)
    return 3


class LossComputer:
    """L = sum over the configured terms of coef * loss(model output named by the term)."""

    def __init__(self, terms: List[LossTerm], ignore_index: int = 255):
        self.terms, self.ignore_index = terms, ignore_index

    @classmethod
    def for_model(cls, cfg: SegConfig, model: nn.Layer) -> "LossComputer":
        sets = partial_sets(cfg.class_schema, cfg.data.extra_sets)
        terms = build_loss_terms(cfg.loss, cfg.data.ignore_index, sets)
        if sets and not any(getattr(t.loss, "reads_partial_labels", False) for t in terms):
            raise ConfigError("data.extra_sets give partial labels but no loss term reads them; "
                              "use PartialCrossEntropyLoss for the seg output")
        given = training_output_names(model)
        for term in terms:
            if getattr(term.loss, "reads_alpha_targets", False) != (term.output == "alpha"):
                raise ConfigError(f"loss term {term.name}: the alpha output is trained by "
                                  "AlphaL1Loss and AlphaL1Loss trains the alpha output only")
            if term.output not in given:
                raise ConfigError(f"loss term {term.name} reads output '{term.output}', but "
                                  f"model {cfg.model['type']} gives {list(given)} in training")
        return cls(terms, cfg.data.ignore_index)

    def __call__(self, outputs: Any, labels: paddle.Tensor,
                 alpha_targets: Optional[paddle.Tensor] = None) -> Dict[str, paddle.Tensor]:
        named = named_outputs(outputs)
        plain = plain_labels(labels, self.ignore_index)     # partial pixels: ignored

        def target(loss: nn.Layer) -> paddle.Tensor:
            if getattr(loss, "reads_alpha_targets", False):
                return alpha_targets
            return labels if getattr(loss, "reads_partial_labels", False) else plain
        parts = {term.name: term.coef * term.loss(named[term.output], target(term.loss))
                 for term in self.terms}
        parts["total"] = paddle.add_n(list(parts.values()))
        return parts
