"""Generate synthetic short-video clips with face-parsing (or portrait) labels.

Example: python tools/make_synthetic.py --out data/synth/train --clips 16 --seed 1
"""
import argparse

from tqdm import tqdm

from facevid.cli import run_main
from facevid.synthetic.clips import TASKS, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output folder (written all at once)")
    parser.add_argument("--clips", type=int, default=8, help="number of clips (default 8)")
    parser.add_argument("--frames", type=int, default=8, help="frames per clip (default 8)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed; the same seed gives the same clips (default 0)")
    parser.add_argument("--size", type=int, nargs=2, default=(384, 288), metavar=("W", "H"),
                        help="frame size in pixels (default 384 288)")
    parser.add_argument("--task", choices=TASKS, default="face",
                        help="face: sfp18 face-parsing ids; portrait: person=1 vs background=0")
    parser.add_argument("--video", action="store_true",
                        help="also write each clip as <clip>/clip.mp4 (input for tools/infer.py)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = parser.parse_args()
    with tqdm(total=args.clips, desc="clips", unit="clip") as bar:
        out = generate(args.out, clips=args.clips, seed=args.seed, frames=args.frames,
                       size=tuple(args.size), task=args.task, overwrite=args.overwrite, video=args.video,
                       progress=lambda done: bar.update(1))
    print(f"wrote {args.clips} clips x {args.frames} frames to {out}")


if __name__ == "__main__":
    run_main(main)
