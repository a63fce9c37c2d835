"""Turn a label-map data set into COCO detection json: a face box per connected face (the union
of the schema's face classes; --include-hair adds hair) and a person box per connected person,
with frames without faces kept as negatives.

Example:
  python tools/make_det_dataset.py --root data/synth/train --format challenge --schema sfp18 \\
      --out data/synth/train_boxes.json
"""
import argparse
import sys

from tqdm import tqdm

from facevid.cli import run_main
from facevid.data.readers import READER_FORMATS
from facevid.io.files import write_json
from facevid.boxes.mask_boxes import coco_from_reader
from facevid.data.splits import box_class_ids
from facevid.data.readers import open_reader
from facevid.data.schema import load_schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="data set folder")
    parser.add_argument("--format", choices=READER_FORMATS, default="challenge",
                        help="data layout (default challenge)")
    parser.add_argument("--schema", default="sfp18", help="class schema name or YAML (default sfp18)")
    parser.add_argument("--include-hair", action="store_true", help="hair counts as face")
    parser.add_argument("--no-persons", action="store_true", help="face boxes only")
    parser.add_argument("--min-pixels", type=int, default=16,
                        help="smaller regions get no box (default 16)")
    parser.add_argument("--ignore-index", type=int, default=255)
    parser.add_argument("--image-dir", default="images", help="image_mask format only")
    parser.add_argument("--label-dir", default="masks", help="image_mask format only")
    parser.add_argument("--mask-values", choices=("ids", "binary"), default="ids",
                        help="image_mask format only")
    parser.add_argument("--out", required=True, help="COCO json to write")
    args = parser.parse_args()
    schema = load_schema(args.schema)
    reader = open_reader(args.format, args.root, schema, args.image_dir, args.label_dir,
                         args.mask_values, args.ignore_index)
    ids = box_class_ids(schema, args.include_hair)
    with tqdm(total=len(reader), desc="frames", unit="frame") as bar:
        coco = coco_from_reader(reader, ids, args.ignore_index, args.min_pixels,
                                with_persons=not args.no_persons, relative_to=args.root,
                                progress=lambda done: bar.update(1))
    write_json(args.out, coco)
    faces = sum(a["category_id"] == 1 for a in coco["annotations"])
    empty = len(coco["images"]) - len({a["image_id"] for a in coco["annotations"] if a["category_id"] == 1})
    print(f"{len(coco['images'])} frames, {faces} face boxes, "
          f"{len(coco['annotations']) - faces} person boxes, {empty} frames without a face",
          file=sys.stderr)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    run_main(main)
