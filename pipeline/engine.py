"""Running a pipeline's models through Paddle Inference without exporting them by hand.

With `engine: inference` a pipeline entry that names weights is exported once (PaddleSeg's
and PaddleDetection's to_static path, tools/export.py does the same) into a cache folder and
run from there with oneDNN: 2-5x faster per call than dygraph here (bench/forward_speed.py),
at 10-30 s for the first export. The cache key is the weights' bytes, the model's config after
its overrides and the paddle version, so changed weights or settings are exported again and
never mixed up. Cache root: $FACEVID_CACHE, else $XDG_CACHE_HOME/facevid, else ~/.cache/facevid.
Entries of weights that changed or are gone are removed by `python tools/export_cache.py --prune`
(`--clear` removes every entry, `--list` shows them).
"""
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import List

from facevid.config.sections import ModelConfig
from facevid.config.typed import to_dict
from facevid.errors import UserError
from facevid.io.files import write_json
from facevid.runtime.inference import is_export, save_optimized

EXPORT_FORMAT = 3          # bump when the export code changes what it writes (3: manifest of sizes and times)
MANIFEST = "cache_entry.json"   # written last: the entry's files with their sizes and times


def cache_root() -> Path:
    if os.environ.get("FACEVID_CACHE"):
        return Path(os.environ["FACEVID_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "facevid"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise UserError(f"{path}: {exc.strerror}") from None
    return digest.hexdigest()


def _key(cfg: ModelConfig, weights_sha256: str) -> str:
    import paddle
    digest = hashlib.sha256(weights_sha256.encode())
    digest.update(json.dumps([to_dict(cfg), paddle.__version__, EXPORT_FORMAT], sort_keys=True,
                             default=str).encode())
    return digest.hexdigest()[:20]


def _file_stamp(path: Path) -> List[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def entry_intact(folder: Path) -> bool:
    """Whether a cache entry is whole: its manifest (written last) lists every file with the
    size and modification time it was written with, and they still match. A stat per file,
    not a hash: this runs at every start of every pipeline."""
    try:
        files = json.loads((folder / MANIFEST).read_text())["files"]
        return is_export(folder) and all(_file_stamp(folder / name) == stamp
                                         for name, stamp in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def export_of(cfg: ModelConfig, weights: Path) -> Path:
    """The cached export of a loaded model config (loaded from its resolved path, so relative
    and absolute names of one file share an entry) with these weights, exported now if the cache
    does not hold it yet. A damaged entry (a truncated file, a garbage export.json) is removed
    and exported again, saying so."""
    config, weights = Path(cfg.path), Path(weights).resolve()
    if not weights.is_file():
        raise UserError(f"weights file not found: {weights}")
    weights_sha256 = file_sha256(weights)
    folder = cache_root() / f"{cfg.stage}-{config.stem}-{_key(cfg, weights_sha256)}"
    if folder.exists():
        if entry_intact(folder):
            return folder
        print(f"the cached export {folder} is damaged or incomplete; exporting it again",
              file=sys.stderr, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    _check_writable(folder.parent)
    print(f"exporting {config.name} with {weights.name} for Paddle Inference "
          f"(once; cached in {folder})", file=sys.stderr, flush=True)
    # Built under a name of its own, manifest included, then renamed into place: a process
    # that dies midway leaves no entry, and of two racing processes the first rename wins.
    staging = folder.with_name(f".{folder.name}.staging-{os.getpid()}")
    try:
        export_model(cfg, weights, staging, overwrite=True)
        save_optimized(staging)
        write_json(staging / MANIFEST, {
            "config": str(config), "weights": str(weights),
            "weights_sha256": weights_sha256,
            "files": {p.name: _file_stamp(p) for p in sorted(staging.iterdir())}})
        try:
            os.rename(staging, folder)
        except OSError:
            if not entry_intact(folder):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _check_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the export cache {root} ({exc.strerror}); set "
                        "FACEVID_CACHE to a writable folder or use engine: dygraph") from None
    if not os.access(root, os.W_OK):
        raise UserError(f"the export cache {root} is read-only; set FACEVID_CACHE to a writable "
                        "folder or use engine: dygraph (--opts engine=dygraph)")


def prune(remove_all: bool = False) -> List[Path]:
    """Remove cache entries whose weights file is gone or has changed since (all entries with
    `remove_all`), and damaged ones; returns what was removed."""
    removed = []
    root = cache_root()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
            weights = Path(manifest["weights"])
            stale = not weights.is_file() or file_sha256(weights) != manifest["weights_sha256"]
        except (OSError, ValueError, KeyError, TypeError, UserError):
            stale = True
        if remove_all or stale or not entry_intact(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def export_model(cfg: ModelConfig, weights: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Export the model of a loaded stage-1 (detector) or stage-2 (parser) config with its
    weights to Paddle Inference (what tools/export.py and the cache write)."""
    if cfg.stage == "det":
        from stage1_detect.export import export_detector
        from stage1_detect.model import trained_detector_model
        return export_detector(cfg, trained_detector_model(cfg, Path(weights)), Path(weights),
                               Path(out_dir), overwrite=overwrite)
    from stage2_seg.export import export_parser
    return export_parser(cfg, Path(weights), Path(out_dir), overwrite=overwrite)
