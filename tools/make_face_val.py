"""Build the face parser's validation that spans close-ups and scenes, from held-out data only.

One image_mask folder (images/ and labels/, CelebAMask-HQ class ids) with one clip folder per
source, so that `eval.best_metric: JF` (J&F averaged over clips and classes) weighs the two
alike where pooled pixels would let the close-ups' large faces decide:
  celebamask  the held-out celebamask_1k faces (configs/splits/celebamask_1k.yml val), each
              face filling its photo;
  scenes      face scenes made from held-out faces on held-out background sequences
              (tools/make_face_scenes.py --split val, e.g. 48-192 px faces in 854x480 scenes).
Images and labels are linked, not copied; a val.yml beside them lists every frame's source.

Example:
  python tools/make_face_val.py --celebamask ../shared/data/celebamask_1k \\
      --scenes data/face_scenes_parse/val --out data/face_val
"""
import argparse
import json
import os
import sys
from pathlib import Path

import yaml

from facevid.cli import run_main
from facevid.data.readers import ChallengeClips
from facevid.data.splits import read_split_file
from facevid.errors import UserError
from facevid.io.files import write_text
from facevid.io.output_folders import atomic_dir, check_not_inputs

SPLITS = Path(__file__).resolve().parent.parent / "configs" / "splits"


def _link(out: Path, clip: str, name: str, image: Path, label: Path) -> None:
    for kind, source in (("images", image), ("labels", label)):
        (out / kind / clip).mkdir(parents=True, exist_ok=True)
        os.symlink(source.resolve(), out / kind / clip / f"{name}{source.suffix}")


def build(celebamask: Path, scenes: Path, out: Path) -> list:
    meta = json.loads((scenes / "meta.json").read_text()) if (scenes / "meta.json").is_file() else {}
    if meta.get("split") != "val":
        raise UserError(f"--scenes {scenes}: not made with tools/make_face_scenes.py --split val "
                        f"(its meta.json says split {meta.get('split')!r}); validation takes held-out "
                        "faces only")
    listing = []
    for stem in read_split_file(SPLITS / "celebamask_1k.yml")["val"]:
        _link(out, "celebamask", stem, celebamask / "images" / f"{stem}.jpg",
              celebamask / "labels" / f"{stem}.png")
        listing.append({"frame": f"celebamask/{stem}", "source": "celebamask_1k val"})
    for ref in ChallengeClips(scenes).frames:
        name = f"{ref.clip}_{ref.image.stem}"
        _link(out, "scenes", name, ref.image, ref.label)
        listing.append({"frame": f"scenes/{name}", "source": f"face scenes {scenes.name}"})
    return listing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--celebamask", type=Path, required=True, help="celebamask_1k folder")
    parser.add_argument("--scenes", type=Path, required=True,
                        help="scenes of tools/make_face_scenes.py --split val")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    for folder in (args.celebamask / "images", args.celebamask / "labels", args.scenes):
        if not folder.is_dir():
            raise UserError(f"{folder}: folder not found")
    check_not_inputs(args.out, [args.celebamask, args.scenes])
    with atomic_dir(args.out, args.overwrite) as tmp:
        listing = build(args.celebamask, args.scenes, tmp)
        write_text(tmp / "val.yml", "# Face parser validation: held-out close-ups and scenes "
                   "(tools/make_face_val.py)\n" + yaml.safe_dump(listing))
    print(f"{len(listing)} frames -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
