"""Bad or unusual input, as a hostile but fair new user gives it: every case ends in one clear
line and exit code 2 (or is handled), never a traceback, a hang, a deleted input or a
half-written output."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from facevid.config.load import load_config
from facevid.errors import ConfigError, DataError, UserError
from facevid.io.files import read_label, write_image
from facevid.io.output_folders import atomic_dir
from facevid.io.frames import MAX_PIXELS, as_rgb_frame
from facevid.io.video import FrameSource, VideoWriter
from tests.helpers import CONFIGS, MICRO_OPTS, ROOT, TINY, assert_one_line_error, run_tool


@pytest.mark.parametrize("workers", [0, 1])
def test_a_bad_label_ends_training_with_its_name_instead_of_hanging(synth_root, tmp_path, workers):
    data = tmp_path / "d"
    shutil.copytree(synth_root, data)
    bad = sorted(data.rglob("labels/*.png"))[1]
    label = read_label(bad)
    label[:20, :20] = 50
    write_image(bad, label)
    result = run_tool("tools/train.py", "-c", TINY, "--out", tmp_path / "run", "--opts",
                  f"data.train_root={data}", f"data.val_root={data}", "train.iters=3",
                  f"train.num_workers={workers}", *MICRO_OPTS, timeout=240)
    assert_one_line_error(result, str(bad), "[50]")


def test_outputs_never_replace_their_inputs(synth_root, tmp_path):
    clip = tmp_path / "frames"
    shutil.copytree(synth_root / "clip_0000" / "images", clip)
    before = sorted(p.name for p in clip.iterdir())
    result = run_tool("tools/infer.py", "--dir", clip, "--out", clip, "--overwrite")
    assert_one_line_error(result, "is the input")
    result = run_tool("tools/infer.py", "--image", clip / before[0], "--out", tmp_path, "--overwrite")
    assert_one_line_error(result, "holds the input")
    assert sorted(p.name for p in clip.iterdir()) == before
    pred = tmp_path / "pred"
    write_image(pred / "keep.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(DataError, match="not empty; choose another --out or pass --overwrite"):
        with atomic_dir(pred):
            pass
    assert (pred / "keep.png").is_file()


@pytest.mark.parametrize("tool,args", [
    ("infer.py", ["--image", "IMG"]),
    ("make_synthetic.py", ["--clips", "1", "--frames", "1"]),
    ("export.py", ["-c", str(TINY), "--weights", "W"]),
])
def test_an_output_path_that_is_a_file_is_one_line(tool, args, tmp_path):
    image = tmp_path / "a.png"
    write_image(image, np.zeros((32, 32, 3), np.uint8))
    taken = tmp_path / "taken"
    taken.write_text("a file")
    args = [str(image) if a == "IMG" else str(tmp_path / "w.pdparams") if a == "W" else a for a in args]
    result = run_tool(f"tools/{tool}", *args, "--out", taken)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-1500:]
    assert taken.read_text() == "a file"


def test_train_out_that_cannot_be_created_is_one_line(tmp_path, synth_root):
    taken = tmp_path / "taken"
    taken.write_text("x")
    for out in (taken, "/proc/nope/run"):
        result = run_tool("tools/train.py", "-c", TINY, "--out", out, "--opts",
                      f"data.train_root={synth_root}", f"data.val_root={synth_root}",
                      "train.iters=1", *MICRO_OPTS)
        assert_one_line_error(result, "--out")


@pytest.mark.parametrize("argv,needle", [
    (["tools/train.py", "-c", "configs/pipeline_tiny.yml", "--out", "OUT"], "is a 'pipeline' config"),
    (["tools/eval.py", "-c", "configs/pipeline_tiny.yml", "--weights", "w", "--out", "OUT"],
     "is a 'pipeline' config"),
    (["tools/infer.py", "--image", "IMG", "--pipeline", "configs/stage2_eanet_cat_tiny.yml",
      "--out", "OUT"], "is a 'seg' config"),
    (["tools/reproduce.py", "-c", "configs/stage2_eanet_cat_tiny.yml"], "is a 'seg' config"),
    (["tools/export.py", "-c", "configs/pipeline_tiny.yml", "--weights", "w", "--out", "OUT"],
     "is a 'pipeline' config"),
])
def test_a_config_of_the_wrong_kind_says_which_kind_is_wanted(argv, needle, tmp_path):
    image = tmp_path / "a.png"
    write_image(image, np.zeros((32, 32, 3), np.uint8))
    argv = [str(image) if a == "IMG" else str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert_one_line_error(run_tool(*argv), needle)


def test_values_are_typed_and_ranged_where_the_config_is_loaded(tmp_path):
    assert load_config(TINY, ["train.lr=1e-3"]).train.lr == pytest.approx(0.001)
    for opt, needle in (("train.lr=-1", "train.lr"), ("seed=abc", "seed"),
                        ("train.num_workers=-1", "num_workers"), ("train.flip_prob=2", "flip_prob"),
                        ("data.crop_margin=abc", "crop_margin")):
        with pytest.raises(ConfigError, match=needle):
            load_config(TINY, [opt])
    for opt, needle in (("grabcut.band=abc", "grabcut.band"), ("overlay.alpha=5", "overlay.alpha")):
        with pytest.raises(ConfigError, match=needle):
            load_config(CONFIGS / "pipeline_tiny.yml", [opt])
    with pytest.raises(ConfigError, match="ResNet"):
        from stage1_detect.model import build_detector
        build_detector(load_config(CONFIGS / "stage1_cascade_rcnn_r18_tiny.yml", ["ResNet.depth=19"]))
    real_faces = CONFIGS / "reproduce_celebamask_cpu.yml"
    assert load_config(real_faces).detector.weights == "weights/face_detector_cascade_csp.pdparams"
    missing = tmp_path / "missing_weights.yml"
    missing.write_text(f"_base_: {real_faces}\ndetector: {{weights: nothing.pdparams}}\n")
    with pytest.raises(ConfigError, match="detector.weights: nothing.pdparams is not a file"):
        load_config(missing)


def test_frame_sources_refuse_what_they_cannot_read(tmp_path):
    fake = tmp_path / "still.mp4"
    ok, data = __import__("cv2").imencode(".jpg", np.zeros((16, 16, 3), np.uint8))
    fake.write_bytes(data.tobytes())
    try:
        source = FrameSource(video=fake)
        assert source.expected_frames is None or source.expected_frames >= 1
        assert len(list(source)) >= 1
    except DataError as exc:
        assert "cannot read any frame" in str(exc)
    with pytest.raises(DataError, match="--max-frames"):
        FrameSource(video=fake, max_frames=-3)
    with pytest.raises(DataError, match="image file not found"):
        FrameSource(image=tmp_path / "missing.jpg")
    with pytest.raises(DataError, match="is a file, not a folder"):
        FrameSource(folder=fake)


def test_the_api_converts_grey_and_rgba_and_refuses_the_rest():
    grey = np.full((20, 30), 7, np.uint8)
    assert as_rgb_frame(grey).shape == (20, 30, 3)
    rgba = np.zeros((20, 30, 4), np.uint8)
    assert as_rgb_frame(rgba).shape == (20, 30, 3)
    for bad, needle in ((None, "None"), (np.zeros((20, 30, 3), np.float32), "uint8"),
                        (np.zeros((20, 30, 3), np.uint16), "uint8"),
                        (np.zeros((20, 30, 3), bool), "uint8"), (np.zeros((3, 20, 30), np.uint8), "channels-first"),
                        (np.zeros((0, 30, 3), np.uint8), "at least"), ([[1, 2]], "numpy array"),
                        (np.zeros((20, 30, 2), np.uint8), "shape")):
        with pytest.raises(UserError, match=needle):
            as_rgb_frame(bad)
    huge = np.lib.stride_tricks.as_strided(np.zeros(3, np.uint8), (8000, MAX_PIXELS // 7000, 3), (0, 0, 1))
    with pytest.raises(UserError, match="above the limit"):
        as_rgb_frame(huge)


def test_a_video_whose_frame_size_changes_keeps_every_frame(tmp_path):
    import cv2
    writer = VideoWriter(tmp_path / "v.mp4", 10.0, (64, 48))
    for size in ((64, 48), (64, 48), (96, 72), (32, 24)):
        writer.write(np.zeros((size[1], size[0], 3), np.uint8))
    writer.close()
    assert writer.resized == 2
    cap = cv2.VideoCapture(str(tmp_path / "v.mp4"))
    count = 0
    while cap.read()[0]:
        count += 1
    assert count == 4


def test_scoring_refuses_an_ignore_index_that_is_a_class_and_image_pngs_as_labels(tmp_path):
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    write_image(gt / "a.png", np.zeros((8, 8), np.uint8))
    write_image(pred / "a.png", np.zeros((8, 8), np.uint8))
    assert_one_line_error(run_tool("tools/eval.py", "--pred", pred, "--gt", gt, "--ignore-index", "5",
                         "--out", tmp_path / "m.json"), "--ignore-index 5 is a class")
    colour = np.random.default_rng(0).integers(0, 255, (8, 8, 3), dtype=np.uint8)
    write_image(gt / "a.png", colour)
    assert_one_line_error(run_tool("tools/eval.py", "--pred", pred, "--gt", gt, "--out", tmp_path / "m.json"),
                    "is a colour image")
    assert not (tmp_path / "m.json").exists()


def test_a_killed_writer_leaves_no_temporary_folder_behind(tmp_path):
    final = tmp_path / "out"
    stale = tmp_path / ".out.tmp-999999-x"         # pid 999999 does not run
    stale.mkdir()
    with atomic_dir(final) as tmp:
        (tmp / "a.txt").write_text("a")
    assert not stale.exists() and (final / "a.txt").is_file()
    assert final.stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_sigterm_unwinds_like_ctrl_c_and_leaves_no_temporary_folder(tmp_path):
    import signal
    import time
    proc = subprocess.Popen([sys.executable, "tools/make_synthetic.py", "--out", str(tmp_path / "big"),
                             "--clips", "500", "--frames", "8"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list(tmp_path.glob(".big.tmp-*")) and time.time() < deadline:
        time.sleep(0.2)                                   # wait until it is writing
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err
    assert not (tmp_path / "big").exists() and not list(tmp_path.glob(".big.tmp-*"))
