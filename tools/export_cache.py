"""The export cache of `engine: inference` pipelines (pipeline/engine.py): list it, prune it.

Each model a pipeline runs through Paddle Inference is exported once into the cache
($FACEVID_CACHE, else $XDG_CACHE_HOME/facevid, else ~/.cache/facevid), 5-15 MB an entry. New
weights make new entries; the old ones stay until pruned.

Examples:
  python tools/export_cache.py --list
  python tools/export_cache.py --prune     # entries whose weights are gone or changed, damaged ones
  python tools/export_cache.py --clear     # every entry
"""
import argparse
import json

from facevid.cli import run_main
from pipeline.engine import MANIFEST, cache_root, entry_intact, prune


def _size_mb(folder) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="show the entries and their weights")
    action.add_argument("--prune", action="store_true",
                        help="remove entries whose weights file is gone or changed, and damaged ones")
    action.add_argument("--clear", action="store_true", help="remove every entry")
    args = parser.parse_args()
    root = cache_root()
    if args.list:
        entries = [f for f in sorted(root.iterdir()) if f.is_dir() and not f.name.startswith(".")] \
            if root.is_dir() else []
        for folder in entries:
            try:
                weights = json.loads((folder / MANIFEST).read_text())["weights"]
            except (OSError, ValueError, KeyError):
                weights = "?"
            state = "ok" if entry_intact(folder) else "damaged"
            print(f"{folder.name}  {_size_mb(folder):.1f} MB  {state}  weights {weights}")
        print(f"{len(entries)} entries in {root}")
        return
    removed = prune(remove_all=args.clear)
    print(f"removed {len(removed)} entries from {root}")


if __name__ == "__main__":
    run_main(main)
