"""Opening an exported model (paddle.jit.save) with Paddle Inference, for both stages.

Each export folder holds model.pdmodel, model.pdiparams and export.json (what it expects and
gives). On the CPU the predictor runs with oneDNN; GPU predictors are not wired (no GPU here).
"""
import functools
import threading
from pathlib import Path
from typing import Callable

import facevid.paddle_env  # noqa: F401  (before paddle)
import paddle

from facevid.errors import UserError

MODEL_FILE, PARAMS_FILE, META_FILE = "model.pdmodel", "model.pdiparams", "export.json"


def is_export(path: Path) -> bool:
    return all((Path(path) / f).is_file() for f in (MODEL_FILE, PARAMS_FILE, META_FILE))


def open_predictor(export_dir: Path, threads: int = 2, onednn: bool = True, what: str = "model"):
    """A Paddle Inference predictor of an export folder; a missing or damaged export is a
    UserError that says how to make it again."""
    export_dir = Path(export_dir)
    if not is_export(export_dir):
        raise UserError(f"{export_dir}: not an exported {what} (needs {MODEL_FILE}, {PARAMS_FILE}, "
                        f"{META_FILE}); run tools/export.py")
    config = paddle.inference.Config(str(export_dir / MODEL_FILE), str(export_dir / PARAMS_FILE))
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(threads)
    if onednn:
        config.enable_mkldnn()
    config.disable_glog_info()
    try:
        return paddle.inference.create_predictor(config)
    except (RuntimeError, ValueError, OSError) as exc:
        raise UserError(f"{export_dir}: Paddle Inference cannot load this export "
                        f"({str(exc).strip().splitlines()[-1][:200]}); export the {what} again") from None


def one_at_a_time(run: Callable) -> Callable:
    """`run` behind a lock of its own. A Paddle Inference predictor is not thread-safe: two
    threads in one predictor's run() crash the process (a segfault in ZeroCopyRun), so calls
    from several threads take turns; for parallel work give each thread its own pipeline."""
    lock = threading.Lock()

    @functools.wraps(run)
    def locked(*args, **kwargs):
        with lock:
            return run(*args, **kwargs)
    return locked
