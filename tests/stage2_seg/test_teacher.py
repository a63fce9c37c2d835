"""The teacher's mattes as labels, and the MODNet input-size rule (no ONNX file needed)."""
import numpy as np

from facevid.io.files import write_image
from facevid.data.readers import ImageMaskFolder, matte_label
from stage2_seg.teacher import modnet_size, pending


def test_modnet_input_size_follows_its_reference_rule():
    assert modnet_size(480, 854) == (480, 832)        # between the bounds: kept, rounded to 32
    assert modnet_size(250, 250) == (512, 512)        # smaller all round: short side to 512
    assert modnet_size(1080, 1920) == (512, 896)      # larger all round: short side to 512
    assert modnet_size(250, 250, short_side=384) == (384, 384)


def test_a_matte_is_person_background_or_ignored_where_the_teacher_is_unsure():
    alpha = np.array([[0, 76, 77, 78, 128, 177, 178, 255]], np.uint8)
    np.testing.assert_array_equal(matte_label(alpha, 255), [[0, 0, 0, 255, 255, 255, 1, 1]])


def test_a_matte_folder_reads_as_labels_and_pending_skips_written_mattes(tmp_path):
    write_image(tmp_path / "images" / "clip" / "a.jpg", np.zeros((8, 8, 3), np.uint8))
    write_image(tmp_path / "images" / "clip" / "b.jpg", np.zeros((8, 8, 3), np.uint8))
    write_image(tmp_path / "images" / ".hidden.jpg", np.zeros((8, 8, 3), np.uint8))
    write_image(tmp_path / "mattes" / "clip" / "a.png", np.full((8, 8), 230, np.uint8))
    assert [p.name for p, _ in pending(tmp_path / "images", tmp_path)] == ["b.jpg"]
    write_image(tmp_path / "mattes" / "clip" / "b.png", np.full((8, 8), 100, np.uint8))
    reader = ImageMaskFolder(tmp_path, "images", "mattes", "matte", ignore_index=255)
    labels = [reader.load(i)[1] for i in range(len(reader))]
    assert (labels[0] == 1).all() and (labels[1] == 255).all()


def test_a_validation_folder_with_its_own_layout_is_taken_whole(tmp_path, synth_root):
    """data.val_layout: the validation folder (e.g. tools/make_portrait_val.py's) has its own
    sub-folders and label values; the split file then chooses training images only."""
    import pytest
    from facevid.config.load import load_config
    from facevid.errors import ConfigError
    from facevid.data.splits import open_split
    from tests.helpers import TINY
    write_image(tmp_path / "images" / "src" / "x.jpg", np.zeros((8, 8, 3), np.uint8))
    write_image(tmp_path / "labels" / "src" / "x.png", np.ones((8, 8), np.uint8))
    cfg = load_config(TINY, [f"data.train_root={synth_root}", f"data.val_root={tmp_path}",
                             "data.val_layout={image_dir: images, label_dir: labels, mask_values: ids}"])
    val = open_split(cfg, "val")
    assert len(val) == 1 and (val.load(0)[1] == 1).all()
    with pytest.raises(ConfigError, match="required key 'data.val_layout.label_dir' is missing"):
        load_config(TINY, ["data.val_layout={image_dir: images}"])


def _modnet_or_skip():
    import pytest
    pytest.importorskip("onnxruntime", reason="onnxruntime is a training extra (make train-deps)")
    from stage2_seg.teacher import find_modnet
    from facevid.errors import UserError
    try:
        return find_modnet()
    except UserError as err:
        pytest.skip(f"{err}")


def test_the_matte_tool_refuses_a_wrong_model_and_changed_settings_keeping_its_record(tmp_path):
    """The probe's cases: a text file, a 0-byte file or the other teacher's model as --onnx
    (tracebacks, and an existing cache's teacher.json rewritten to name it); a resume at another
    --short-side (mattes of two sizes mixed); --out inside --images (mattes of its mattes)."""
    import json
    from stage1_detect.teacher import SCRFD_FILE
    from tests.helpers import assert_one_line_error, run_tool
    modnet = _modnet_or_skip()
    images, out = tmp_path / "images", tmp_path / "mattes"
    write_image(images / "a.jpg", np.full((40, 48, 3), 128, np.uint8))
    done = run_tool("tools/teacher_mattes.py", "--images", images, "--out", out, "--short-side", "64")
    assert done.returncode == 0, done.stderr
    record = (out / "teacher.json").read_text()
    (tmp_path / "text.onnx").write_text("not a model")
    (tmp_path / "empty.onnx").write_bytes(b"")
    bad = [(tmp_path / "text.onnx", "not a loadable ONNX model"),
           (tmp_path / "empty.onnx", "not a loadable ONNX model")]
    if SCRFD_FILE.is_file():
        bad.append((SCRFD_FILE, "which is not MODNet"))
    for onnx, needle in bad:
        result = run_tool("tools/teacher_mattes.py", "--images", images, "--out", out, "--onnx", onnx)
        assert_one_line_error(result, needle)
    assert_one_line_error(run_tool("tools/teacher_mattes.py", "--images", images, "--out", out),
                          "made with short_side 64 (now 512)")
    assert (out / "teacher.json").read_text() == record
    assert json.loads(record)["onnx"] == modnet.name
    assert_one_line_error(run_tool("tools/teacher_mattes.py", "--images", images, "--out",
                                   images / "m"), "lies inside the input")
    (tmp_path / "f").write_text("x")
    assert_one_line_error(run_tool("tools/teacher_mattes.py", "--images", images, "--out",
                                   tmp_path / "f"), "is a file")
