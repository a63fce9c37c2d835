"""Tile result images into one contact sheet, each with a caption.

An input is an image file, or `VIDEO.mp4@N` for frame N of a video. Tiles are scaled to a
common height and laid out in rows.

Example:
  python tools/contact_sheet.py --out runs/demo/contact_sheet.jpg --height 240 \\
      runs/demo/astronaut/added/astronaut.jpg runs/demo/portrait/composite.mp4@60
"""
import argparse
from pathlib import Path
from typing import List

import cv2
import numpy as np

from facevid.cli import run_main
from facevid.errors import DataError
from facevid.io.files import WRITE_SUFFIXES, read_image, write_image


def load_tile(spec: str) -> np.ndarray:
    """An RGB image from `path` or `video@frame`."""
    if "@" in spec and spec.rsplit("@", 1)[1].isdigit():
        path, index = spec.rsplit("@", 1)
        cap = cv2.VideoCapture(path)
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(index))
        ok, bgr = cap.read()
        cap.release()
        if not ok:
            raise DataError(f"{path}: cannot read frame {index}")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return read_image(Path(spec))


def contact_sheet(tiles: List[np.ndarray], captions: List[str], height: int, per_row: int) -> np.ndarray:
    scaled = []
    for tile, caption in zip(tiles, captions):
        tile = cv2.resize(tile, (max(1, round(tile.shape[1] * height / tile.shape[0])), height),
                          interpolation=cv2.INTER_AREA)
        tile = np.ascontiguousarray(tile)
        cv2.putText(tile, caption, (6, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(tile, caption, (6, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
        scaled.append(tile)
    rows = [scaled[i:i + per_row] for i in range(0, len(scaled), per_row)]
    width = max(sum(t.shape[1] for t in row) for row in rows)
    canvas = np.full((height * len(rows), width, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        x = 0
        for tile in row:
            canvas[r * height:(r + 1) * height, x:x + tile.shape[1]] = tile
            x += tile.shape[1]
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", help="image files or VIDEO@FRAME")
    parser.add_argument("--out", required=True, help="the sheet to write (.jpg or .png)")
    parser.add_argument("--height", type=int, default=240, help="tile height in pixels (default 240)")
    parser.add_argument("--per-row", type=int, default=3, help="tiles per row (default 3)")
    args = parser.parse_args()
    if args.height < 16 or args.per_row < 1:
        parser.error("--height must be at least 16 and --per-row at least 1")
    out = Path(args.out)
    if out.suffix.lower() not in WRITE_SUFFIXES:
        raise DataError(f"--out {out}: the sheet is an image; end the name in one of "
                        f"{', '.join(WRITE_SUFFIXES)}")
    for spec in args.inputs:
        source = Path(spec.rsplit("@", 1)[0] if "@" in spec else spec)
        if source.resolve() == out.resolve():
            raise DataError(f"--out {out} is one of the inputs; writing the sheet there would "
                            "replace it: choose another --out")
    tiles = [load_tile(spec) for spec in args.inputs]
    captions = [Path(spec.rsplit("@", 1)[0]).parent.name + "/" + Path(spec).name for spec in args.inputs]
    write_image(Path(args.out), contact_sheet(tiles, captions, args.height, args.per_row))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    run_main(main)
