"""Entry points: clear one-line errors with exit code 2, and the folder-scoring mode."""
import json
import subprocess
import sys

import numpy as np

from facevid.io.files import write_image
from tests.helpers import ROOT, TINY


def _run(*args):
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_help_works_for_every_tool():
    for tool in ("make_synthetic.py", "make_det_dataset.py", "train.py", "eval.py"):
        result = _run(ROOT / "tools" / tool, "--help")
        assert result.returncode == 0 and "usage" in result.stdout


def test_bad_config_exits_2_with_a_message_and_no_output(tmp_path):
    result = _run("tools/train.py", "-c", TINY, "--out", tmp_path / "run", "--opts", "train.itres=3")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: --opts 'train.itres=3': unknown key")
    assert not (tmp_path / "run").exists()
    missing = _run("tools/train.py", "-c", tmp_path / "none.yml", "--out", tmp_path / "run")
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_missing_training_data_is_named(tmp_path):
    result = _run("tools/train.py", "-c", TINY, "--out", tmp_path / "run",
                  "--opts", f"data.train_root={tmp_path / 'nodata'}")
    assert result.returncode == 2 and "nodata: folder not found" in result.stderr
    assert not (tmp_path / "run").exists()


def test_make_synthetic_refuses_to_overwrite(tmp_path):
    out = tmp_path / "d"
    assert _run("tools/make_synthetic.py", "--out", out, "--clips", 1, "--frames", 1,
                "--size", 64, 48).returncode == 0
    again = _run("tools/make_synthetic.py", "--out", out, "--clips", 1)
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_eval_scores_label_folders(tmp_path):
    gt = np.zeros((20, 20), np.uint8)
    gt[5:15, 5:15] = 1
    pred = np.zeros_like(gt)
    pred[5:15, 10:20] = 1          # half overlap: IoU 50/150
    for t in range(2):
        write_image(tmp_path / "gt" / "clip" / "labels" / f"{t:05d}.png", gt)
        write_image(tmp_path / "pred" / "clip" / "labels" / f"{t:05d}.png", pred)
    out = tmp_path / "m.json"
    result = _run("tools/eval.py", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt",
                  "--schema", "portrait", "--out", out)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())
    assert abs(metrics["per_class_iou"][1] - 1 / 3) < 1e-9 and abs(metrics["J"] - 1 / 3) < 1e-9
    (tmp_path / "pred" / "clip" / "labels" / "00001.png").unlink()
    broken = _run("tools/eval.py", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt",
                  "--schema", "portrait", "--out", tmp_path / "m2.json")
    assert broken.returncode == 2 and "00001.png: prediction missing" in broken.stderr
    assert not (tmp_path / "m2.json").exists()


def test_training_runs_under_paddle_distributed_launch(synth_root, tmp_path):
    """Two CPU processes, the multi-GPU path without a GPU: rank 0 writes a checkpoint that
    records the world size."""
    from tests.helpers import MICRO_OPTS
    result = _run("-m", "paddle.distributed.launch", "--nproc_per_node", 2,
                  "--log_dir", tmp_path / "log", "tools/train.py", "-c", TINY, "--out", tmp_path / "run",
                  "--opts", *MICRO_OPTS, f"data.train_root={synth_root}", f"data.val_root={synth_root}",
                  "train.iters=2", "eval.max_frames=1")
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    state = json.loads((tmp_path / "run" / "iter_0000002" / "state.json").read_text())
    assert state["world_size"] == 2 and state["iteration"] == 2


def test_make_det_dataset_writes_coco_json(synth_root, tmp_path):
    out = tmp_path / "boxes.json"
    result = _run("tools/make_det_dataset.py", "--root", synth_root, "--out", out)
    assert result.returncode == 0, result.stderr
    coco = json.loads(out.read_text())
    assert len(coco["images"]) == 8 and {a["category_id"] for a in coco["annotations"]} == {1, 2}
    missing = _run("tools/make_det_dataset.py", "--root", tmp_path / "none", "--out", out)
    assert missing.returncode == 2 and "folder not found" in missing.stderr


def test_an_output_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run("tools/make_synthetic.py", "--out", blocker / "sub" / "d", "--clips", 1)
    assert result.returncode == 2 and "cannot create the output folder" in result.stderr


def test_make_det_dataset_hair_on_a_schema_without_hair_is_one_line(synth_root, tmp_path):
    result = _run("tools/make_det_dataset.py", "--root", synth_root, "--schema", "portrait",
                  "--include-hair", "--out", tmp_path / "boxes.json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no hair class" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "boxes.json").exists()


def test_make_split_writes_a_reproducible_split_by_group(tmp_path):
    for name in ("Ann_Lee_0001", "Ann_Lee_0002", "Bo_Chan_0001", "Cy_Dee_0001"):
        write_image(tmp_path / "d" / "images" / f"{name}.jpg", np.zeros((8, 8, 3), np.uint8))
        write_image(tmp_path / "d" / "labels" / f"{name}.png", np.zeros((8, 8), np.uint8))
    args = ("tools/make_split.py", "--root", tmp_path / "d", "--label-dir", "labels",
            "--group", "person", "--val-fraction", "0.5", "--salt", "t")
    assert _run(*args, "--out", tmp_path / "a.yml").returncode == 0
    assert _run(*args, "--out", tmp_path / "b.yml").returncode == 0
    import yaml
    split = yaml.safe_load((tmp_path / "a.yml").read_text())
    assert (tmp_path / "a.yml").read_text() == (tmp_path / "b.yml").read_text()
    assert sorted(split["train"] + split["val"]) == ["Ann_Lee_0001", "Ann_Lee_0002", "Bo_Chan_0001",
                                                     "Cy_Dee_0001"]
    together = [n for n in split["val"] if n.startswith("Ann_Lee")]
    assert len(together) in (0, 2)           # one person is never on both sides


def test_training_a_person_only_detector_ends_with_its_own_recall(tmp_path, synth_root):
    # Regression: the closing line asked for recall_face, which a person detector has not, and
    # a finished run exited 1 with a traceback.
    from tests.helpers import MICRO_DET, TINY_DET
    result = _run("tools/train.py", "-c", TINY_DET, "--out", tmp_path / "run", "--opts", *MICRO_DET,
                  f"data.train_root={synth_root}", f"data.val_root={synth_root}", "data.face_boxes=false",
                  "num_classes=1", "train.iters=1", "train.eval_interval=1", "eval.max_frames=2")
    assert result.returncode == 0, result.stderr[-1500:]
    assert "done: last val recall_person" in result.stdout
