"""Export a stage-2 model for Paddle Inference (output: logits; tools/infer.py then runs it
with oneDNN on the CPU, about five times faster than dygraph).

Example:
  python tools/export.py -c configs/stage2_eanet_cat_tiny.yml --weights runs/eanet/best_model.pdparams \\
      --out runs/eanet/export
"""
import argparse

from facevid.cli import run_main
from facevid.config import load_config
from facevid.files import check_not_inputs, check_output_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="the stage-2 config of the weights")
    parser.add_argument("--weights", required=True, help="model weights .pdparams")
    parser.add_argument("--out", required=True, help="folder to write the exported model into")
    parser.add_argument("--opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="config overrides (e.g. eval.size=[480,480]: the input size)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = parser.parse_args()
    cfg = load_config(args.config, args.opts, stages=("seg",))
    check_not_inputs(args.out, [args.weights, args.config])
    check_output_folder(args.out, args.overwrite)
    from stage2_seg.export import export_parser   # paddle only once the config is valid
    out = export_parser(cfg, args.weights, args.out, overwrite=args.overwrite)
    print(f"exported to {out} (input {cfg['eval']['size'][0]}x{cfg['eval']['size'][1]}, output logits)")


if __name__ == "__main__":
    run_main(main)
