"""Build the portrait validation set that spans sources and people, from held-out splits only.

One image_mask folder (images/ and labels/, 0 background, 1 person, 255 unsure) with one clip
folder per source, so the video metrics average over sources rather than over frames:
  davis__<seq>   the held-out davis_person sequences (configs/splits/davis_person.yml val),
                 every --davis-step-th frame, with their real masks;
  celebamask     held-out celebamask_1k ids (splits/celebamask_1k.yml val): every labelled
                 class but background is the person (hair, neck and clothes included);
  lfw            held-out lfw_parts people (splits/lfw_parts.yml val) against the MODNet
                 teacher's mattes (tools/teacher_mattes.py; its labels have no clothes), the
                 teacher's unsure band (0.3 < alpha < 0.7) ignored.
Images are linked, not copied; a val.yml beside them lists every frame and where it came from.

Example:
  python tools/make_portrait_val.py --davis ../shared/data/davis_person \\
      --celebamask ../shared/data/celebamask_1k --lfw-mattes runs/teacher/lfw_parts \\
      --out runs/data/portrait_val
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np
import yaml

from facevid.cli import run_main
from facevid.io.files import read_label, write_image, write_text
from facevid.io.output_folders import atomic_dir, check_not_inputs
from facevid.data.readers import matte_label
from facevid.data.splits import read_split_file

SPLITS = Path(__file__).resolve().parent.parent / "configs" / "splits"
IGNORE = 255


def _add(out: Path, clip: str, image: Path, label: np.ndarray, listing: list, source: str) -> None:
    (out / "images" / clip).mkdir(parents=True, exist_ok=True)
    os.symlink(image.resolve(), out / "images" / clip / image.name)
    write_image(out / "labels" / clip / f"{image.stem}.png", label)
    listing.append({"frame": f"{clip}/{image.stem}", "source": source})


def build(args, out: Path) -> list:
    listing: list = []
    davis_val = read_split_file(SPLITS / "davis_person.yml")["val"]
    for name in davis_val[::args.davis_step]:
        seq, stem = name.split("/")
        mask = read_label(args.davis / "Annotations" / seq / f"{stem}.png")
        _add(out, f"davis__{seq}", args.davis / "JPEGImages" / seq / f"{stem}.jpg",
             (mask > 0).astype(np.uint8), listing, "davis_person (real mask)")
    for stem in read_split_file(SPLITS / "celebamask_1k.yml")["val"][:args.per_photo_set]:
        label = read_label(args.celebamask / "labels" / f"{stem}.png")
        _add(out, "celebamask", args.celebamask / "images" / f"{stem}.jpg",
             (label > 0).astype(np.uint8), listing, "celebamask_1k (real parts as person)")
    for stem in read_split_file(SPLITS / "lfw_parts.yml")["val"][:args.per_photo_set]:
        alpha = read_label(args.lfw_mattes / "mattes" / f"{stem}.png")
        _add(out, "lfw", args.lfw_mattes / "images" / f"{stem}.jpg", matte_label(alpha, IGNORE),
             listing, "lfw_parts (MODNet teacher matte)")
    return listing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis", type=Path, required=True, help="davis_person folder")
    parser.add_argument("--celebamask", type=Path, required=True, help="celebamask_1k folder")
    parser.add_argument("--lfw-mattes", type=Path, required=True,
                        help="the teacher's matte cache of lfw_parts/images")
    parser.add_argument("--davis-step", type=int, default=2, help="every n-th frame (default 2)")
    parser.add_argument("--per-photo-set", type=int, default=48,
                        help="held-out photos taken from each photo set (default 48)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    if args.davis_step < 1 or args.per_photo_set < 0:
        parser.error("--davis-step must be >= 1 and --per-photo-set >= 0")
    check_not_inputs(args.out, [args.davis, args.celebamask, args.lfw_mattes])
    with atomic_dir(args.out, args.overwrite) as tmp:
        listing = build(args, tmp)
        write_text(tmp / "val.yml", "# Portrait validation: held-out frames by source "
                   "(tools/make_portrait_val.py)\n" + yaml.safe_dump(listing))
    print(f"{len(listing)} frames -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
