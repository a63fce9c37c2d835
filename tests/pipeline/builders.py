"""Helpers of the pipeline tests: a pipeline YAML over the micro models, and tools/infer.py
run as a user runs it."""
import subprocess
import sys

import yaml

from tests.helpers import ROOT


def pipeline_file(tmp_path, models, **extra):
    cfg = {"stage": "pipeline",
           "detector": {"config": str(models["det"][0]), "weights": str(models["det"][1])},
           "parsers": [{"config": str(models["seg"][0]), "weights": str(models["seg"][1])}] * 2,
           **extra}
    path = tmp_path / "pipeline.yml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run_infer(*args):
    return subprocess.run([sys.executable, "tools/infer.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
