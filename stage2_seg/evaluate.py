"""Evaluate a stage-2 model on full frames: crop every face found in the ground-truth mask
(an oracle detector until stage 1 lands), parse the crops, paste their logits back into the
frame bilinearly, argmax at frame resolution, and score against the full-frame labels."""
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import paddle
from tqdm import tqdm

from facevid.config.sections import SegConfig
from facevid.io.files import write_image
from facevid.metrics.segmentation import SegEvaluator, scores_from_confusion
from facevid.data.readers import Reader
from facevid.data.splits import open_split
from postprocess.ensemble import channel_argmax, softmax
from stage2_seg.augment import low_resolution
from stage2_seg.data import gt_crop_boxes
from stage2_seg.parser import Parser
from stage2_seg.forward import dygraph_forward
from stage2_seg.temporal import with_prev_channel


def evaluate(model: paddle.nn.Layer, cfg: SegConfig, reader: Optional[Reader] = None,
             max_frames: Optional[int] = None, save_pred: Optional[Path] = None,
             show_progress: bool = True) -> Dict[str, Any]:
    """Score the model on the validation split; returns the metrics dict of SegEvaluator plus
    the same image metrics for always predicting the most frequent ground-truth class."""
    reader = reader or open_split(cfg, "val")
    schema, ignore = cfg.class_schema, cfg.data.ignore_index
    evaluator = SegEvaluator(schema.num_classes, ignore)
    gt_hist = np.zeros(schema.num_classes, np.int64)
    was_training = model.training
    model.eval()
    parser = Parser.from_config(cfg, dygraph_forward(model))
    n = len(reader) if max_frames is None else min(max_frames, len(reader))
    clip, prev_fg = None, None      # a model that reads the last mask gets it, as in video
    try:
        for i in tqdm(range(n), desc="eval", unit="frame", disable=not show_progress, leave=False):
            ref = reader.frames[i]
            image, label = reader.load(i)
            if cfg.eval.lowres_scale is not None:     # footage of a lower resolution
                image = low_resolution(image, cfg.eval.lowres_scale)
            if parser.in_channels == 4:
                # a clip starts with no previous mask, and so does every unrelated photo
                if ref.clip != clip or ref.clip in cfg.eval.photo_clips:
                    clip, prev_fg = ref.clip, np.zeros(label.shape, np.float32)
                image = with_prev_channel(image, prev_fg)
            logits = parser.frame_logits(image, gt_crop_boxes(cfg, label))
            if parser.in_channels == 4:
                prev_fg = 1.0 - softmax(logits)[0]
            pred = channel_argmax(logits)
            evaluator.add(pred, label, ref.clip)
            gt_hist += np.bincount(label[label != ignore].ravel(), minlength=schema.num_classes)[:schema.num_classes]
            if save_pred is not None:
                out = Path(save_pred) / ref.clip / "labels" / f"{ref.image.stem}.png"
                out.parent.mkdir(parents=True, exist_ok=True)
                write_image(out, pred)
    finally:
        if was_training:
            model.train()
    metrics = evaluator.result()
    # Baseline: every pixel predicted as the most frequent ground-truth class.
    majority = int(np.argmax(gt_hist))
    baseline_cm = np.zeros((schema.num_classes,) * 2, np.int64)
    baseline_cm[:, majority] = gt_hist
    base = scores_from_confusion(baseline_cm)
    metrics.update({"frames": n, "class_names": list(schema.class_names),
                    "baseline_most_frequent": {"class": schema.class_names[majority],
                                               "miou": base["miou"], "mean_f1": base["mean_f1"]}})
    return metrics

