"""Running a pipeline through Paddle Inference: the export cache, threads, signals, checks
that come before any export."""
import subprocess
import sys

import numpy as np
import pytest
import yaml

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)

from facevid.errors import ConfigError
from pipeline import Pipeline
from pipeline.engine import entries
from tests.helpers import ROOT
from tests.pipeline.builders import pipeline_file


def test_sigterm_once_paddle_is_loaded_unwinds_like_ctrl_c(tmp_path, portrait_pipeline):
    """Paddle installs its own SIGTERM handler when it loads (exit 143, a FatalError banner,
    the temporary output left behind); facevid.paddle_env turns it off and puts ours back."""
    import signal
    import time
    from facevid.io.video import VideoWriter
    clip = tmp_path / "long.mp4"
    writer = VideoWriter(clip, 25.0, (128, 96))
    rng = np.random.default_rng(0)
    for _ in range(400):
        writer.write(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
    writer.close()
    proc = subprocess.Popen([sys.executable, "tools/infer.py", "--video", str(clip), "--out",
                             str(tmp_path / "out"), "--task", "portrait", "--pipeline", str(portrait_pipeline)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list(tmp_path.glob(".out.tmp-*")) and time.time() < deadline:
        time.sleep(0.1)                       # the models are loaded: paddle is in
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "FatalError" not in err, err[-1500:]
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.tmp-*"))


def test_a_pipeline_and_its_exported_models_can_be_called_from_two_threads(tmp_path, models, monkeypatch):
    """Two threads in one Paddle Inference predictor crash the process (a segfault); calls take
    turns instead, and give what one thread gets."""
    from concurrent.futures import ThreadPoolExecutor
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    path = pipeline_file(tmp_path, models, grabcut={"enabled": False}, engine="inference",
                          detector=None)
    pipe = Pipeline.from_config(path)
    rng = np.random.default_rng(2)
    frames = [rng.integers(0, 255, (96, 128, 3), dtype=np.uint8) for _ in range(6)]
    alone = [pipe(f).probs for f in frames]
    parser = pipe.parsers[0]
    box = [(0, 0, 128, 96)]
    parser_alone = [parser.frame_probs(f, box) for f in frames]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda f: pipe(f).probs, frames * 2))
        parsed = list(pool.map(lambda f: parser.frame_probs(f, box), frames * 2))
    for got, want in zip(together, alone * 2):
        np.testing.assert_allclose(got, want, atol=1e-6)
    for got, want in zip(parsed, parser_alone * 2):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_the_export_cache_repairs_damaged_entries_and_prunes_old_weights(tmp_path, models, monkeypatch, capsys):
    import os
    import shutil
    from pipeline.engine import cache_root, entries, prune
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    frame = np.random.default_rng(3).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    weights = tmp_path / "w" / "seg.pdparams"
    weights.parent.mkdir()
    shutil.copy(models["seg"][1], weights)
    config = models["seg"][0]
    path = pipeline_file(tmp_path, models, grabcut={"enabled": False}, engine="inference", detector=None)
    cfg = yaml.safe_load(path.read_text())
    cfg["parsers"] = [{"config": str(config), "weights": str(weights)}]
    path.write_text(yaml.safe_dump(cfg))
    want = Pipeline.from_config(path)(frame).probs
    (entry,) = entries(cache_root())
    # The same config named by a relative path is the same entry.
    monkeypatch.chdir(config.parent)
    cfg["parsers"][0]["config"] = config.name
    path.write_text(yaml.safe_dump(cfg))
    Pipeline.from_config(path)
    assert entries(cache_root()) == [entry]
    for damage in ("model.pdiparams", "export.json"):
        if damage == "export.json":
            (entry / damage).write_text("garbage{")
        else:
            with open(entry / damage, "r+b") as f:
                f.truncate(100)
        capsys.readouterr()
        np.testing.assert_allclose(Pipeline.from_config(path)(frame).probs, want, atol=1e-6)
        assert "damaged or incomplete; exporting it again" in capsys.readouterr().err
    # Entries of weights that are gone are pruned; the others stay.
    assert prune() == ([], [])
    os.remove(weights)
    assert prune() == ([entry], []) and not entry.exists()
    # A cache that cannot be made names the fixes.
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "file" / "cache"))
    shutil.copy(models["seg"][1], weights)
    with pytest.raises(Exception, match="FACEVID_CACHE.*engine: dygraph"):
        Pipeline.from_config(path)


