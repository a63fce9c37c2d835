"""The newer surfaces under hostile but fair input: --dir names and bad entries, contact-sheet
outputs, compositing values, empty splits, videos that stop early, checks before any model
loads. Each case: a clear line and exit 2 (or handled and reported), nothing lost."""
import os

import cv2
import numpy as np
import pytest
import yaml

from facevid.errors import DataError, UserError
from facevid.io.files import read_image_over_black, write_image
from facevid.io.video import FrameSource
from pipeline.outputs import Backdrop, check_save_kinds
from tests.helpers import TINY, assert_one_line_error, run_tool


def _photo(path, value=0):
    write_image(path, np.full((24, 32, 3), value, np.uint8))


def test_photos_sharing_a_name_stem_are_refused_before_anything_runs(tmp_path):
    for name in ("a.JPEG", "a.jpg", "a.png", "b.png"):
        _photo(tmp_path / name)
    with pytest.raises(DataError, match="a.JPEG and a.jpg and a.png share a name stem"):
        FrameSource(folder=tmp_path)
    result = run_tool("tools/infer.py", "--dir", tmp_path, "--out", tmp_path.parent / "o",
                  "--pipeline", tmp_path / "never_loaded.yml")
    assert_one_line_error(result, "share a name stem")


def test_hidden_files_are_left_out_and_unreadable_entries_skipped_and_listed(tmp_path):
    _photo(tmp_path / "a.jpg", 10)
    _photo(tmp_path / "c.jpg", 30)
    (tmp_path / "._a.jpg").write_bytes(b"")          # what macOS leaves beside a copied photo
    (tmp_path / "b.jpg").write_bytes(b"")            # 0 bytes
    (tmp_path / "d.jpg").mkdir()                     # a folder named like a photo
    os.symlink(tmp_path / "gone.jpg", tmp_path / "e.jpg")    # a broken link
    source = FrameSource(folder=tmp_path)
    names = [name for name, _ in source]
    assert names == ["a", "c"]
    assert [os.path.basename(s["file"]) for s in source.skipped] == ["b.jpg", "d.jpg", "e.jpg"]


def test_a_video_that_stops_decoding_early_says_both_counts(tmp_path):
    clip = tmp_path / "cut.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    rng = np.random.default_rng(0)
    for _ in range(30):
        writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()
    with open(clip, "r+b") as f:
        f.truncate(os.path.getsize(clip) // 3)
    source = FrameSource(video=clip)
    frames = list(source)
    assert source.expected_frames == 30 and source.decoded == len(frames) < 30


def test_contact_sheet_refuses_to_replace_an_input_and_an_unknown_suffix(tmp_path):
    _photo(tmp_path / "a.png")
    _photo(tmp_path / "b.png")
    before = (tmp_path / "a.png").read_bytes()
    assert_one_line_error(run_tool("tools/contact_sheet.py", tmp_path / "a.png", tmp_path / "b.png",
                         "--out", tmp_path / "a.png"), "is one of the inputs")
    assert (tmp_path / "a.png").read_bytes() == before
    for out in ("sheet.xyz", "sheet"):
        assert_one_line_error(run_tool("tools/contact_sheet.py", tmp_path / "a.png", "--out", tmp_path / out),
                        "end the name in one of")


@pytest.mark.parametrize("blur", ["nan", "inf", "1e6", "20000", "0", "-3"])
def test_blur_values_outside_the_bound_are_refused_before_any_model_loads(tmp_path, blur):
    _photo(tmp_path / "a.png")
    with pytest.raises(UserError, match=r"--blur must be a sigma in pixels in \(0, 100\]"):
        Backdrop.from_args(None, float(blur))
    result = run_tool("tools/infer.py", "--image", tmp_path / "a.png", "--out", tmp_path / "o",
                  "--task", "portrait", "--blur", blur, "--pipeline", tmp_path / "never_loaded.yml")
    assert_one_line_error(result, "--blur")
    assert not (tmp_path / "o").exists()


def test_save_kinds_are_checked_first_and_written_once():
    assert check_save_kinds(["labels", "color", "labels"]) == ("labels", "color")
    with pytest.raises(UserError, match=r"--save \['bogus'\]: unknown"):
        check_save_kinds(["labels", "bogus"])


def test_unknown_save_kind_fails_before_the_pipeline_is_read(tmp_path):
    _photo(tmp_path / "a.png")
    result = run_tool("tools/infer.py", "--image", tmp_path / "a.png", "--out", tmp_path / "o",
                  "--save", "labels", "bogus", "--pipeline", tmp_path / "never_loaded.yml")
    assert_one_line_error(result, "--save", "bogus")


def test_a_background_is_fitted_once_per_frame_size_and_its_alpha_taken_over_black(tmp_path):
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[:, :30, 3] = 255                 # left half opaque, right half transparent
    cv2.imwrite(str(tmp_path / "bg.png"), rgba)
    image, had_alpha = read_image_over_black(tmp_path / "bg.png")
    assert had_alpha and (image[:, :30] == 200).all() and (image[:, 30:] == 0).all()
    backdrop = Backdrop.from_args(str(tmp_path / "bg.png"), None)
    assert "alpha over black" in backdrop.source
    frame = np.zeros((20, 30, 3), np.uint8)
    first = backdrop.behind(frame)
    assert backdrop.behind(frame) is first and first.shape == (20, 30, 3)
    assert backdrop.behind(np.zeros((10, 30, 3), np.uint8)).shape == (10, 30, 3)


@pytest.mark.parametrize("empty", ["train", "val"])
def test_an_empty_split_is_a_config_error_before_any_training(synth_root, tmp_path, empty):
    from facevid.data.readers import ChallengeClips
    from facevid.data.splits import frame_name
    names = [frame_name(ref) for ref in ChallengeClips(synth_root).frames]
    split = {"train": names, "val": names}
    split[empty] = []
    (tmp_path / "split.yml").write_text(yaml.safe_dump(split))
    result = run_tool("tools/train.py", "-c", TINY, "--out", tmp_path / "run", "--opts",
                  f"data.train_root={synth_root}", f"data.val_root={synth_root}",
                  f"data.split_file={tmp_path / 'split.yml'}", "train.iters=2")
    assert_one_line_error(result, f"its '{empty}' list is empty")
    assert not (tmp_path / "run").exists()
