"""Turn the fetched full-body person sets into image_mask folders (0 background, 1 person, 255
ignored) that configs and tools/make_portrait_val.py read.

- Clothing Co-Parsing (`--ccp`, a checkout of bearpaw/clothing-co-parsing; photos from a fashion
  site, rights not stated: research use): photos 0001-1004 with pixel labels
  (annotations/pixel-level/NNNN.mat, 59 clothing classes, 0 = background), so person = label > 0.
  One standing person is labelled per photo; people behind them are not. With --ccp-teacher (the
  person teacher's cache of the same photos, tools/teacher_persons.py) pixels the teacher calls
  a person outside the labelled one are ignored rather than taught as background.
- COCO people (`--coco`, the coco128-seg folder of Goodccccl/yolov8_python; CC BY 4.0
  annotations): the images with a person polygon (YOLO format: class 0 = person, normalised
  x y pairs), the polygons filled. A validation source: too few to train on.

Writes OUT/ccp/{images,masks}, OUT/coco_people/{images,masks} and OUT/sources.json. The data is
not the project's: nothing of it is committed.

Example:
  python tools/make_person_sets.py --ccp DATA/clothing-co-parsing --ccp-teacher runs/teacher_persons/ccp \\
      --coco DATA/coco128-seg --out runs/data/person_sets
"""
import argparse
import shutil
import sys
from pathlib import Path
from typing import Optional

from tqdm import tqdm

from facevid.cli import run_main
from facevid.data.person_sets import ccp_mask, coco_person_mask
from facevid.errors import UserError
from facevid.io.files import read_image, write_image, write_json
from facevid.io.output_folders import atomic_dir, check_not_inputs

def write_ccp(ccp: Path, teacher: Optional[Path], out: Path) -> int:
    mats = sorted((ccp / "annotations" / "pixel-level").glob("*.mat"))
    if not mats:
        raise UserError(f"--ccp {ccp}: no annotations/pixel-level/*.mat; give the checkout of "
                        "bearpaw/clothing-co-parsing")
    written = 0
    for mat in tqdm(mats, desc="ccp", unit="photo"):
        photo = ccp / "photos" / f"{mat.stem}.jpg"
        matte = teacher / "mattes" / f"{mat.stem}.png" if teacher else None
        mask = ccp_mask(mat, matte)
        if not (mask == 1).any():          # 0536.mat is empty
            continue
        shutil.copyfile(photo, out / "images" / photo.name)
        write_image(out / "masks" / f"{mat.stem}.png", mask)
        written += 1
    return written


def write_coco(coco: Path, out: Path) -> int:
    images = sorted((coco / "images" / "train2017").glob("*.jpg"))
    if not images:
        raise UserError(f"--coco {coco}: no images/train2017/*.jpg; give the coco128-seg folder")
    written = 0
    for image in tqdm(images, desc="coco", unit="photo"):
        label_file = coco / "labels" / "train2017" / f"{image.stem}.txt"
        if not label_file.is_file():
            continue
        height, width = read_image(image).shape[:2]
        mask = coco_person_mask(label_file, height, width)
        if mask is not None:
            shutil.copyfile(image, out / "images" / image.name)
            write_image(out / "masks" / f"{image.stem}.png", mask)
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ccp", type=Path, required=True, help="clothing-co-parsing checkout")
    parser.add_argument("--ccp-teacher", type=Path,
                        help="the person teacher's cache of --ccp's photos (ignores the people "
                             "CCP leaves unlabelled)")
    parser.add_argument("--coco", type=Path, required=True, help="coco128-seg folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--overwrite", action="store_true", help="replace an --out this tool made")
    args = parser.parse_args()
    check_not_inputs(args.out, [args.ccp, args.ccp_teacher, args.coco])
    with atomic_dir(args.out, args.overwrite) as tmp:
        for name in ("ccp", "coco_people"):
            for sub in ("images", "masks"):
                (tmp / name / sub).mkdir(parents=True)
        counts = {"ccp": write_ccp(args.ccp, args.ccp_teacher, tmp / "ccp"),
                  "coco_people": write_coco(args.coco, tmp / "coco_people")}
        write_json(tmp / "sources.json", {
            "ccp": {"from": str(args.ccp.resolve()), "photos": counts["ccp"],
                    "teacher_ignore": str(args.ccp_teacher) if args.ccp_teacher else None,
                    "licence": "repository Apache-2.0; photos from a fashion site, rights not "
                               "stated: research use"},
            "coco_people": {"from": str(args.coco.resolve()), "photos": counts["coco_people"],
                            "licence": "COCO annotations CC BY 4.0; images Flickr, their own terms"},
            "values": "0 background, 1 person, 255 ignored"})
    print(f"{counts['ccp']} CCP and {counts['coco_people']} COCO people photos -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
