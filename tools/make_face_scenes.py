"""Paste real labelled faces into real scenes at the scales of video, for the face detector.

Faces come from the CelebAMask-HQ subset (and optionally LFW parts, whose skin and hair become
CelebAMask-HQ's skin and hair), taken from one side of their split files only; backgrounds are
scenes without people (DAVIS), split by sequence so validation scenes are never trained on.
Labels are written in the CelebAMask-HQ schema (challenge layout), so tools/train.py derives the
face boxes from the masks as for any data set.

Examples:
  python tools/make_face_scenes.py --split train --count 1500 --seed 1 --out data/face_scenes/train \\
      --celebamask ../shared/data/celebamask_1k --lfw ../shared/data/lfw_parts \\
      --backgrounds ../shared/data/davis_backgrounds
  python tools/make_face_scenes.py --split val --count 200 --seed 2 --out data/face_scenes/val ...
  # faces in their surroundings too (the shipped detector's second set, see weights/README.md)
  python tools/make_face_scenes.py --split train --count 1500 --seed 3 --face-px 20 360 \\
      --context-prob 0.5 --full-frame-prob 0.2 --out data/face_scenes_v2/train ...
"""
import argparse
from pathlib import Path

from tqdm import tqdm

from facevid.cli import run_main
from facevid.synthetic.face_scenes import SceneSettings, label_lut, make_scenes, split_backgrounds, split_faces
from facevid.data.schema import load_schema
from facevid.io.output_folders import check_not_inputs

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ROOT / "configs" / "splits"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("train", "val"), required=True,
                        help="which side of the face and background splits to draw from")
    parser.add_argument("--celebamask", required=True, help="celebamask_1k folder (images/, labels/)")
    parser.add_argument("--lfw", help="lfw_parts folder (images/, labels/), optional")
    parser.add_argument("--backgrounds", required=True, help="folder of scenes without people")
    parser.add_argument("--count", type=int, default=1000, help="number of scenes (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same scenes (default 0)")
    parser.add_argument("--size", type=int, nargs=2, default=(640, 360), metavar=("W", "H"),
                        help="scene size in pixels (default 640 360)")
    parser.add_argument("--face-px", type=float, nargs=2, default=(20.0, 300.0), metavar=("MIN", "MAX"),
                        help="pasted face width range in pixels, drawn log-uniformly (default 20 300)")
    parser.add_argument("--context-prob", type=float, default=0.0,
                        help="share of pasted faces that keep their whole photo around them "
                             "(default 0: cut-out heads only)")
    parser.add_argument("--full-frame-prob", type=float, default=0.0,
                        help="share of scenes that are one face photo filling the frame (default 0)")
    parser.add_argument("--out", required=True, help="output folder (written all at once)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = parser.parse_args()
    if args.count <= 0 or min(args.size) < 64:
        parser.error("--count must be positive and --size at least 64 64")
    if not 1 <= args.face_px[0] <= args.face_px[1]:
        parser.error("--face-px needs 1 <= MIN <= MAX")
    if not (0 <= args.context_prob <= 1 and 0 <= args.full_frame_prob <= 1):
        parser.error("--context-prob and --full-frame-prob are shares between 0 and 1")
    check_not_inputs(args.out, [args.celebamask, args.lfw, args.backgrounds])
    backgrounds = split_backgrounds(Path(args.backgrounds), args.split)
    schema = load_schema("celebamask_hq")
    sources = [split_faces(args.celebamask, SPLITS / "celebamask_1k.yml", args.split, label_lut([]))]
    if args.lfw:
        lfw = label_lut([(1, schema.index("skin")), (2, schema.index("hair"))])
        sources.append(split_faces(args.lfw, SPLITS / "lfw_parts.yml", args.split, lfw))
    with tqdm(total=args.count, desc="scenes", unit="scene") as bar:
        out = make_scenes(Path(args.out), args.count, args.seed, backgrounds, sources, schema,
                          SceneSettings(size=tuple(args.size), face_px=tuple(args.face_px),
                                        context_prob=args.context_prob,
                                        full_frame_prob=args.full_frame_prob, split=args.split),
                          args.overwrite,
                          progress=lambda done: bar.update(1))
    print(f"wrote {args.count} scenes from {len(backgrounds)} backgrounds to {out}")


if __name__ == "__main__":
    run_main(main)
