"""The portrait alpha against the MODNet teacher's mattes on held-out frames, several pipelines
in one run: the learned alpha (a model with an AlphaHead; `alpha: learned` in the pipeline) and
the alpha made from the class probabilities (postprocess.composite.alpha_from_probs, the
default, and what a model without an AlphaHead composites with).

Frames: a validation folder of held-out frames of several sources (tools/make_portrait_val.py:
DAVIS sequences, CelebAMask-HQ ids and LFW people held out of training; its images link to
their sources), each looked up in the teacher matte folders given (tools/teacher_mattes.py).
Every frame is an independent photo (the pipeline's state is reset before each).

Per source and overall: mean absolute alpha error (0-1) over every pixel, and in the boundary
band: pixels within 2% of the frame's longer side of the teacher's alpha = 0.5 contour, plus
every pixel where the teacher is soft (0.02 < alpha < 0.98): hair and edges, what an alpha is
for. The teacher is a reference, not the truth (it takes some objects for people); on DAVIS
frames the hard mask's boundary J&F is bench/portrait_peers.py's job.

Example:
  python bench/portrait_alpha.py --val-folder runs/data/portrait_val \\
      --teacher runs/teacher/davis_person --teacher runs/teacher/celebamask_1k \\
      --teacher runs/teacher/lfw_parts \\
      --pipeline configs/pipeline_portrait.yml \\
      --pipeline configs/pipeline_portrait_learned_alpha.yml --out bench/results/portrait_alpha
"""
import argparse
from pathlib import Path
from typing import Dict, List

import numpy as np

from facevid.cli import run_main
from facevid.data.mattes import TeacherMattes, band_pixels, boundary_band
from facevid.data.readers import ImageMaskFolder
from facevid.errors import DataError, UserError
from facevid.io.files import write_json, write_text
from pipeline.pipeline import Pipeline
from postprocess.composite import alpha_from_probs

BAND = 0.02


def scored_band(matte: np.ndarray) -> np.ndarray:
    """H x W bool: within BAND of the longer side of the teacher's 0.5 contour, or soft."""
    band = boundary_band(matte >= 0.5, max(1, band_pixels(matte.shape, BAND)))
    return band | ((matte > 0.02) & (matte < 0.98))


def teacher_matte(image_path: Path, teachers: List[TeacherMattes]) -> np.ndarray:
    for teacher in teachers:
        try:
            return teacher.load(image_path).astype(np.float32) / 255
        except DataError:      # not this teacher's source, or no matte there
            continue
    raise UserError(f"{image_path}: no --teacher folder has its matte; give the teacher folder "
                    "of its source (tools/teacher_mattes.py)")


class Errors:
    """Sums of absolute errors and pixel counts, overall and in the band, by source."""

    def __init__(self):
        self.sums: Dict[str, np.ndarray] = {}

    def add(self, source: str, alpha: np.ndarray, matte: np.ndarray, band: np.ndarray) -> None:
        err = np.abs(alpha - matte)
        row = self.sums.setdefault(source, np.zeros(4))
        row += (err.sum(), err.size, err[band].sum(), band.sum())

    def table(self) -> Dict[str, Dict[str, float]]:
        rows = dict(self.sums)
        rows["all"] = sum(self.sums.values())
        return {k: {"mae": v[0] / max(v[1], 1), "mae_band": v[2] / max(v[3], 1),
                    "band_share": v[3] / max(v[1], 1)} for k, v in rows.items()}


def score(pipe: Pipeline, reader: ImageMaskFolder, teachers: List[TeacherMattes],
          limit_per_source: int) -> Dict[str, Dict[str, Dict[str, float]]]:
    learned, from_probs, seen, has_alpha = Errors(), Errors(), {}, False
    for i, ref in enumerate(reader.frames):
        seen[ref.clip] = seen.get(ref.clip, 0) + 1
        if seen[ref.clip] > limit_per_source:
            continue
        image, _ = reader.load(i)
        matte = teacher_matte(ref.image, teachers)
        band = scored_band(matte)
        pipe.new_video()
        result = pipe(image)
        from_probs.add(ref.clip, alpha_from_probs(result.probs), matte, band)
        has_alpha |= result.alpha is not None     # None also where nobody was found: alpha 0
        learned.add(ref.clip, result.alpha if result.alpha is not None else np.zeros_like(matte),
                    matte, band)
    out = {"alpha from probabilities": from_probs.table()}
    if has_alpha:
        out["learned alpha"] = learned.table()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val-folder", required=True, help="tools/make_portrait_val.py's folder")
    parser.add_argument("--teacher", action="append", required=True,
                        help="a tools/teacher_mattes.py folder (repeat for each source)")
    parser.add_argument("--pipeline", action="append", required=True,
                        help="a portrait pipeline YAML (repeat the flag to compare several)")
    parser.add_argument("--limit-per-source", type=int, default=1000,
                        help="score only the first N frames of each source")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    reader = ImageMaskFolder(Path(args.val_folder), "images", "labels")
    teachers = [TeacherMattes(Path(t)) for t in args.teacher]
    rows = {}
    for path in args.pipeline:
        # alpha=learned: the pipeline hands on its parser's learned alpha, whatever its default
        for kind, table in score(Pipeline.from_config(Path(path), ["alpha=learned"]), reader,
                                 teachers, args.limit_per_source).items():
            rows[f"{Path(path).name} | {kind}"] = table
            print(f"{path} | {kind}: {table['all']}", flush=True)
    write_json(Path(args.out) / "results.json", {"rows": rows, "pipelines": args.pipeline,
                                                 "band": BAND, "teachers": args.teacher,
                                                 "limit_per_source": args.limit_per_source})
    sources = list(next(iter(rows.values())))
    lines = ["| pipeline | alpha | " + " | ".join(f"{s} MAE / band" for s in sources) + " |",
             "|---" * (len(sources) + 2) + "|"]
    for key, table in rows.items():
        cells = [f"{table[s]['mae']:.4f} / {table[s]['mae_band']:.4f}" for s in sources]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
