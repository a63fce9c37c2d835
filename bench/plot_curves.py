"""Validation curves from training logs: the `iter N: key value ...` lines that
tools/train.py prints at every evaluation, one line per run, as a small PNG.

Example:
  python bench/plot_curves.py --metric mean_f1 --out docs/face_parser_curve.png \\
      "celebamask_1k=runs/face_cel.log" "celebamask_1k + LFW=runs/face_cel_lfw.log"
"""
import argparse
import re
from pathlib import Path
from typing import Dict, List, Tuple

from facevid.cli import run_main
from facevid.errors import UserError

LINE = re.compile(r"iter (\d+): ((?:[A-Za-z_0-9]+ [-0-9.]+\s*)+)")


def read_curve(log: Path, metric: str) -> List[Tuple[int, float]]:
    """(iteration, value) of every evaluation in a log (a resumed run's repeats: the last)."""
    try:
        text = log.read_text(errors="replace")
    except OSError as exc:
        raise UserError(f"{log}: {exc.strerror}") from None
    points: Dict[int, float] = {}
    for match in LINE.finditer(text.replace("\r", "\n")):
        values = match.group(2).split()
        pairs = dict(zip(values[::2], values[1::2]))
        if metric in pairs:
            points[int(match.group(1))] = float(pairs[metric])
    return sorted(points.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="NAME=LOG", help="a label and a training log")
    parser.add_argument("--metric", default="mean_f1", help="the metric to plot (default mean_f1)")
    parser.add_argument("--out", required=True, help="PNG to write")
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for run in args.runs:
        name, sep, log = run.partition("=")
        if not sep:
            raise UserError(f"'{run}': give NAME=LOG")
        curve = read_curve(Path(log), args.metric)
        if not curve:
            raise UserError(f"{log}: no evaluation line with {args.metric}")
        ax.plot(*zip(*curve), marker="o", label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"validation {args.metric}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out).with_suffix(".tmp.png")
    fig.savefig(tmp)
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    run_main(main)
