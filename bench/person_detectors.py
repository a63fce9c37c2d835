"""Finding people on held-out real frames: our Cascade-RCNN person detector, the whole-frame
finder of the portrait pipeline (its mask's regions as boxes) and the person teacher's SSD
boxes, in one run, per source.

Sets (all held out from training):
  coco_people      the COCO people photos (tools/make_person_sets.py's source): one true box
                   per person polygon, small people and groups included;
  ccp_val          held-out Clothing Co-Parsing photos (splits/ccp_labelled.yml val): the
                   labelled person's box (bystanders carry no box, so only recall is fair);
  davis_val        the held-out davis_person sequences: a box per connected region of the mask;
  unlabelled_val   the held-out unlabelled DAVIS sequences: the person teacher's sure boxes
                   (its SSD row there is the teacher against itself);
  backgrounds_val  the held-out person-free scenes: every box is a false one.
Per detector and set: recall at IoU 0.5 at the detector's operating point, overall and by the
person's height as a share of the frame's (small < 0.15 <= medium < 0.4 <= large), AP50 where
the truth is complete (COCO, DAVIS), boxes per frame and milliseconds per image (meaningful
only on a quiet machine).

Example:
  python bench/person_detectors.py --coco DATA/coco128-seg --person-sets runs/data/person_sets \\
      --teacher-persons runs/teacher_persons/davis_unlabelled \\
      --detector configs/stage1_cascade_rcnn_persons_mnv2_cpu.yml=runs/train/person_det/best_model.pdparams \\
      --finder configs/stage2_portrait_mnv2_cpu.yml=weights/portrait_mnv2_distilled.pdparams \\
      --ssd --out bench/results/person_detectors
"""
import argparse
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import numpy as np

from facevid.boxes.crops import region_boxes
from facevid.boxes.detections import Detections, box_iou
from facevid.boxes.mask_boxes import PERSON
from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.config.sections import BoxSetEntry
from facevid.data.person_sets import coco_person_polygons, polygon_boxes
from facevid.data.splits import read_split_file
from facevid.errors import UserError
from facevid.io.files import read_image, read_label, write_json, write_text
from stage1_detect.box_sets import open_box_set
from stage1_detect.evaluate import add_coco_frame, coco_ap

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ROOT / "configs" / "splits"
Detect = Callable[[np.ndarray], Detections]
Frames = Callable[[], Iterator[Tuple[np.ndarray, np.ndarray]]]    # -> (RGB, true boxes N x 4)
SIZES = (("small", 0.0, 0.15), ("medium", 0.15, 0.4), ("large", 0.4, 10.0))


def coco_frames(coco: Path) -> Frames:
    def frames():
        for image in sorted((coco / "images" / "train2017").glob("*.jpg")):
            label = coco / "labels" / "train2017" / f"{image.stem}.txt"
            rgb = read_image(image)
            polygons = coco_person_polygons(label, *rgb.shape[:2]) if label.is_file() else []
            if polygons:
                yield rgb, polygon_boxes(polygons)
    return frames


def mask_frames(pairs: List[Tuple[Path, Path]], person_value: int, largest_only: bool) -> Frames:
    """Frames with a person mask (`person_value` on the person: 255 in DAVIS, 1 in
    tools/make_person_sets.py's sets, where 255 is ignored): a box per region, or the largest
    region's only (a set that labels one person per photo)."""
    def frames():
        for image, mask in pairs:
            label = (read_label(mask) == person_value).astype(np.uint8)
            boxes = np.array(region_boxes(label, [1], min_pixels=64), np.float32).reshape(-1, 4)
            yield read_image(image), boxes[:1] if largest_only else boxes
    return frames


