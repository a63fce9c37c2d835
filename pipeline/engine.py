"""Running a pipeline's models through Paddle Inference without exporting them by hand.

With `engine: inference` a pipeline entry that names weights is exported once (PaddleSeg's
and PaddleDetection's to_static path, tools/export.py does the same) into a cache folder and
run from there with oneDNN: 2-5x faster per call than dygraph here (bench/forward_speed.py),
at 10-30 s for the first export. The cache key is the weights' bytes, the model's config after
its overrides and the paddle version, so changed weights or settings are exported again and
never mixed up. Cache root: $FACEVID_CACHE, else $XDG_CACHE_HOME/facevid, else ~/.cache/facevid.
Entries of weights that changed or are gone are removed by `python tools/export_cache.py --prune`
(`--clear` removes every entry, `--list` shows them).

The cache removes only what it made: its root carries a mark (ROOT_MARK), a root without one
is used only while it is empty or holds nothing but cache entries, and only folders named as
entries (or a dead process's staging folder) are ever removed. $FACEVID_CACHE pointed at a
user's folder is refused, not emptied.
"""
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import List, Tuple

from facevid.config.sections import ModelConfig
from facevid.config.typed import to_dict
from facevid.errors import UserError
from facevid.io.files import write_json
from facevid.io.output_folders import pid_running
from facevid.runtime.inference import is_export, save_optimized

EXPORT_FORMAT = 3          # bump when the export code changes what it writes (3: manifest of sizes and times)
MANIFEST = "cache_entry.json"   # written last: the entry's files with their sizes and times
ROOT_MARK = ".facevid-export-cache"
ENTRY_NAME = re.compile(r"(det|seg)-.+-[0-9a-f]{20}")
STAGING_NAME = re.compile(r"\.(.+)\.staging-(\d+)")


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
    if folder.exists() and entry_intact(folder):
        return folder
    _check_writable(folder.parent)
    remove_dead_staging(folder.parent)
    if folder.exists():
        print(f"the cached export {folder} is damaged or incomplete; exporting it again",
              file=sys.stderr, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
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
                        "FACEVID_CACHE to a new folder or use engine: dygraph") from None
    if not os.access(root, os.W_OK):
        raise UserError(f"the export cache {root} is read-only; set FACEVID_CACHE to a new "
                        "writable folder or use engine: dygraph (--opts engine=dygraph)")
    check_cache_root(root)


def _ours(item: Path) -> bool:
    return item.name == ROOT_MARK or (item.is_dir() and (
        ENTRY_NAME.fullmatch(item.name) is not None or STAGING_NAME.fullmatch(item.name) is not None))


def check_cache_root(root: Path) -> None:
    """Refuse a cache root this cache did not make: one without its mark that holds anything
    but cache entries (a user's folder named by $FACEVID_CACHE). A new, empty or entries-only
    root gets the mark."""
    if (root / ROOT_MARK).is_file() or not root.is_dir():
        return
    foreign = [item.name for item in sorted(root.iterdir()) if not _ours(item)]
    if foreign:
        raise UserError(f"{root} is not an export cache of this project (no {ROOT_MARK}; it "
                        f"holds {', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}): "
                        "nothing in it is touched; set FACEVID_CACHE to a new or empty folder")
    try:
        (root / ROOT_MARK).write_text("the export cache of facevid (pipeline/engine.py)\n")
    except OSError:
        pass       # a read-only root of entries: readable as it is, and nothing is removed


def _dead_staging(root: Path) -> List[Path]:
    """Staging folders of exports whose process no longer runs (killed midway)."""
    return [item for item in sorted(root.iterdir()) if item.is_dir()
            and STAGING_NAME.fullmatch(item.name)
            and not pid_running(int(STAGING_NAME.fullmatch(item.name).group(2)))] \
        if root.is_dir() else []


def remove_dead_staging(root: Path) -> None:
    for item in _dead_staging(root):
        shutil.rmtree(item, ignore_errors=True)


def entries(root: Path) -> List[Path]:
    """The cache's entry folders (after check_cache_root)."""
    return [f for f in sorted(root.iterdir()) if f.is_dir() and ENTRY_NAME.fullmatch(f.name)] \
        if root.is_dir() else []


def prune(remove_all: bool = False) -> Tuple[List[Path], List[Path]]:
    """Remove cache entries whose weights file is gone or has changed since (all entries with
    `remove_all`), damaged ones and dead exports' staging folders; returns (removed, the ones
    that could not be removed, e.g. in a read-only cache)."""
    root = cache_root()
    check_cache_root(root)
    doomed = _dead_staging(root)
    for folder in entries(root):
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
            weights = Path(manifest["weights"])
            stale = not weights.is_file() or file_sha256(weights) != manifest["weights_sha256"]
        except (OSError, ValueError, KeyError, TypeError, UserError):
            stale = True
        if remove_all or stale or not entry_intact(folder):
            doomed.append(folder)
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return [f for f in doomed if not f.exists()], [f for f in doomed if f.exists()]


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
