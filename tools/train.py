"""Train a model from a YAML config; its `stage:` says which (det: stage 1, seg: stage 2).

Examples:
  python tools/train.py -c configs/stage2_eanet_cat_tiny.yml --out runs/eanet
  python tools/train.py -c configs/stage1_cascade_rcnn_r18_tiny.yml --out runs/det
  python tools/train.py -c configs/stage2_ocrnet_tiny.yml --out runs/tiny
  python tools/train.py -c configs/stage2_ocrnet_tiny.yml --out runs/tiny --resume
  python -m paddle.distributed.launch --nproc_per_node 2 tools/train.py -c CONFIG --out DIR
Hyperparameters live in the YAML; change one for a run with --opts key.path=value.
"""
import argparse

from facevid.cli import run_main
from facevid.config.load import load_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="experiment YAML under configs/")
    parser.add_argument("--out", required=True,
                        help="run folder: checkpoints, best_model.pdparams, VisualDL logs")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the newest complete checkpoint in --out")
    parser.add_argument("--opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="config overrides, e.g. train.iters=100 data.train_root=DIR")
    args = parser.parse_args()
    cfg = load_config(args.config, args.opts, stages=("seg", "det"))
    # paddle is imported only once the config is valid
    if cfg.stage == "det":
        from stage1_detect.train import train
    else:
        from stage2_seg.train import train
    metrics = train(cfg, args.out, resume=args.resume)
    if metrics:
        # a detector's measure is the recall of its first class (faces, or people)
        key = next(k for k in metrics if k.startswith("recall_")) if cfg.stage == "det" else cfg.eval.best_metric
        print(f"done: last val {key} {metrics[key]:.4f}; best weights in {args.out}/best_model.pdparams")


if __name__ == "__main__":
    run_main(main)
