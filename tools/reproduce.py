"""Reproduce the challenge table: train the detector and the three stage-2 models, run them
on the evaluation clips and score every row (each model, the hard-vote ensemble, ensemble +
GrabCut, bilinear versus argmax-nearest resizing, inference at the evaluation versus the
training size) with the metrics of tools/eval.py.

Examples:
  python tools/reproduce.py -c configs/reproduce_tiny.yml   # synthetic clips, 2-core CPU, < 1 h
  python tools/reproduce.py -c configs/reproduce_sfp.yml    # the published recipe, a GPU

Rerun, it reuses finished steps (and says which); interrupted, it resumes. Writes OUT/table.md
and OUT/results.json (every metric, the commit, the configs, the wall time of each step).
"""
import argparse

from facevid.cli import run_main
from pipeline.reproduce import reproduce


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="a reproduce preset YAML")
    args = parser.parse_args()
    print(reproduce(args.config)["table"])


if __name__ == "__main__":
    run_main(main)
