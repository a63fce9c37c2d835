"""tools/infer.py never replaces what it reads or what another run is writing (the probe's
cases: --out the folder of the pipeline's own weights with --overwrite; two runs on one --out)."""
import shutil
import subprocess
import sys
import time

import numpy as np
import yaml

from facevid.io.video import VideoWriter
from tests.helpers import ROOT, assert_one_line_error
from tests.pipeline.builders import run_infer


def _clip(path, frames):
    writer = VideoWriter(path, 25.0, (128, 96))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
    writer.close()
    return path


def test_infer_refuses_an_out_that_holds_the_pipelines_weights(tmp_path, portrait_pipeline):
    run = tmp_path / "run"
    run.mkdir()
    cfg = yaml.safe_load(portrait_pipeline.read_text())
    shutil.copy(cfg["parsers"][0]["weights"], run / "best_model.pdparams")
    cfg["parsers"][0]["weights"] = str(run / "best_model.pdparams")
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text(yaml.safe_dump(cfg))
    clip = _clip(tmp_path / "clip.mp4", 2)
    result = run_infer("--video", clip, "--task", "portrait", "--pipeline", pipeline, "--out", run,
                       "--overwrite")
    assert_one_line_error(result, "holds the input", "best_model.pdparams")
    assert sorted(p.name for p in run.iterdir()) == ["best_model.pdparams"]


def test_a_second_run_on_the_same_out_is_told_it_is_in_use(tmp_path, portrait_pipeline):
    clip = _clip(tmp_path / "long.mp4", 300)
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "tools/infer.py", "--video", str(clip), "--out", str(out),
                              "--task", "portrait", "--pipeline", str(portrait_pipeline)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (tmp_path / ".out.lock").exists() and time.time() < deadline:
            time.sleep(0.1)
        second = run_infer("--video", clip, "--out", out, "--task", "portrait", "--pipeline",
                           portrait_pipeline, "--max-frames", "2")
        assert_one_line_error(second, "in use", f"process {first.pid}")
    finally:
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]
    assert len(list((out / "masks").iterdir())) == 300
