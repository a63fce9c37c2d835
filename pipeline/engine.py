"""Running a pipeline's models through Paddle Inference without exporting them by hand.

With `engine: inference` a pipeline entry that names weights is exported once (PaddleSeg's
and PaddleDetection's to_static path, tools/export.py does the same) into a cache folder and
run from there with oneDNN: 2-5x faster per call than dygraph here (bench/forward_speed.py),
at 10-30 s for the first export. The cache key is the weights' bytes, the model's config after
its overrides and the paddle version, so changed weights or settings are exported again and
never mixed up. Cache root: $FACEVID_CACHE, else $XDG_CACHE_HOME/facevid, else ~/.cache/facevid.
"""
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Sequence

from facevid.config import load_config, public_view
from facevid.errors import UserError
from facevid.inference import is_export

EXPORT_FORMAT = 1          # bump when the export code changes what it writes


def cache_root() -> Path:
    if os.environ.get("FACEVID_CACHE"):
        return Path(os.environ["FACEVID_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "facevid"


def _key(cfg: Dict[str, Any], weights: Path) -> str:
    import paddle
    digest = hashlib.sha256()
    try:
        with open(weights, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise UserError(f"weights file {weights}: {exc.strerror}") from None
    digest.update(json.dumps([public_view(cfg), paddle.__version__, EXPORT_FORMAT], sort_keys=True,
                             default=str).encode())
    return digest.hexdigest()[:20]


def cached_export(config: Path, weights: Path, opts: Sequence[str] = ()) -> Path:
    """The export folder of a stage-1 or stage-2 model with these weights, exported now if the
    cache does not hold it yet."""
    cfg = load_config(Path(config), opts)
    folder = cache_root() / f"{cfg['stage']}-{Path(config).stem}-{_key(cfg, Path(weights))}"
    if is_export(folder):
        return folder
    print(f"exporting {Path(config).name} with {Path(weights).name} for Paddle Inference "
          f"(once; cached in {folder})", file=sys.stderr, flush=True)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the export cache {folder.parent} ({exc.strerror}); set "
                        "FACEVID_CACHE to a writable folder or use engine: dygraph") from None
    return export_model(cfg, Path(weights), folder, overwrite=True)


def export_model(cfg: Dict[str, Any], weights: Path, out_dir: Path, overwrite: bool = False) -> Path:
    """Export the model of a loaded stage-1 (detector) or stage-2 (parser) config with its
    weights to Paddle Inference (what tools/export.py and the cache write)."""
    if cfg["stage"] == "det":
        from stage1_detect.export import export_detector
        from stage1_detect.train import trained_detector_model
        return export_detector(cfg, trained_detector_model(cfg, Path(weights)), Path(weights),
                               Path(out_dir), overwrite=overwrite)
    from stage2_seg.export import export_parser
    return export_parser(cfg, Path(weights), Path(out_dir), overwrite=overwrite)
