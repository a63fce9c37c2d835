"""The import-order guard: stage packages load OpenCV before paddle, so PNG labels decode."""
import subprocess
import sys

import numpy as np

from facevid.io.files import write_image


def test_png_labels_decode_in_a_process_that_imports_a_stage_first(tmp_path):
    label = np.zeros((480, 854), np.uint8)
    label[100:300, 200:500] = 255
    write_image(tmp_path / "mask.png", label)
    code = ("import stage2_seg.train\n"          # imports paddle: before the fix, cv2 came later
            "from facevid.io.files import read_label\n"
            f"print(int(read_label({str(tmp_path / 'mask.png')!r}).sum() // 255))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == str(200 * 300)
