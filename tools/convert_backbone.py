"""Convert an ImageNet-pretrained backbone shipped in a package on the index into Paddle weights.

Reads the package's PyTorch file without torch and writes a .pdparams for paddle.vision's
network of the same name (the classifier included, so the result can be checked on a photo).
Training configs name the written file as their backbone's `pretrained`. Needs the training
extras (`make train-deps`, which also runs this); nothing is fetched at run time.

Example:
  python tools/convert_backbone.py --arch mobilenet_v2 --out pretrained/mobilenet_v2_imagenet.pdparams
"""
import argparse
import sys
from pathlib import Path

from facevid.cli import run_main
from facevid.pretrained.backbones import BACKBONES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(BACKBONES), default="mobilenet_v2",
                        help="which backbone (default mobilenet_v2)")
    parser.add_argument("--pth", type=Path, default=None,
                        help="the PyTorch file (default: the one its package ships)")
    parser.add_argument("--out", type=Path, required=True, help=".pdparams file to write")
    args = parser.parse_args()
    if args.out.suffix != ".pdparams":
        parser.error("--out must end in .pdparams")
    from facevid.pretrained.convert import convert
    names = convert(args.arch, args.pth or BACKBONES[args.arch].path(), args.out)
    print(f"{args.arch}: {names} tensors -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
