"""Evaluate a model, or score folders of predicted label PNGs, and write metrics as JSON.

Examples:
  python tools/eval.py -c configs/stage2_ocrnet_tiny.yml --weights runs/tiny/best_model.pdparams \\
      --out metrics.json [--save-pred DIR]
  python tools/eval.py --pred DIR --gt DIR --schema sfp18 --out metrics.json
  python tools/eval.py -c configs/stage1_cascade_rcnn_r18_tiny.yml --weights W --out det.json

The JSON holds miou, mean_f1 (foreground classes), per_class_iou, per_class_f1 from one
confusion matrix, and the DAVIS video measures J, F, JF, J_decay, F_decay and decay (the mean
of the two decays). With a model, the first mode crops each face found in the ground-truth mask
(an oracle detector), so it measures stage 2 alone. With a stage-1 config it reports COCO AP,
recall of the mask-derived boxes at the operating point, the fraction of ground-truth face
pixels inside the crops and the detection time per frame.
"""
import argparse
import sys

from facevid.config.sections import DetConfig, SegConfig
from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.errors import UserError
from facevid.io.files import write_json
from facevid.io.output_folders import atomic_dir, check_not_inputs, check_output_folder
from facevid.data.schema import load_schema
from facevid.metrics.score_folders import score_folders


def summary(metrics: dict) -> str:
    keys = ("miou", "mean_f1", "J", "F", "JF", "decay", "recall_face", "recall_person",
            "face_pixels_in_crops", "AP", "AP50", "seconds_per_frame")
    text = "  ".join(f"{k} {metrics[k]:.4f}" for k in keys if metrics.get(k) is not None)
    base = metrics.get("baseline_most_frequent")
    if base:
        text += f"\nbaseline (always '{base['class']}'): miou {base['miou']:.4f}"
    return text


def _evaluate_detector(cfg: DetConfig, args) -> dict:
    if args.save_pred:
        raise UserError("--save-pred is for stage-2 configs")
    from stage1_detect.detector import Detector   # paddle only once the config is valid
    from stage1_detect.evaluate import evaluate_detector
    return evaluate_detector(Detector.from_files(args.config, args.weights, args.opts), cfg)


def _evaluate_parser(cfg: SegConfig, args) -> dict:
    from stage2_seg.evaluate import evaluate       # paddle only once the config is valid
    from stage2_seg.components import build_trained_model
    model = build_trained_model(cfg, args.weights)
    if args.save_pred:
        with atomic_dir(args.save_pred, overwrite=args.overwrite) as tmp:
            return evaluate(model, cfg, save_pred=tmp)
    return evaluate(model, cfg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", help="experiment YAML (model mode)")
    parser.add_argument("--weights", help="model weights .pdparams (model mode)")
    parser.add_argument("--opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="config overrides, e.g. data.val_root=DIR")
    parser.add_argument("--save-pred", help="model mode: also write predicted label PNGs here")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a non-empty --save-pred folder (default: refuse)")
    parser.add_argument("--pred", help="folder of predicted label PNGs (folder mode)")
    parser.add_argument("--gt", help="folder of ground-truth label PNGs (folder mode)")
    parser.add_argument("--schema", default="sfp18",
                        help="folder mode: class schema name or YAML path (default sfp18)")
    parser.add_argument("--ignore-index", type=int, default=255, help="folder mode (default 255)")
    parser.add_argument("--out", required=True, help="metrics JSON to write")
    args = parser.parse_args()

    if args.pred or args.gt:
        if not (args.pred and args.gt) or args.config or args.weights:
            raise UserError("folder mode takes --pred and --gt (and not -c/--weights)")
        metrics = score_folders(args.pred, args.gt, load_schema(args.schema), args.ignore_index)
    else:
        if not (args.config and args.weights):
            raise UserError("give -c CONFIG and --weights W to evaluate a model, "
                            "or --pred DIR and --gt DIR to score label folders")
        cfg = load_config(args.config, args.opts, stages=("seg", "det"))
        if args.save_pred:          # before any model is loaded
            check_not_inputs(args.save_pred, [args.weights, args.config, cfg.data.val_root],
                             "--save-pred")
            check_output_folder(args.save_pred, args.overwrite, "--save-pred")
        if cfg.stage == "det":
            metrics = _evaluate_detector(cfg, args)
        else:
            metrics = _evaluate_parser(cfg, args)
        metrics.update({"config": args.config, "weights": args.weights})
    write_json(args.out, metrics)
    print(summary(metrics))
    print(f"metrics written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