def held_out_sets(args) -> Dict[str, Tuple[Frames, bool]]:
    """name -> (frames, whether its truth is complete: AP and false boxes count)."""
    sets: Dict[str, Tuple[Frames, bool]] = {}
    if args.coco:
        sets["coco_people"] = (coco_frames(args.coco), True)
    if args.person_sets:
        ccp = args.person_sets / "ccp"
        names = read_split_file(SPLITS / "ccp_labelled.yml")["val"]
        sets["ccp_val"] = (mask_frames([(ccp / "images" / f"{n}.jpg", ccp / "masks" / f"{n}.png")
                                        for n in names], 1, largest_only=True), False)
    if args.davis:
        names = read_split_file(SPLITS / "davis_person.yml")["val"][::args.step]
        sets["davis_val"] = (mask_frames([(args.davis / "JPEGImages" / f"{n}.jpg",
                                           args.davis / "Annotations" / f"{n}.png") for n in names],
                                         255, largest_only=False), True)
    if args.teacher_persons:
        # The teacher's sure boxes (>= 0.5) are the truth, and no frame is left out for an unsure
        # one (riders on horses score 0.3-0.5): recall is fair, AP is not (given for none).
        box_set = open_box_set(BoxSetEntry(root=str(args.teacher_persons), share=0.5, unsure_score=0.5,
                                           split_file=str(SPLITS / "davis_unlabelled.yml")), side="val")
        sets["unlabelled_val"] = (lambda: ((read_image(p), b) for p, b in
                                           zip(box_set.images[::args.step], box_set.boxes[::args.step])), False)
    if args.backgrounds:
        names = read_split_file(SPLITS / "davis_backgrounds.yml")["val"]
        sets["backgrounds_val"] = (lambda: ((read_image(args.backgrounds / f"{n}.jpg"),
                                             np.zeros((0, 4), np.float32)) for n in names), True)
    return sets


def score(detect: Detect, frames: Frames, complete: bool) -> Dict[str, float]:
    gt = {"images": [], "annotations": [], "categories": [{"id": PERSON, "name": "person"}]}
    results, seconds, boxes_per_frame = [], [], []
    found = {name: [0, 0] for name, _, _ in SIZES}
    for rgb, truth in frames():
        tic = time.perf_counter()
        dets = detect(rgb)
        seconds.append(time.perf_counter() - tic)
        boxes_per_frame.append(len(dets.boxes))
        hit = box_iou(truth, dets.boxes).max(1) >= 0.5 if len(truth) and len(dets.boxes) \
            else np.zeros(len(truth), bool)
        share = (truth[:, 3] - truth[:, 1]) / rgb.shape[0]
        for name, low, high in SIZES:
            inside = (share >= low) & (share < high)
            found[name][0] += int(hit[inside].sum())
            found[name][1] += int(inside.sum())
        add_coco_frame(gt, results, (rgb.shape[1], rgb.shape[0]), truth, [PERSON] * len(truth), dets)
    hits, total = sum(f[0] for f in found.values()), sum(f[1] for f in found.values())
    row = {"images": len(seconds), "people": total, "recall_iou50": hits / total if total else None,
           **{f"recall_{name}": (h / n if n else None) for name, (h, n) in found.items()},
           **{f"people_{name}": n for name, (_, n) in found.items()},
           "boxes_per_frame": float(np.mean(boxes_per_frame)) if boxes_per_frame else 0.0,
           "ms_per_image": 1000 * float(np.mean(seconds[3:] or seconds)) if seconds else None}
    if complete:
        row["AP50"] = coco_ap(gt, results)["AP50"]
    return row


def _named(spec: str) -> Tuple[str, Path, Path]:
    """NAME:CONFIG=WEIGHTS or CONFIG=WEIGHTS (named after the weights' stem)."""
    name, _, rest = spec.rpartition(":") if ":" in spec.split("=")[0] else ("", "", spec)
    config, _, weights = rest.partition("=")
    if not config or not weights:
        raise UserError(f"{spec}: give CONFIG=WEIGHTS (optionally NAME:CONFIG=WEIGHTS)")
    return name or Path(weights).parent.name + "/" + Path(weights).stem, Path(config), Path(weights)


