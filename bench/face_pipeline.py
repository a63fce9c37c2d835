"""The face pipeline as a user meets it, on held-out real faces: close-ups, faces in scenes, and
scenes with nobody in them; several pipelines in one run.

Each image is one independent photo (the pipeline's video state is reset before each), run
through `Pipeline` as `tools/infer.py --dir` runs it. Labels and predictions are reduced to
three coarse classes (ClassSchema.coarse_lut), background / skin (the schema's face classes:
skin, nose, eyes, brows, ears, mouth, lips, glasses) / hair, the classes every held-out set has (lfw_parts is labelled so),
and scored by F1 per class from one confusion matrix per set; "coarse mean F1" is the mean of
skin and hair. On person-free scenes (the held-out davis_backgrounds sequences) the score is the
share of pixels labelled skin or hair: every one of them is invented.

Sets (all held out from training): celebamask_1k val (faces fill the photo), lfw_parts val (a
third of the photo, other pose and light), face scenes val (tools/make_face_scenes.py --split
val: faces with or without their photo around them, at the sizes and scene size its meta.json
gives), and the person-free backgrounds.

Example:
  python bench/face_pipeline.py --pipeline configs/pipeline_faces.yml \\
      --pipeline configs/pipeline_faces_mnv2.yml --scenes data/face_scenes_v2/val \\
      --out bench/results/face_pipeline
"""
import argparse
import time
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from face_detectors import ROOT, held_out_sets
from facevid.cli import run_main
from facevid.data.readers import Reader
from facevid.data.schema import load_schema
from facevid.io.files import read_image, write_json, write_text
from facevid.metrics.segmentation import confusion_matrix, scores_from_confusion
from facevid.synthetic.face_scenes import split_backgrounds
from pipeline.pipeline import Pipeline

def score_set(pipe, reader: Reader, label_lut: np.ndarray, limit: Optional[int]) -> Dict[str, float]:
    coarse = load_schema("celebamask_hq").coarse_lut()
    matrix = np.zeros((3, 3), np.int64)
    seconds: List[float] = []
    n = len(reader) if limit is None else min(limit, len(reader))
    for i in range(n):
        image, label = reader.load(i)
        pipe.new_video()
        tic = time.perf_counter()
        result = pipe(image)
        seconds.append(time.perf_counter() - tic)
        matrix += confusion_matrix(coarse[result.labels], coarse[label_lut[label]], 3, 255)
    scores = scores_from_confusion(matrix)
    steady = seconds[3:] if len(seconds) > 3 else seconds
    return {"coarse_mean_f1": scores["mean_f1"], "f1_skin": scores["per_class_f1"][1],
            "f1_hair": scores["per_class_f1"][2], "images": n,
            "ms_per_image": 1000 * float(np.mean(steady))}


def score_empty(pipe, scenes: List[Path], limit: Optional[int]) -> Dict[str, float]:
    coarse, invented, total, with_any = load_schema("celebamask_hq").coarse_lut(), 0, 0, 0
    for path in scenes[:limit]:
        pipe.new_video()
        labels = coarse[pipe(read_image(path)).labels]
        face = int((labels > 0).sum())
        invented, total, with_any = invented + face, total + labels.size, with_any + (face > 0)
    return {"face_part_pixel_share": invented / max(1, total), "images_with_face_pixels": with_any,
            "images": len(scenes[:limit])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", action="append", required=True,
                        help="a face pipeline YAML (repeat the flag to compare several)")
    parser.add_argument("--celebamask", default=str(ROOT.parent / "shared" / "data" / "celebamask_1k"))
    parser.add_argument("--lfw", default=str(ROOT.parent / "shared" / "data" / "lfw_parts"))
    parser.add_argument("--backgrounds", default=str(ROOT.parent / "shared" / "data" / "davis_backgrounds"))
    parser.add_argument("--scenes", nargs="*", default=[],
                        help="folders of face scenes made with tools/make_face_scenes.py --split val")
    parser.add_argument("--limit", type=int, help="score only the first N images of each set")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    sets = held_out_sets(Path(args.celebamask), Path(args.lfw), [Path(f) for f in args.scenes])
    empty = split_backgrounds(Path(args.backgrounds), "val")
    rows: Dict[str, Dict[str, float]] = {}
    for path in args.pipeline:
        pipe = Pipeline.from_config(Path(path))
        for name, (reader, lut) in sets.items():
            rows[f"{Path(path).name} | {name}"] = score_set(pipe, reader, lut, args.limit)
            print(f"{path} | {name}: {rows[f'{Path(path).name} | {name}']}", flush=True)
        rows[f"{Path(path).name} | person-free scenes (davis_backgrounds val)"] = \
            score_empty(pipe, empty, args.limit)
    write_json(Path(args.out) / "results.json", {"rows": rows, "pipelines": args.pipeline,
                                                 "limit": args.limit})
    cols = ("coarse_mean_f1", "f1_skin", "f1_hair", "face_part_pixel_share",
            "images_with_face_pixels", "images", "ms_per_image")
    lines = ["| pipeline | set | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for key, row in rows.items():
        cells = [(f"{row[c]:.4f}" if isinstance(row[c], float) else str(row[c])) if c in row else ""
                 for c in cols]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
