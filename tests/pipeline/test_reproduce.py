"""tools/reproduce.py end to end on micro models: the table, reuse of finished steps, resume."""
import json
import subprocess
import sys

import pytest
import yaml

from facevid.data.schema import load_schema
from facevid.metrics.score_folders import score_folders

from tests.helpers import MICRO_SEG, ROOT


def test_reproduce_writes_every_row_reuses_steps_and_resumes(tmp_path):
    out = tmp_path / "repro"
    preset = {
        "stage": "reproduce", "out": str(out),
        "synthetic": {"train_clips": 1, "val_clips": 1, "frames": 2, "train_seed": 1, "val_seed": 2},
        "train_root": str(out / "data" / "train"), "val_root": str(out / "data" / "val"),
        "detector": {"config": "configs/stage1_cascade_rcnn_r18_tiny.yml",
                     "opts": ["train.iters=2", "train.eval_interval=2", "train.save_interval=2",
                              "train.image_size=[128,96]", "FPN.out_channel=16"]},
        "models": {name: {"config": f"configs/{file}", "opts": MICRO_SEG}
                   for name, file in (("OCRNet", "stage2_ocrnet_tiny.yml"),
                                      ("EANet-Add", "stage2_eanet_add_tiny.yml"),
                                      ("EANet-Cat", "stage2_eanet_cat_tiny.yml"))},
        "main_model": "EANet-Cat", "train_size_eval": [24, 24], "published": {"OCRNet": 83.42}}
    config = tmp_path / "preset.yml"
    config.write_text(yaml.safe_dump(preset, sort_keys=False))
    run = lambda: subprocess.run([sys.executable, "tools/reproduce.py", "-c", str(config)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=900)
    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert [r["row"] for r in results["rows"]] == ["OCRNet", "EANet-Add", "EANet-Cat", "hard-vote ensemble",
                                     "ensemble + GrabCut", "EANet-Cat argmax-nearest",
                                     "EANet-Cat infer at train size"]
    for row in results["rows"]:
        assert {"miou", "mean_f1", "J", "F", "JF", "decay"} <= set(row["metrics"])
    assert "recall_face" in results["detector"] and results["commit"]
    assert set(results["steps"]) >= {"data", "train_detector", "train_OCRNet", "score_rows"}
    table = (out / "table.md").read_text()
    assert "| ensemble + GrabCut |" in table and "83.42" in table

    # The row is what tools/infer.py computes with the pipeline reproduce wrote beside it.
    clip = out / "data" / "val" / "clip_0000"
    infer = subprocess.run([sys.executable, "tools/infer.py", "--dir", str(clip / "images"),
                            "--pipeline", str(out / "pipeline.yml"), "--out", str(tmp_path / "inf")],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert infer.returncode == 0, infer.stderr[-3000:]
    scored = score_folders(tmp_path / "inf", clip, load_schema("sfp18"), show_progress=False)
    row = next(r["metrics"] for r in results["rows"] if r["row"] == "ensemble + GrabCut")
    for key in ("miou", "mean_f1", "J", "F"):
        assert scored[key] == pytest.approx(row[key], abs=1e-9), key

    # An interruption after training, before its step was recorded: the rerun does not retrain.
    (out / "steps" / "train_EANet-Cat.json").unlink()
    (out / "steps" / "score_rows.json").unlink()
    second = run()
    assert second.returncode == 0, second.stderr[-3000:]
    assert "[skip] train_OCRNet" in second.stdout and "[run] train_EANet-Cat" in second.stdout
    assert "[run] score_rows" in second.stdout

    # Trained detector weights named in the preset: no detector training, the pipeline uses them.
    import shutil
    shutil.copy(out / "det" / "best_model.pdparams", tmp_path / "det.pdparams")
    preset["detector"]["weights"] = str(tmp_path / "det.pdparams")
    config.write_text(yaml.safe_dump(preset, sort_keys=False))
    for step in ("train_detector", "score_rows", "score_detector"):
        (out / "steps" / f"{step}.json").unlink()
    third = run()
    assert third.returncode == 0, third.stderr[-3000:]
    assert "[reuse] detector" in third.stdout and "train_detector" not in third.stdout
    written = yaml.safe_load((out / "pipeline.yml").read_text())
    assert written["detector"]["weights"] == str(tmp_path / "det.pdparams")
    assert "recall_face" in json.loads((out / "results.json").read_text())["detector"]
