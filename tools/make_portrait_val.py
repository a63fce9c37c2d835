"""Build the portrait validation set that spans sources and people, from held-out splits only.

One image_mask folder (images/ and labels/, 0 background, 1 person, 255 unsure) with one clip
folder per source, so the video metrics average over sources rather than over frames:
  davis__<seq>   the held-out davis_person sequences (configs/splits/davis_person.yml val),
                 every --davis-step-th frame, with their real masks;
  celebamask     held-out celebamask_1k ids (splits/celebamask_1k.yml val): every labelled
                 class but background is the person (hair, neck and clothes included);
  lfw            held-out lfw_parts people (splits/lfw_parts.yml val) against the MODNet
                 teacher's mattes (tools/teacher_mattes.py; its labels have no clothes), the
                 teacher's unsure band (0.3 < alpha < 0.7) ignored (with --lfw-mattes);
  ccp, coco_people   full-body people, often several (with --person-sets): held-out
                 Clothing Co-Parsing photos and the COCO people photos;
  unlabelled__<seq>  held-out unlabelled DAVIS sequences with the person teacher's masks
                 (with --teacher-persons): riders, small people.
Images are linked, not copied; a val.yml beside them lists every frame and where it came from.

Examples:
  python tools/make_portrait_val.py --davis ../shared/data/davis_person \\
      --celebamask ../shared/data/celebamask_1k --lfw-mattes runs/teacher/lfw_parts \\
      --out runs/data/portrait_val
  # the people validation (full-body, groups, riders; the person models of this round)
  python tools/make_portrait_val.py --davis ../shared/data/davis_person \\
      --celebamask ../shared/data/celebamask_1k --person-sets runs/data/person_sets \\
      --teacher-persons runs/teacher_persons/davis_unlabelled --out runs/data/people_val
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
    if args.lfw_mattes:
        for stem in read_split_file(SPLITS / "lfw_parts.yml")["val"][:args.per_photo_set]:
            alpha = read_label(args.lfw_mattes / "mattes" / f"{stem}.png")
            _add(out, "lfw", args.lfw_mattes / "images" / f"{stem}.jpg", matte_label(alpha, IGNORE),
                 listing, "lfw_parts (MODNet teacher matte)")
    if args.person_sets:
        _add_person_sets(args.person_sets, args.per_photo_set, out, listing)
    if args.teacher_persons:
        _add_teacher_sequences(args.teacher_persons, args.davis_step, out, listing)
    return listing


def _add_person_sets(root: Path, per_set: int, out: Path, listing: list) -> None:
    """Full-body people (tools/make_person_sets.py): held-out CCP photos (splits/ccp_labelled.yml
    val, real labels) and every COCO people photo (a validation source only)."""
    for stem in read_split_file(SPLITS / "ccp_labelled.yml")["val"][:per_set]:
        _add(out, "ccp", root / "ccp" / "images" / f"{stem}.jpg",
             read_label(root / "ccp" / "masks" / f"{stem}.png"), listing,
             "clothing-co-parsing (real labels, unlabelled bystanders ignored)")
    for mask in sorted((root / "coco_people" / "masks").glob("*.png")):
        _add(out, "coco_people", root / "coco_people" / "images" / f"{mask.stem}.jpg",
             read_label(mask), listing, "coco128 people (real polygons)")


def _add_teacher_sequences(cache: Path, step: int, out: Path, listing: list) -> None:
    """The held-out unlabelled DAVIS sequences (splits/davis_unlabelled.yml val) with the person
    teacher's masks (tools/teacher_persons.py), its unsure band ignored."""
    for name in read_split_file(SPLITS / "davis_unlabelled.yml")["val"][::step]:
        seq, stem = name.split("/")
        alpha = read_label(cache / "mattes" / seq / f"{stem}.png")
        _add(out, f"unlabelled__{seq}", cache / "images" / seq / f"{stem}.jpg",
             matte_label(alpha, IGNORE), listing, "davis_unlabelled (person teacher)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis", type=Path, required=True, help="davis_person folder")
    parser.add_argument("--celebamask", type=Path, required=True, help="celebamask_1k folder")
    parser.add_argument("--lfw-mattes", type=Path,
                        help="the MODNet teacher's matte cache of lfw_parts/images (optional)")
    parser.add_argument("--person-sets", type=Path,
                        help="tools/make_person_sets.py's folder: held-out CCP and COCO people (optional)")
    parser.add_argument("--teacher-persons", type=Path,
                        help="the person teacher's cache of davis_unlabelled: its held-out "
                             "sequences (optional)")
    parser.add_argument("--davis-step", type=int, default=2, help="every n-th frame (default 2)")
    parser.add_argument("--per-photo-set", type=int, default=48,
                        help="held-out photos taken from each photo set (default 48)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    if args.davis_step < 1 or args.per_photo_set < 0:
        parser.error("--davis-step must be >= 1 and --per-photo-set >= 0")
    check_not_inputs(args.out, [args.davis, args.celebamask, args.lfw_mattes, args.person_sets,
                                args.teacher_persons])
    with atomic_dir(args.out, args.overwrite) as tmp:
        listing = build(args, tmp)
        write_text(tmp / "val.yml", "# Portrait validation: held-out frames by source "
                   "(tools/make_portrait_val.py)\n" + yaml.safe_dump(listing))
    print(f"{len(listing)} frames -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