def test_a_detector_config_named_as_a_parser_is_refused_before_any_export(tmp_path, models, monkeypatch):
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    path = pipeline_file(tmp_path, models, engine="inference", detector=None)
    cfg = yaml.safe_load(path.read_text())
    cfg["parsers"] = [{"config": str(models["det"][0]), "weights": str(models["det"][1])}]
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="'seg'"):
        Pipeline.from_config(path)
    assert not (tmp_path / "cache").exists()


def test_inference_engine_exports_once_into_the_cache_and_matches_dygraph(tmp_path, models, monkeypatch):
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    frame = np.random.default_rng(1).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    plain = Pipeline.from_config(pipeline_file(tmp_path, models, grabcut={"enabled": False}))(frame)
    fast_path = pipeline_file(tmp_path, models, grabcut={"enabled": False}, engine="inference")
    fast = Pipeline.from_config(fast_path)(frame)
    folders = entries(tmp_path / "cache")
    assert [f.name.split("-")[0] for f in folders] == ["det", "seg"]   # one export per model
    np.testing.assert_allclose(fast.detections.boxes, plain.detections.boxes, atol=0.5)
    np.testing.assert_allclose(fast.probs, plain.probs, atol=1e-3)
    stamps = [f.stat().st_mtime_ns for f in folders]
    Pipeline.from_config(fast_path)                                   # reused, not exported again
    assert [f.stat().st_mtime_ns for f in entries(tmp_path / "cache")] == stamps
    # Other settings for the same weights are another export.
    cfg = yaml.safe_load(fast_path.read_text())
    cfg["parsers"][0]["opts"] = ["eval.size=[48,48]"]
    fast_path.write_text(yaml.safe_dump(cfg))
    Pipeline.from_config(fast_path)
    assert len(entries(tmp_path / "cache")) == 3


def test_unknown_engine_is_a_config_error(tmp_path, models):
    with pytest.raises(ConfigError, match="'engine' must be one of"):
        Pipeline.from_config(pipeline_file(tmp_path, models, engine="onnx"))


def test_a_users_folder_named_as_the_cache_is_refused_and_nothing_in_it_removed(tmp_path, models):
    """The probe's case: FACEVID_CACHE=~/somefolder with --prune or --clear deleted the user's
    photos/ and docs/; --list called them damaged."""
    import os
    from tests.helpers import assert_one_line_error
    user = tmp_path / "somefolder"
    for name in ("photos", "docs", "seg-looks-like-ours"):
        (user / name).mkdir(parents=True)
        (user / name / "keep.txt").write_text("a user's file")
    env = {**os.environ, "FACEVID_CACHE": str(user)}
    for action in ("--prune", "--clear", "--list"):
        result = subprocess.run([sys.executable, "tools/export_cache.py", action], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        assert_one_line_error(result, "is not an export cache", "FACEVID_CACHE")
    assert sorted(p.name for p in user.iterdir()) == ["docs", "photos", "seg-looks-like-ours"]
    path = pipeline_file(tmp_path, models, engine="inference", detector=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FACEVID_CACHE", str(user))
        with pytest.raises(Exception, match="is not an export cache"):
            Pipeline.from_config(path)
    assert all((user / name / "keep.txt").is_file() for name in ("photos", "docs", "seg-looks-like-ours"))


def test_a_killed_exports_staging_folder_goes_with_the_next_export_or_prune(tmp_path, models, monkeypatch):
    import os
    from pipeline.engine import cache_root, prune
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()          # a process id that no longer runs
    staging = tmp_path / "cache" / f".seg-x-{'0' * 20}.staging-{dead}"
    live = tmp_path / "cache" / f".seg-y-{'0' * 20}.staging-{os.getpid()}"
    for folder in (staging, live):
        folder.mkdir(parents=True)
        (folder / "model.pdiparams").write_bytes(b"half")
    Pipeline.from_config(pipeline_file(tmp_path, models, engine="inference", detector=None))
    assert not staging.exists() and live.exists()            # a live export is left alone
    staging.mkdir()
    assert prune()[0] == [staging] and not staging.exists()
    assert len(entries(cache_root())) == 1


def test_prune_says_when_it_could_not_remove_an_entry(tmp_path, monkeypatch):
    """The probe's case: --prune on a read-only cache said "removed 1 entries" and removed none.
    (Tests run as root, which no permission stops: removal is made to fail instead.)"""
    from pipeline import engine
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    entry = tmp_path / "cache" / f"seg-x-{'a' * 20}"
    entry.mkdir(parents=True)
    with monkeypatch.context() as patch:
        patch.setattr(engine.shutil, "rmtree", lambda path, ignore_errors=False: None)
        assert engine.prune() == ([], [entry])
    assert engine.prune() == ([entry], [])
