"""Peak memory of one training step at batch 1, per config, measured on this CPU.

Each config runs in its own process: build the model and its loss terms, then two forward +
backward + optimizer steps on a random batch of one crop at `train.crop_size`; the peak resident
memory of the process (ru_maxrss) and its growth over the memory after building are reported.
GPU memory differs (cuDNN workspaces, float16 with amp), but the growth is the order of what a
batch of one needs, so a GPU user can size batches from it. Writes results.json and table.md.

Example:
  python bench/train_memory.py --out bench/results/train_memory \\
      configs/stage2_eanet_cat_tiny.yml configs/stage2_eanet_cat.yml
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

from facevid.cli import run_main
from facevid.io.files import write_json, write_text

CHILD = r"""
import json, resource, sys, time
import numpy as np
import stage2_seg.train  # noqa: F401  (flags and OpenCV before paddle)
import paddle
from facevid.config.load import load_config
from facevid.runtime.loop import build_optimizer
from stage2_seg.components import build_model
from stage2_seg.losses.terms import LossComputer
cfg = load_config(sys.argv[1], ["train.batch_size=1"])
model = build_model(cfg)
losses = LossComputer.for_model(cfg, model)
optimizer, _ = build_optimizer(cfg, model)
built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
w, h = cfg.train.crop_size
channels = cfg.in_channels
x = paddle.randn([1, channels, h, w])
y = paddle.randint(0, cfg.class_schema.num_classes, [1, h, w])
tic = time.perf_counter()
for _ in range(2):
    parts = losses(model(x), y)
    parts["total"].backward()
    optimizer.step()
    optimizer.clear_grad()
seconds = (time.perf_counter() - tic) / 2
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
params = sum(int(np.prod(p.shape)) for p in model.parameters())
print(json.dumps({"crop": [w, h], "parameters": params, "rss_after_build_mb": built,
                  "peak_rss_mb": peak, "step_growth_mb": peak - built, "seconds_per_step": seconds}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="+", help="stage-2 configs")
    parser.add_argument("--out", required=True, help="folder for results.json and table.md")
    args = parser.parse_args()
    rows = {}
    for config in args.configs:
        done = subprocess.run([sys.executable, "-c", CHILD, config], capture_output=True, text=True)
        if done.returncode != 0:
            rows[config] = {"error": done.stderr.strip().splitlines()[-1][:200]}
            continue
        rows[config] = json.loads(done.stdout.strip().splitlines()[-1])
    write_json(Path(args.out) / "results.json", rows)
    lines = ["| config | crop | parameters | RSS after build (MB) | peak RSS (MB) | step growth (MB) | s/step |",
             "|---|---|---|---|---|---|---|"]
    for config, r in rows.items():
        if "error" in r:
            lines.append(f"| {config} | error: {r['error']} |")
            continue
        lines.append(f"| {config} | {r['crop'][0]}x{r['crop'][1]} | {r['parameters']:,} | "
                     f"{r['rss_after_build_mb']:.0f} | {r['peak_rss_mb']:.0f} | {r['step_growth_mb']:.0f} | "
                     f"{r['seconds_per_step']:.2f} |")
    write_text(Path(args.out) / "table.md", "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run_main(main)
