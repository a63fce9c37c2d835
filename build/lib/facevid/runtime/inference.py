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
OPTIMIZED_FILES = ("_optimized.pdmodel", "_optimized.pdiparams")   # written by save_optimized


def is_export(path: Path) -> bool:
    return all((Path(path) / f).is_file() for f in (MODEL_FILE, PARAMS_FILE, META_FILE))


def _config(model: Path, params: Path, threads: int, onednn: bool):
    config = paddle.inference.Config(str(model), str(params))
    config.disable_gpu()
    config.set_cpu_math_library_num_threads(threads)
    if onednn:
        config.enable_mkldnn()
    config.disable_glog_info()
    return config


def open_predictor(export_dir: Path, threads: int = 2, onednn: bool = True, what: str = "model"):
    """A Paddle Inference predictor of an export folder; a missing or damaged export is a
    UserError that says how to make it again. With oneDNN, a program already optimised by
    `save_optimized` is loaded as it is (its graph passes are what cost most of the start-up)."""
    export_dir = Path(export_dir)
    if not is_export(export_dir):
        raise UserError(f"{export_dir}: not an exported {what} (needs {MODEL_FILE}, {PARAMS_FILE}, "
                        f"{META_FILE}); run tools/export.py")
    optimized = [export_dir / name for name in OPTIMIZED_FILES]
    if onednn and all(p.is_file() for p in optimized):
        config = _config(*optimized, threads, onednn)
        config.switch_ir_optim(False)          # already optimised: the same outputs, bit for bit
    else:
        config = _config(export_dir / MODEL_FILE, export_dir / PARAMS_FILE, threads, onednn)
    try:
        return paddle.inference.create_predictor(config)
    except (RuntimeError, ValueError, OSError) as exc:
        raise UserError(f"{export_dir}: Paddle Inference cannot load this export "
                        f"({str(exc).strip().splitlines()[-1][:200]}); export the {what} again") from None


def save_optimized(export_dir: Path) -> None:
    """Run the oneDNN graph passes once and keep their result beside the export, so every later
    start loads the optimised program instead of optimising again."""
    config = _config(Path(export_dir) / MODEL_FILE, Path(export_dir) / PARAMS_FILE, 1, True)
    config.set_optim_cache_dir(str(export_dir))
    config.enable_save_optim_model(True)
    paddle.inference.create_predictor(config)


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