def detectors(args) -> Dict[str, Detect]:
    found: Dict[str, Detect] = {}
    for spec in args.detector:
        from stage1_detect.detector import Detector
        name, config, weights = _named(spec)
        detector = Detector.from_files(config, weights, args.detector_opts, threads=args.threads)
        found[f"cascade {name}"] = lambda rgb, d=detector: _people(d(rgb))
    for spec in args.finder:
        from pipeline.mask_detector import MaskDetector
        name, config, weights = _named(spec)
        finder = MaskDetector.from_loaded(load_config(config, stages=("seg",)), weights, threads=args.threads)
        found[f"finder {name}"] = finder
    if args.ssd:
        from stage1_detect.person_teacher import PersonTeacher, find_ssd
        teacher = PersonTeacher(*find_ssd(), box_score=0.5, threads=args.threads)
        found["SSD-MobileNetV2 COCO (the teacher's boxes, score >= 0.5)"] = lambda rgb: _ssd(teacher, rgb)
    if not found:
        raise UserError("name at least one of --detector, --finder, --ssd")
    return found


def _ssd(teacher, rgb: np.ndarray) -> Detections:
    boxes, scores = teacher.person_boxes(rgb)
    return Detections(boxes, scores, np.full(len(boxes), PERSON, np.int64))


def _people(dets: Detections) -> Detections:
    keep = dets.class_ids == PERSON
    return Detections(dets.boxes[keep], dets.scores[keep], dets.class_ids[keep])


def write_results(out: Path, rows: Dict[str, Dict[str, Dict]], args) -> None:
    command = {k: [str(x) for x in v] if isinstance(v, list) else (str(v) if isinstance(v, Path) else v)
               for k, v in vars(args).items()}
    write_json(out / "results.json", {"rows": rows, "command": command})
    lines = ["| detector | set | images | people | recall@0.5 | small | medium | large | AP50 | boxes/frame | ms/image |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    fmt = lambda v: "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
    for detector, sets in rows.items():
        for name, r in sets.items():
            lines.append(f"| {detector} | {name} | {r['images']} | {r['people']} | {fmt(r['recall_iou50'])} | "
                         f"{fmt(r['recall_small'])} ({r['people_small']}) | {fmt(r['recall_medium'])} "
                         f"({r['people_medium']}) | {fmt(r['recall_large'])} ({r['people_large']}) | "
                         f"{fmt(r.get('AP50'))} | {fmt(r['boxes_per_frame'])} | {fmt(r['ms_per_image'])} |")
    write_text(out / "results.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detector", action="append", default=[], metavar="[NAME:]CONFIG=WEIGHTS",
                        help="a stage-1 person detector (repeatable)")
    parser.add_argument("--detector-opts", nargs="*", default=[], metavar="KEY=VALUE",
                        help="overrides of every --detector's config, e.g. its operating point: "
                             "infer.score_threshold=0.5 \"train.image_size=[512,288]\"")
    parser.add_argument("--finder", action="append", default=[], metavar="[NAME:]CONFIG=WEIGHTS",
                        help="a whole-frame stage-2 model used as the finder (repeatable)")
    parser.add_argument("--ssd", action="store_true", help="the person teacher's SSD boxes as a peer")
    parser.add_argument("--coco", type=Path, help="coco128-seg folder")
    parser.add_argument("--person-sets", type=Path, help="tools/make_person_sets.py's folder")
    parser.add_argument("--davis", type=Path, help="davis_person folder")
    parser.add_argument("--teacher-persons", type=Path, help="the person teacher's cache of davis_unlabelled")
    parser.add_argument("--backgrounds", type=Path, help="davis_backgrounds folder")
    parser.add_argument("--step", type=int, default=2, help="every n-th video frame (default 2)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sets = held_out_sets(args)
    if not sets:
        parser.error("name at least one set (--coco, --person-sets, --davis, --teacher-persons, --backgrounds)")
    rows = {}
    for name, detect in detectors(args).items():
        rows[name] = {set_name: score(detect, frames, complete) for set_name, (frames, complete) in sets.items()}
        print(name, {k: (v["recall_iou50"], v["boxes_per_frame"]) for k, v in rows[name].items()}, flush=True)
    write_results(args.out, rows, args)


if __name__ == "__main__":
    run_main(main)
