"""Stage-2 ablation on the CPU: OCRNet, EANet-Add, EANet-Cat, and EANet-Cat without its refine
head, trained with the same budget (iterations, batch, crop, optimizer, seed) on the same
synthetic clips and scored on held-out clips of another seed.

    python bench/ablation_stage2.py --out runs/bench/ablation_stage2 [--iters 1000]

Writes OUT/results.json (every metric, iterations, seconds) and OUT/table.md. Finished variants
are reused on a rerun (delete OUT/<variant> to retrain one).
"""
import argparse
import json
import shutil
import subprocess
import time
from pathlib import Path

from tqdm import tqdm

from facevid.cli import run_main
from facevid.config.load import load_config
from facevid.io.files import write_bytes, write_json
from facevid.synthetic.clips import generate

ROOT = Path(__file__).resolve().parent.parent
NO_REFINE = ["model.refine_layers=0",
             "loss=[{output: aux, type: CrossEntropyLoss, coef: 0.4},"
             " {output: seg, type: CrossEntropyLoss, coef: 1.0},"
             " {output: seg, type: LovaszSoftmaxLoss, coef: 1.0},"
             " {output: edge, type: EdgeBCELoss, coef: 1.0},"
             " {output: seg, type: EdgeAttentionCELoss, coef: 1.0}]"]
VARIANTS = {
    "OCRNet": ("stage2_ocrnet_tiny.yml", []),
    "EANet-Add": ("stage2_eanet_add_tiny.yml", []),
    "EANet-Cat": ("stage2_eanet_cat_tiny.yml", []),
    "EANet-Cat w/o refine": ("stage2_eanet_cat_tiny.yml", NO_REFINE),
}
COLUMNS = ("miou", "mean_f1", "F", "J", "JF")


def run_variant(name: str, config: str, extra, data: Path, out: Path, iters: int) -> dict:
    from stage2_seg.train import train      # paddle only when training is needed
    cfg = load_config(ROOT / "configs" / config,
                      [f"data.train_root={data / 'train'}", f"data.val_root={data / 'val'}",
                       f"train.iters={iters}", f"train.eval_interval={iters}",
                       f"train.save_interval={iters}", *extra])
    tic = time.time()
    metrics = train(cfg, out, show_progress=True)   # evaluated at the last iteration
    seconds = time.time() - tic
    return {"variant": name, "config": config, "overrides": list(extra), "iters": iters,
            "train_seconds": round(seconds, 1), "metrics": metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/bench/ablation_stage2", help="output folder")
    parser.add_argument("--iters", type=int, default=1000, help="training iterations per variant")
    parser.add_argument("--train-clips", type=int, default=16)
    parser.add_argument("--val-clips", type=int, default=4)
    args = parser.parse_args()
    out = Path(args.out)
    # The code that trains is the code at the start (HEAD may move while this runs).
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    data = out / "data"
    if not (data / "val" / "meta.json").exists():
        generate(data / "train", clips=args.train_clips, seed=1, overwrite=True)
        generate(data / "val", clips=args.val_clips, seed=2, overwrite=True)
    rows = []
    for name, (config, extra) in tqdm(VARIANTS.items(), desc="variants", unit="model"):
        folder = out / name.replace(" ", "_").replace("/", "")
        done = folder / "result.json"
        if done.exists() and json.loads(done.read_text())["iters"] == args.iters:
            print(f"{name}: reusing {done}")
            rows.append(json.loads(done.read_text()))
            continue
        shutil.rmtree(folder, ignore_errors=True)      # an unfinished earlier attempt
        row = run_variant(name, config, extra, data, folder, args.iters)
        write_json(done, row)
        rows.append(row)
    write_json(out / "results.json", {"commit": commit, "iters": args.iters, "rows": rows})
    lines = [f"| model | {' | '.join(COLUMNS)} | train s |", "|---" * (len(COLUMNS) + 2) + "|"]
    for row in rows:
        m = row["metrics"]
        lines.append(f"| {row['variant']} | " + " | ".join(f"{m[c]:.4f}" for c in COLUMNS)
                     + f" | {row['train_seconds']:.0f} |")
    table = "\n".join(lines) + "\n"
    write_bytes(out / "table.md", table.encode())
    print(table)


if __name__ == "__main__":
    run_main(main)
