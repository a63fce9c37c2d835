"""The whole pipeline (tiny untrained models): API, tools/infer.py outputs and failures."""
import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

import stage1_detect  # noqa: F401  (sets FLAGS_set_to_1d before paddle)
import paddle

from facevid.checkpoint import save_weights
from facevid.config import load_config
from facevid.errors import ConfigError
from pipeline import Pipeline
from facevid.synthetic import generate
from stage1_detect.model import build_detector
from stage2_seg.components import build_model
from tests.helpers import MICRO_DET, MICRO_EANET, ROOT, TINY_DET

EANET = ROOT / "configs" / "stage2_eanet_cat_tiny.yml"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Micro configs written to files (the pipeline names configs by path) and their weights."""
    root = tmp_path_factory.mktemp("models")
    out = {}
    for name, base, opts, build in (("seg", EANET, MICRO_EANET, build_model),
                                    ("det", TINY_DET, MICRO_DET, build_detector)):
        cfg = load_config(base, opts)
        path = root / f"{name}.yml"
        raw = yaml.safe_load(base.read_text())
        raw.pop("_base_")
        merged = {k: v for k, v in cfg.items() if not k.startswith("_") and k != "ppdet"}
        merged.update(cfg.get("ppdet", {}))
        merged["schema"] = "sfp18"
        path.write_text(yaml.safe_dump(merged))
        with paddle.utils.unique_name.guard():
            model = build(load_config(path))
        save_weights(root / f"{name}.pdparams", model)
        out[name] = (path, root / f"{name}.pdparams")
    return out


def _pipeline_file(tmp_path, models, **extra):
    cfg = {"stage": "pipeline",
           "detector": {"config": str(models["det"][0]), "weights": str(models["det"][1])},
           "parsers": [{"config": str(models["seg"][0]), "weights": str(models["seg"][1])}] * 2,
           **extra}
    path = tmp_path / "pipeline.yml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_api_returns_labels_probabilities_and_detections(tmp_path, models):
    # The untrained detector may find nothing: the fallback still gives crops to look at.
    pipe = Pipeline.from_config(_pipeline_file(tmp_path, models, no_detection="whole_frame"))
    frame = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    result = pipe(frame)
    assert result.labels.shape == (96, 128) and result.labels.dtype == np.uint8
    assert result.probs.shape == (18, 96, 128)
    np.testing.assert_allclose(result.probs.sum(0), 1.0, atol=1e-4)
    assert result.crops and set(result.seconds) == {"detect", "parse", "postprocess"}
    assert len(result.detections) <= pipe.detector.point.max_detections
    assert sorted(result.model_probs) == ["seg", "seg#2"] and result.voted.shape == (96, 128)
    np.testing.assert_allclose(result.probs, np.mean(list(result.model_probs.values()), 0), atol=1e-6)


def test_pipeline_rejects_models_with_different_schemas(tmp_path, models):
    raw = yaml.safe_load(models["seg"][0].read_text())
    raw.update(schema="lapa")
    raw["model"]["num_classes"] = 11
    lapa = tmp_path / "lapa.yml"
    lapa.write_text(yaml.safe_dump(raw))
    path = _pipeline_file(tmp_path, models)
    cfg = yaml.safe_load(path.read_text())
    cfg["parsers"] = [cfg["parsers"][0], {"config": str(lapa), "weights": str(models["seg"][1])}]
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(Exception, match="different model or number of classes|different class schemas"):
        Pipeline.from_config(path)
    with pytest.raises(ConfigError, match="ensemble must be"):
        Pipeline.from_config(_pipeline_file(tmp_path, models, ensemble="avg"))


def _infer(*args):
    return subprocess.run([sys.executable, "tools/infer.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_infer_on_a_video_writes_labels_overlay_and_summary(tmp_path, models):
    clips = generate(tmp_path / "clips", clips=1, seed=3, frames=3, size=(128, 96), video=True)
    out = tmp_path / "out"
    result = _infer("--video", clips / "clip_0000" / "clip.mp4", "--out", out,
                    "--pipeline", _pipeline_file(tmp_path, models))
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in (out / "labels").glob("*.png")) == ["00000.png", "00001.png", "00002.png"]
    assert (out / "overlay.mp4").stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == 3 and len(summary["detections_per_frame"]) == 3
    assert summary["written"] == {"labels": 3, "overlay": 3}
    assert set(summary["seconds_per_frame_by_stage"]) == {"decode", "detect", "parse", "postprocess", "encode"}


def test_infer_failures_are_clear_and_leave_nothing_behind(tmp_path, models):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    out = tmp_path / "out"
    result = _infer("--video", broken, "--out", out, "--pipeline", _pipeline_file(tmp_path, models))
    assert result.returncode == 2 and "cannot read any frame" in result.stderr
    assert not out.exists()
    (tmp_path / "img").mkdir()
    from facevid.files import write_image
    write_image(tmp_path / "img" / "a.png", np.zeros((96, 128, 3), np.uint8))
    cfg = yaml.safe_load(_pipeline_file(tmp_path, models).read_text())
    cfg["parsers"][0]["weights"] = str(tmp_path / "missing.pdparams")
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(cfg))
    missing = _infer("--dir", tmp_path / "img", "--out", out, "--pipeline", tmp_path / "bad.yml")
    assert missing.returncode == 2 and "weights file not found" in missing.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.tmp-*"))


def test_a_frame_size_change_starts_over_instead_of_reusing_old_boxes(tmp_path, models):
    pipe = Pipeline.from_config(_pipeline_file(tmp_path, models))
    rng = np.random.default_rng(0)
    big = pipe(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
    small = pipe(rng.integers(0, 255, (48, 64), dtype=np.uint8))       # grey, and smaller
    assert big.labels.shape == (96, 128) and small.labels.shape == (48, 64)
    assert all(0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 48 and (x1 - x0) * (y1 - y0) > 1
               for x0, y0, x1, y1 in small.crops)


@pytest.fixture(scope="module")
def portrait_pipeline(tmp_path_factory):
    """The light portrait model (untrained) as a whole-frame pipeline."""
    root = tmp_path_factory.mktemp("portrait")
    config = ROOT / "configs" / "stage2_portrait_lite_cpu.yml"
    with paddle.utils.unique_name.guard():
        model = build_model(load_config(config))
    save_weights(root / "p.pdparams", model)
    path = root / "pipeline.yml"
    path.write_text(yaml.safe_dump({"stage": "pipeline", "detector": None, "grabcut": {"enabled": False},
                                    "parsers": [{"config": str(config), "weights": str(root / "p.pdparams")}]}))
    return path


def test_portrait_infer_writes_masks_alpha_and_the_composite(tmp_path, portrait_pipeline):
    clips = generate(tmp_path / "clips", clips=1, seed=3, frames=2, size=(128, 96), video=True,
                     task="portrait")
    background = tmp_path / "beach.jpg"
    from facevid.files import write_image
    write_image(background, np.full((50, 300, 3), 90, np.uint8))          # another size
    out = tmp_path / "out"
    result = _infer("--video", clips / "clip_0000" / "clip.mp4", "--task", "portrait",
                    "--pipeline", portrait_pipeline, "--background", background, "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resized and centre-cropped" in result.stdout
    assert len(list((out / "masks").glob("*.png"))) == 2 and len(list((out / "alpha").glob("*.png"))) == 2
    assert (out / "composite.mp4").stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["backdrop"] == str(background) and summary["written"]["composite"] == 2

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    bad = _infer("--video", clips / "clip_0000" / "clip.mp4", "--task", "portrait",
                 "--pipeline", portrait_pipeline, "--background", broken, "--out", tmp_path / "o2")
    assert bad.returncode == 2 and "cannot be decoded" in bad.stderr.strip().splitlines()[-1]
    assert "infer:" not in bad.stderr and not (tmp_path / "o2").exists()   # before any frame


def test_labels_decided_inside_the_crops_equal_the_argmax_of_the_frame(tmp_path, models):
    pipe = Pipeline.from_config(_pipeline_file(tmp_path, models, grabcut={"enabled": False}, ensemble="soft"))
    frame = np.random.default_rng(4).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    from facevid.detections import Detections
    dets = Detections(np.array([[20, 10, 50, 40]], np.float32), np.ones(1, np.float32), np.ones(1, np.int64))
    result = pipe.parse(frame, dets)
    assert result.crops[0] != (0, 0, 128, 96)                 # a crop, not the whole frame
    assert np.array_equal(result.labels, result.probs.argmax(0))


def test_inference_engine_exports_once_into_the_cache_and_matches_dygraph(tmp_path, models, monkeypatch):
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    frame = np.random.default_rng(1).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    plain = Pipeline.from_config(_pipeline_file(tmp_path, models, grabcut={"enabled": False}))(frame)
    fast_path = _pipeline_file(tmp_path, models, grabcut={"enabled": False}, engine="inference")
    fast = Pipeline.from_config(fast_path)(frame)
    folders = sorted((tmp_path / "cache").iterdir())
    assert [f.name.split("-")[0] for f in folders] == ["det", "seg"]   # one export per model
    np.testing.assert_allclose(fast.detections.boxes, plain.detections.boxes, atol=0.5)
    np.testing.assert_allclose(fast.probs, plain.probs, atol=1e-3)
    stamps = [f.stat().st_mtime_ns for f in folders]
    Pipeline.from_config(fast_path)                                   # reused, not exported again
    assert [f.stat().st_mtime_ns for f in sorted((tmp_path / "cache").iterdir())] == stamps
    # Other settings for the same weights are another export.
    cfg = yaml.safe_load(fast_path.read_text())
    cfg["parsers"][0]["opts"] = ["eval.size=[48,48]"]
    fast_path.write_text(yaml.safe_dump(cfg))
    Pipeline.from_config(fast_path)
    assert len(list((tmp_path / "cache").iterdir())) == 3


def test_unknown_engine_is_a_config_error(tmp_path, models):
    with pytest.raises(ConfigError, match="engine must be"):
        Pipeline.from_config(_pipeline_file(tmp_path, models, engine="onnx"))



def test_a_dir_of_photos_says_so_in_the_summary_and_video_frames_is_asked_for(tmp_path, models):
    """(What each photo gets is tested with known answers in test_no_detection.py.)"""
    from facevid.files import write_image
    photos = tmp_path / "photos"
    for name in ("a", "b"):
        write_image(photos / f"{name}.png", np.zeros((96, 128, 3), np.uint8))
    pipeline = ["--pipeline", _pipeline_file(tmp_path, models)]
    assert _infer("--dir", photos, "--out", tmp_path / "p", *pipeline).returncode == 0
    assert json.loads((tmp_path / "p" / "summary.json").read_text())["input"] == "independent photos"
    assert _infer("--dir", photos, "--out", tmp_path / "v", "--video-frames", *pipeline).returncode == 0
    assert json.loads((tmp_path / "v" / "summary.json").read_text())["input"] == "video frames"
    wrong = _infer("--image", photos / "a.png", "--out", tmp_path / "w", "--video-frames", *pipeline)
    assert wrong.returncode == 2 and "--video-frames is for --dir" in wrong.stderr


def test_sigterm_once_paddle_is_loaded_unwinds_like_ctrl_c(tmp_path, portrait_pipeline):
    """Paddle installs its own SIGTERM handler when it loads (exit 143, a FatalError banner,
    the temporary output left behind); facevid.paddle_env turns it off and puts ours back."""
    import signal
    import time
    from facevid.video import VideoWriter
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
    path = _pipeline_file(tmp_path, models, grabcut={"enabled": False}, engine="inference",
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
    from pipeline.engine import cache_root, prune
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    frame = np.random.default_rng(3).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    weights = tmp_path / "w" / "seg.pdparams"
    weights.parent.mkdir()
    shutil.copy(models["seg"][1], weights)
    config = models["seg"][0]
    path = _pipeline_file(tmp_path, models, grabcut={"enabled": False}, engine="inference", detector=None)
    cfg = yaml.safe_load(path.read_text())
    cfg["parsers"] = [{"config": str(config), "weights": str(weights)}]
    path.write_text(yaml.safe_dump(cfg))
    want = Pipeline.from_config(path)(frame).probs
    (entry,) = list(cache_root().iterdir())
    # The same config named by a relative path is the same entry.
    monkeypatch.chdir(config.parent)
    cfg["parsers"][0]["config"] = config.name
    path.write_text(yaml.safe_dump(cfg))
    Pipeline.from_config(path)
    assert list(cache_root().iterdir()) == [entry]
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
    assert prune() == []
    os.remove(weights)
    assert prune() == [entry] and not entry.exists()
    # A cache that cannot be made names the fixes.
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "file" / "cache"))
    shutil.copy(models["seg"][1], weights)
    with pytest.raises(Exception, match="FACEVID_CACHE.*engine: dygraph"):
        Pipeline.from_config(path)


def test_a_detector_config_named_as_a_parser_is_refused_before_any_export(tmp_path, models, monkeypatch):
    monkeypatch.setenv("FACEVID_CACHE", str(tmp_path / "cache"))
    path = _pipeline_file(tmp_path, models, engine="inference", detector=None)
    cfg = yaml.safe_load(path.read_text())
    cfg["parsers"] = [{"config": str(models["det"][0]), "weights": str(models["det"][1])}]
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="'seg'"):
        Pipeline.from_config(path)
    assert not (tmp_path / "cache").exists()
