"""What writing one frame's outputs costs, by PNG compression level and JPEG quality, on real
masks: the label/mask PNGs and the alpha PNG of a portrait frame (854x480) and the composite
JPEG, in milliseconds and kilobytes per frame (cv2.imencode alone, no disk); and making the
composite: the blurred backdrop (postprocess.composite.blurred against a full-resolution
Gaussian) and the blend (composite, OpenCV's blendLinear, against float arithmetic).

Example:
  python bench/output_encoding.py --davis ../shared/data/davis_person --out bench/results/output_encoding
"""
import argparse
import time
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np

from facevid.cli import run_main
from facevid.errors import UserError
from facevid.io.files import read_image, read_label, write_json, write_text
from postprocess.composite import blurred, composite


def timed_encode(image: np.ndarray, suffix: str, params: List[int], repeats: int) -> Dict[str, float]:
    cv2.imencode(suffix, image, params)
    tic = time.perf_counter()
    for _ in range(repeats):
        ok, data = cv2.imencode(suffix, image, params)
    return {"ms": 1000 * (time.perf_counter() - tic) / repeats, "kb": len(data) / 1024}


def timed_call(fn, repeats: int) -> float:
    fn()
    tic = time.perf_counter()
    for _ in range(repeats):
        fn()
    return 1000 * (time.perf_counter() - tic) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis", required=True, help="davis_person folder")
    parser.add_argument("--sequence", default="hike")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    root = Path(args.davis)
    frames = sorted((root / "JPEGImages" / args.sequence).glob("*.jpg"))[:5]
    if not frames:
        raise UserError(f"{root}: no frames of {args.sequence}")
    rows: Dict[str, Dict[str, float]] = {}
    for path in frames:
        frame = read_image(path)
        mask = (read_label(root / "Annotations" / args.sequence / f"{path.stem}.png") > 0).astype(np.uint8) * 255
        alpha = cv2.GaussianBlur(mask, (0, 0), 2)           # a soft edge, as the alpha output has
        cases = {f"mask PNG level {lv}": (mask, ".png", [cv2.IMWRITE_PNG_COMPRESSION, lv]) for lv in (0, 1, 3, 6)}
        cases.update({f"alpha PNG level {lv}": (alpha, ".png", [cv2.IMWRITE_PNG_COMPRESSION, lv]) for lv in (1, 3)})
        cases.update({f"composite JPEG q{q}": (frame, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, q]) for q in (85, 95)})
        for name, (image, suffix, params) in cases.items():
            got = timed_encode(image, suffix, params, args.repeats)
            row = rows.setdefault(name, {"ms": 0.0, "kb": 0.0})
            row["ms"] += got["ms"] / len(frames)
            row["kb"] += got["kb"] / len(frames)
        alpha01 = alpha.astype(np.float32) / 255
        backdrop = blurred(frame, 15)
        for name, fn in {"backdrop: blurred(sigma 15)": lambda: blurred(frame, 15),
                         "backdrop: full-resolution GaussianBlur(sigma 15)": lambda: cv2.GaussianBlur(frame, (0, 0), 15),
                         "blend: composite (blendLinear)": lambda: composite(frame, backdrop, alpha01),
                         "blend: float arithmetic": lambda: (alpha01[..., None] * frame + (1 - alpha01[..., None]) * backdrop + 0.5).astype(np.uint8)}.items():
            row = rows.setdefault(name, {"ms": 0.0, "kb": 0.0})
            row["ms"] += timed_call(fn, args.repeats) / len(frames)
    write_json(Path(args.out) / "results.json", {"frames": len(frames), "rows": rows})
    lines = [f"cv2.imencode per 854x480 frame ({len(frames)} frames of {args.sequence}), 2-core CPU.", "",
             "| output | ms | KB |", "|---|---|---|"]
    lines += [f"| {name} | {row['ms']:.2f} | {row['kb']:.1f} |" for name, row in rows.items()]
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
