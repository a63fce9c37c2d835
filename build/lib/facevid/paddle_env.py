"""Import this module before paddle (it imports paddle itself, once, the right way), so users
never have to set the flag, the import order or the signal handlers below themselves.

paddledet 2.6 builds tensors with `paddle.concat` of scalars, which paddle >= 2.5 turned into
0-D tensors; `FLAGS_set_to_1d=1` restores the 1-D behaviour it expects (docs/DESIGN.md section 2).
Paddle reads the flag once, when it is first imported, so setting it later has no effect.
"""
import os
import sys

if "paddle" in sys.modules and (os.environ.get("FLAGS_set_to_1d") != "1" or "cv2" not in sys.modules):
    raise ImportError(
        "paddle was imported before facevid.paddle_env, so FLAGS_set_to_1d=1 could not take "
        "effect; import stage1_detect/stage2_seg (or facevid.paddle_env) before paddle")
os.environ["FLAGS_set_to_1d"] = "1"

# OpenCV must be loaded before paddle: with paddle's libraries loaded first, OpenCV's libpng
# binds paddle's zlib and PNG decoding fails ("IDAT: bad parameters to zlib") or crashes in
# inflateReset2 (measured here with paddlepaddle 2.6.2 and opencv-python 4.5.5.64).
import cv2  # noqa: E402,F401

# Paddle replaces the process's SIGTERM/SIGINT handlers when it loads (its own C++ handlers
# print "FatalError: Termination signal" and exit 143, so no `finally` runs and temporary
# outputs stay behind). Import it here, once, turn its handlers off and put Python's back, so
# SIGTERM unwinds like Ctrl-C wherever facevid.cli.run_main set that up.
import signal  # noqa: E402

import paddle  # noqa: E402

paddle.disable_signal_handler()
for _signal in (signal.SIGINT, signal.SIGTERM):
    _handler = signal.getsignal(_signal)
    if _handler is not None:
        signal.signal(_signal, _handler)
