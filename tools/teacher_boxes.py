"""Label the faces of real frames that carry no face labels with a teacher's boxes, once.

The teacher is SCRFD-2.5G (stage1_detect/teacher.py; `make train-deps` installs onnxruntime and
extracts its ONNX file). Its boxes (score >= --min-score) go into OUT/boxes.json, keyed by each
image's path below --images; a detector config's data.box_sets trains on them (positives where
the teacher is sure, frames with an unsure face left out). Resumable: run it again and it
continues where it stopped. On CelebAMask-HQ faces its boxes match the project's mask-derived
face boxes closely (median IoU 0.85), so they are used as they are.

Examples:
  python tools/teacher_boxes.py --images ../shared/data/davis_person/JPEGImages --out runs/teacher_boxes/davis_person
  python tools/teacher_boxes.py --images ../shared/data/davis_unlabelled --out runs/teacher_boxes/davis_unlabelled
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
    parser.add_argument("--out", required=True, type=Path, help="box cache folder to fill")
    parser.add_argument("--onnx", type=Path, default=None,
                        help="SCRFD-2.5G ONNX file (default: pretrained/scrfd.onnx)")
    parser.add_argument("--min-score", type=float, default=0.3,
                        help="keep boxes at or above this score (default 0.3; training chooses "
                             "its sure and unsure cuts above it)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    args = parser.parse_args()
    if not 0 < args.min_score < 1 or args.threads < 1:
        parser.error("--min-score must lie in (0, 1) and --threads be >= 1")
    if not args.images.is_dir():
        raise UserError(f"--images {args.images}: folder not found")
    from stage1_detect.teacher import SCRFD_FILE, ScrfdTeacher, write_teacher_boxes
    teacher = ScrfdTeacher(args.onnx or SCRFD_FILE, threshold=args.min_score, threads=args.threads)
    # Checked before any image is labelled: an --out that cannot hold the boxes fails now.
    open_label_cache(args.images, args.out, {"teacher": "SCRFD-2.5G", "min_score": args.min_score})
    done = write_teacher_boxes(args.images, args.out, teacher, args.min_score,
                               progress=lambda todo: tqdm(todo, desc="teacher boxes", unit="image"))
    print(f"{done} images labelled into {args.out / 'boxes.json'}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
