"""Export a stage-2 model (output: logits) or a stage-1 detector (output: boxes) for Paddle
Inference; a pipeline entry with `export_dir` then runs it with oneDNN on the CPU.

Example:
  python tools/export.py -c configs/stage2_eanet_cat_tiny.yml --weights runs/eanet/best_model.pdparams \\
      --out runs/eanet/export
"""
import argparse

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.io.output_folders import check_not_inputs, check_output_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True,
                        help="the config of the weights: a stage-2 model or a stage-1 detector")
    parser.add_argument("--weights", required=True, help="model weights .pdparams")
    parser.add_argument("--out", required=True, help="folder to write the exported model into")
    parser.add_argument("--opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="config overrides (e.g. eval.size=[480,480]: a parser's input size)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    args = parser.parse_args()
    cfg = load_config(args.config, args.opts, stages=("seg", "det"))
    check_not_inputs(args.out, [args.weights, args.config])
    check_output_folder(args.out, args.overwrite)
    from pipeline.engine import export_model   # paddle only once the config is valid
    out = export_model(cfg, args.weights, args.out, overwrite=args.overwrite)
    if cfg.stage == "det":
        print(f"exported the detector to {out} (any input size; output boxes)")
    else:
        print(f"exported to {out} (input {cfg.eval.size[0]}x{cfg.eval.size[1]}, output logits)")


if __name__ == "__main__":
    run_main(main)
