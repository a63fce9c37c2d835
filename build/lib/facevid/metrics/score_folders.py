"""Score folders of predicted label PNGs against ground-truth label PNGs, any model's output.

Files are paired by their path relative to each root; the first path component is the clip
(`ROOT/<clip>/labels/NNNNN.png`, as written by the generator and by `tools/eval.py --save-pred`);
files directly under the root are single-frame clips.
"""
from pathlib import Path
from typing import Any, Dict

from tqdm import tqdm

from facevid.errors import DataError
from facevid.io.files import read_label
from facevid.metrics.segmentation import SegEvaluator
from facevid.data.readers import check_label_values
from facevid.data.schema import ClassSchema


def score_folders(pred_root: Path, gt_root: Path, schema: ClassSchema, ignore_index: int = 255,
                  show_progress: bool = True) -> Dict[str, Any]:
    pred_root, gt_root = Path(pred_root), Path(gt_root)
    if not schema.num_classes <= ignore_index <= 255:
        raise DataError(f"--ignore-index {ignore_index} is a class of schema '{schema.name}' "
                        f"(classes 0-{schema.num_classes - 1}); pixels of that class would go "
                        f"unscored. Use a value in [{schema.num_classes}, 255] (default 255)")
    for root, what in ((pred_root, "--pred"), (gt_root, "--gt")):
        if root.is_file():
            raise DataError(f"{what} {root} is a file; give the folder of label PNGs")
        if not root.is_dir():
            raise DataError(f"{what} folder not found: {root}")
    gt_files = sorted(gt_root.rglob("*.png"))
    if not gt_files:
        raise DataError(f"{gt_root}: no ground-truth label PNGs found")
    evaluator = SegEvaluator(schema.num_classes, ignore_index)
    for gt_path in tqdm(gt_files, desc="score", unit="frame", disable=not show_progress):
        rel = gt_path.relative_to(gt_root)
        pred_path = pred_root / rel
        if not pred_path.is_file():
            raise DataError(f"{pred_path}: prediction missing for ground truth {gt_path}")
        gt, pred = read_label(gt_path), read_label(pred_path)
        if gt.shape != pred.shape:
            raise DataError(f"{pred_path}: prediction is {pred.shape[::-1]} but ground truth "
                            f"{gt_path} is {gt.shape[::-1]} (W x H); predict at full resolution")
        check_label_values(gt, schema.num_classes, ignore_index, gt_path)
        if pred.max() >= schema.num_classes:
            raise DataError(f"{pred_path}: predicted value {int(pred.max())} is not a class of "
                            f"schema '{schema.name}' ({schema.num_classes} classes)")
        clip = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        evaluator.add(pred, gt, clip)
    metrics = evaluator.result()
    metrics.update({"frames": len(gt_files), "class_names": list(schema.class_names)})
    return metrics
