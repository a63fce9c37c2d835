"""The whole pipeline (tiny untrained models): API, tools/infer.py outputs and failures."""
import json

import numpy as np
import pytest
import yaml

import stage1_detect  # noqa: F401  (sets FLAGS_set_to_1d before paddle)

from facevid.errors import ConfigError
from facevid.synthetic.clips import generate
from pipeline import Pipeline
from tests.pipeline.builders import pipeline_file, run_infer

def test_api_returns_labels_probabilities_and_detections(tmp_path, models):
    # The untrained detector may find nothing: the fallback still gives crops to look at.
    pipe = Pipeline.from_config(pipeline_file(tmp_path, models, no_detection="whole_frame"))
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
    path = pipeline_file(tmp_path, models)
    cfg = yaml.safe_load(path.read_text())
    cfg["parsers"] = [cfg["parsers"][0], {"config": str(lapa), "weights": str(models["seg"][1])}]
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(Exception, match="different model or number of classes|different class schemas"):
        Pipeline.from_config(path)
    with pytest.raises(ConfigError, match="'ensemble' must be one of"):
        Pipeline.from_config(pipeline_file(tmp_path, models, ensemble="avg"))


def test_infer_on_a_video_writes_labels_overlay_and_summary(tmp_path, models):
    clips = generate(tmp_path / "clips", clips=1, seed=3, frames=3, size=(128, 96), video=True)
    out = tmp_path / "out"
    result = run_infer("--video", clips / "clip_0000" / "clip.mp4", "--out", out,
                    "--pipeline", pipeline_file(tmp_path, models))
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
    result = run_infer("--video", broken, "--out", out, "--pipeline", pipeline_file(tmp_path, models))
    assert result.returncode == 2 and "cannot read any frame" in result.stderr
    assert not out.exists()
    (tmp_path / "img").mkdir()
    from facevid.io.files import write_image
    write_image(tmp_path / "img" / "a.png", np.zeros((96, 128, 3), np.uint8))
    cfg = yaml.safe_load(pipeline_file(tmp_path, models).read_text())
    cfg["parsers"][0]["weights"] = str(tmp_path / "missing.pdparams")
    (tmp_path / "bad.yml").write_text(yaml.safe_dump(cfg))
    missing = run_infer("--dir", tmp_path / "img", "--out", out, "--pipeline", tmp_path / "bad.yml")
    assert missing.returncode == 2 and "weights file not found" in missing.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.tmp-*"))


def test_a_frame_size_change_starts_over_instead_of_reusing_old_boxes(tmp_path, models):
    pipe = Pipeline.from_config(pipeline_file(tmp_path, models))
    rng = np.random.default_rng(0)
    big = pipe(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
    small = pipe(rng.integers(0, 255, (48, 64), dtype=np.uint8))       # grey, and smaller
    assert big.labels.shape == (96, 128) and small.labels.shape == (48, 64)
    assert all(0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 48 and (x1 - x0) * (y1 - y0) > 1
               for x0, y0, x1, y1 in small.crops)


def test_portrait_infer_writes_masks_alpha_and_the_composite(tmp_path, portrait_pipeline):
    clips = generate(tmp_path / "clips", clips=1, seed=3, frames=2, size=(128, 96), video=True,
                     task="portrait")
    background = tmp_path / "beach.jpg"
    from facevid.io.files import write_image
    write_image(background, np.full((50, 300, 3), 90, np.uint8))          # another size
    out = tmp_path / "out"
    result = run_infer("--video", clips / "clip_0000" / "clip.mp4", "--task", "portrait",
                    "--pipeline", portrait_pipeline, "--background", background, "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resized and centre-cropped" in result.stdout
    assert len(list((out / "masks").glob("*.png"))) == 2 and len(list((out / "alpha").glob("*.png"))) == 2
    assert (out / "composite.mp4").stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["backdrop"] == str(background) and summary["written"]["composite"] == 2

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    bad = run_infer("--video", clips / "clip_0000" / "clip.mp4", "--task", "portrait",
                 "--pipeline", portrait_pipeline, "--background", broken, "--out", tmp_path / "o2")
    assert bad.returncode == 2 and "cannot be decoded" in bad.stderr.strip().splitlines()[-1]
    assert "infer:" not in bad.stderr and not (tmp_path / "o2").exists()   # before any frame


def test_labels_decided_inside_the_crops_equal_the_argmax_of_the_frame(tmp_path, models):
    pipe = Pipeline.from_config(pipeline_file(tmp_path, models, grabcut={"enabled": False}, ensemble="soft"))
    frame = np.random.default_rng(4).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    from facevid.boxes.detections import Detections
    dets = Detections(np.array([[20, 10, 50, 40]], np.float32), np.ones(1, np.float32), np.ones(1, np.int64))
    result = pipe.parse(frame, dets)
    assert result.crops[0] != (0, 0, 128, 96)                 # a crop, not the whole frame
    assert np.array_equal(result.labels, result.probs.argmax(0))


def test_a_dir_of_photos_says_so_in_the_summary_and_video_frames_is_asked_for(tmp_path, models):
    """(What each photo gets is tested with known answers in test_no_detection.py.)"""
    from facevid.io.files import write_image
    photos = tmp_path / "photos"
    for name in ("a", "b"):
        write_image(photos / f"{name}.png", np.zeros((96, 128, 3), np.uint8))
    pipeline = ["--pipeline", pipeline_file(tmp_path, models)]
    assert run_infer("--dir", photos, "--out", tmp_path / "p", *pipeline).returncode == 0
    assert json.loads((tmp_path / "p" / "summary.json").read_text())["input"] == "independent photos"
    assert run_infer("--dir", photos, "--out", tmp_path / "v", "--video-frames", *pipeline).returncode == 0
    assert json.loads((tmp_path / "v" / "summary.json").read_text())["input"] == "video frames"
    wrong = run_infer("--image", photos / "a.png", "--out", tmp_path / "w", "--video-frames", *pipeline)
    assert wrong.returncode == 2 and "--video-frames is for --dir" in wrong.stderr




def test_building_a_pipeline_loads_each_config_once(tmp_path, models, monkeypatch):
    import facevid.config.load as loading
    loaded = []
    real = loading.config_from_dict
    monkeypatch.setattr(loading, "config_from_dict",
                        lambda raw, path, opts=(): loaded.append(str(path)) or real(raw, path, opts))
    Pipeline.from_config(pipeline_file(tmp_path, models))
    # The pipeline file, the detector's config, and each of the two parser entries once.
    assert sorted(loaded) == sorted([str(tmp_path / "pipeline.yml"), str(models["det"][0].resolve())]
                                    + [str(models["seg"][0].resolve())] * 2)


def test_the_pipeline_can_run_its_detector_on_every_kth_frame_only(tmp_path, models):
    pipe = Pipeline.from_config(pipeline_file(tmp_path, models, detect_every=3))
    assert pipe.detector.point.detect_every == 3
    calls = []
    raw = pipe.detector.raw
    pipe.detector.raw = lambda frame: calls.append(1) or raw(frame)
    pipe.new_video()
    frame = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    for _ in range(7):
        pipe(frame)
    assert len(calls) == 3                                  # frames 0, 3 and 6
    default = Pipeline.from_config(pipeline_file(tmp_path, models))
    assert default.detector.point.detect_every == 1         # the tiny detector config's own
