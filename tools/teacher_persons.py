"""Label the people of real frames with the person teacher, once: boxes and soft masks.

The teacher (stage1_detect/person_teacher.py) finds people with the SSD-MobileNetV2 COCO
detector and outlines each with MediaPipe's pose segmentation inside its box; both are
Apache-2.0 and come from packages on the index (`make train-deps`). OUT gets
  images/       a link to --images
  mattes/       the person probability x 255 per image (PNG; 128 = a person without outline,
                which training ignores): an image_mask set with `mask_values: matte`
  boxes.json    the person boxes per image, for a detector config's data.box_sets
  teacher.json  the settings; a resumed run must use the same ones
Resumable: run it again and it continues where it stopped.

Examples:
  python tools/teacher_persons.py --images ../shared/data/davis_unlabelled --out runs/teacher_persons/davis_unlabelled
  python tools/teacher_persons.py --images DATA/ccp/photos --out runs/teacher_persons/ccp
"""
import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from facevid.cli import run_main
from facevid.data.readers import images_under
from facevid.errors import UserError
from facevid.io.label_cache import open_label_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", required=True, type=Path,
                        help="folder of images (sub-folders are walked, hidden files skipped)")
    parser.add_argument("--out", required=True, type=Path, help="label cache folder to fill")
    parser.add_argument("--box-score", type=float, default=0.3,
                        help="keep the detector's person boxes at or above this score (default "
                             "0.3; training chooses its sure and unsure cuts above it)")
    parser.add_argument("--pad", type=float, default=0.15,
                        help="each box grown by this fraction per side before the pose model "
                             "looks inside (default 0.15)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    args = parser.parse_args()
    if not 0 < args.box_score < 1 or not 0 <= args.pad <= 1 or args.threads < 1:
        parser.error("--box-score must lie in (0, 1), --pad in [0, 1] and --threads be >= 1")
    if not args.images.is_dir():
        raise UserError(f"--images {args.images}: folder not found")
    if not images_under(args.images):
        raise UserError(f"--images {args.images}: holds no images (.jpg, .jpeg, .png, .bmp)")
    from stage1_detect.person_teacher import PersonTeacher, TEACHER_NAME, find_ssd, write_person_labels
    graph, text = find_ssd()
    open_label_cache(args.images, args.out, {"teacher": TEACHER_NAME, "box_score": args.box_score,
                                              "pad": args.pad})
    teacher = PersonTeacher(graph, text, box_score=args.box_score, pad=args.pad, threads=args.threads)
    done = write_person_labels(args.images, args.out, teacher,
                               progress=lambda todo: tqdm(todo, desc="person teacher", unit="image"))
    teacher.close()
    print(f"{done} images labelled into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
