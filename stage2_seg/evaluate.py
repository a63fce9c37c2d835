"""Evaluate a stage-2 model on full frames: crop every face found in the ground-truth mask
(an oracle detector until stage 1 lands), parse the crops, paste their logits back into the
frame bilinearly, argmax at frame resolution, and score against the full-frame labels."""
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import paddle
import paddle.nn.functional as F
from tqdm import tqdm

from facevid.crops import crop, frame_background_logits, paste_logits
from facevid.files import write_image
from facevid.metrics import SegEvaluator, scores_from_confusion
from facevid.readers import Reader, check_label_values
from facevid.splits import open_split
from stage2_seg.data import crop_boxes, normalize


def _forward(model: paddle.nn.Layer, batch: paddle.Tensor) -> paddle.Tensor:
    logits = model(batch)[0]
    if logits.shape[2:] != batch.shape[2:]:
        logits = F.interpolate(logits, batch.shape[2:], mode="bilinear")
    return logits


@paddle.no_grad()
def parse_crops(model: paddle.nn.Layer, crops: List[np.ndarray], batch_size: int = 8,
                mirror_lut: Optional[np.ndarray] = None) -> List[np.ndarray]:
    """RGB uint8 crops (h x w x 3, all the same size) -> logits C x h x w each (numpy).

    With `mirror_lut` (flip test-time augmentation), the mirrored crop is parsed too and its
    logits are flipped back with left/right channels swapped before averaging: channel c of the
    mirrored view scores the mirror class of c in the original view.
    """
    out = []
    for i in range(0, len(crops), batch_size):
        batch = paddle.to_tensor(np.stack([normalize(c) for c in crops[i:i + batch_size]]))
        logits = _forward(model, batch)
        if mirror_lut is not None:
            swap = paddle.to_tensor(mirror_lut[: logits.shape[1]].astype("int64"))
            mirrored = paddle.flip(_forward(model, paddle.flip(batch, [3])), [3])
            logits = (logits + paddle.index_select(mirrored, swap, axis=1)) / 2
        out.extend(logits.numpy())
    return out


def predict_frame_logits(model: paddle.nn.Layer, cfg: Dict[str, Any], image: np.ndarray,
                         label: np.ndarray) -> np.ndarray:
    """C x H x W logits for one frame, crops placed by the ground-truth face boxes."""
    h, w = label.shape
    boxes = crop_boxes(cfg, label)
    if not boxes:
        return frame_background_logits(cfg["_schema"].num_classes, (w, h))
    size = tuple(cfg["eval"]["size"])
    pairs = [crop(image, box, size) for box in boxes]
    lut = cfg["_schema"].mirror_lut() if cfg["eval"]["flip_tta"] else None
    logits = parse_crops(model, [p[0] for p in pairs], mirror_lut=lut)
    return paste_logits(logits, [p[1] for p in pairs])


def evaluate(model: paddle.nn.Layer, cfg: Dict[str, Any], reader: Optional[Reader] = None,
             max_frames: Optional[int] = None, save_pred: Optional[Path] = None,
             show_progress: bool = True) -> Dict[str, Any]:
    """Score the model on the validation split; returns the metrics dict of SegEvaluator plus
    the same image metrics for always predicting the most frequent ground-truth class."""
    reader = reader or open_split(cfg, "val")
    schema, ignore = cfg["_schema"], cfg["data"]["ignore_index"]
    evaluator = SegEvaluator(schema.num_classes, ignore)
    gt_hist = np.zeros(schema.num_classes, np.int64)
    was_training = model.training
    model.eval()
    n = len(reader) if max_frames is None else min(max_frames, len(reader))
    try:
        for i in tqdm(range(n), desc="eval", unit="frame", disable=not show_progress, leave=False):
            ref = reader.frames[i]
            image, label = reader.load(i)
            check_label_values(label, schema.num_classes, ignore, ref.label)
            pred = np.argmax(predict_frame_logits(model, cfg, image, label), axis=0).astype(np.uint8)
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

