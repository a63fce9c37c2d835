"""Write a train/val split file for an image + label folder, by image name.

A name goes to val when the hash of its group falls in the first --val-fraction of the hash
range, so the split depends neither on the file order nor on images added later. Group by
person (LFW: `Name_Surname_0003` -> `Name_Surname`) so one identity is never on both sides,
or by clip folder (DAVIS sequences) so frames of one video stay together.

Examples:
  python tools/make_split.py --root ../shared/data/celebamask_1k --label-dir labels \\
      --salt celebamask_1k --out configs/splits/celebamask_1k.yml
  python tools/make_split.py --root ../shared/data/lfw_parts --label-dir labels \\
      --group person --salt lfw_parts --out configs/splits/lfw_parts.yml
"""
import argparse
import sys
from pathlib import Path

import yaml

from facevid.cli import run_main
from facevid.io.files import write_text
from facevid.data.readers import ImageMaskFolder
from facevid.data.splits import frame_name, hash_split

GROUPS = {
    "image": lambda name: name,
    "person": lambda name: name.rsplit("_", 1)[0],
    "clip": lambda name: name.split("/", 1)[0],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="data folder (image_mask layout)")
    parser.add_argument("--image-dir", default="images", help="image sub-folder (default images)")
    parser.add_argument("--label-dir", default="masks", help="label sub-folder (default masks)")
    parser.add_argument("--group", choices=sorted(GROUPS), default="image",
                        help="what must not be split across train and val (default image)")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="share of groups held out for validation (default 0.1)")
    parser.add_argument("--salt", required=True,
                        help="a word mixed into the hash (the data set's name); another salt, "
                             "another split")
    parser.add_argument("--out", required=True, help="split YAML to write")
    args = parser.parse_args()
    if not 0 < args.val_fraction < 1:
        parser.error("--val-fraction must be between 0 and 1")
    reader = ImageMaskFolder(Path(args.root), args.image_dir, args.label_dir)
    names = [frame_name(ref) for ref in reader.frames]
    split = hash_split(names, args.val_fraction, args.salt, GROUPS[args.group])
    header = (f"# Split of {Path(args.root).name} by {args.group}: a name is in val when "
              f"sha1('{args.salt}:' + its {args.group}) read as 8 hex digits\n# falls below "
              f"{args.val_fraction} of the range. Written by tools/make_split.py; never train "
              "on val.\n")
    write_text(args.out, header + yaml.safe_dump(split, default_flow_style=False))
    print(f"{len(split['train'])} train, {len(split['val'])} val images -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
