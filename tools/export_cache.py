"""The export cache of `engine: inference` pipelines (pipeline/engine.py): list it, prune it.

Each model a pipeline runs through Paddle Inference is exported once into the cache
($FACEVID_CACHE, else $XDG_CACHE_HOME/facevid, else ~/.cache/facevid), 5-15 MB an entry. New
weights make new entries; the old ones stay until pruned. Only the cache's own entries are
ever removed: a folder that is not a cache of this project is refused as a whole.

Examples:
  python tools/export_cache.py --list
  python tools/export_cache.py --prune     # entries whose weights are gone or changed, damaged
                                           # ones, and exports killed midway
  python tools/export_cache.py --clear     # every entry
"""
import argparse
import json

from facevid.cli import run_main
from facevid.errors import UserError
from pipeline.engine import MANIFEST, cache_root, check_cache_root, entries, entry_intact, prune


def _size_mb(folder) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="show the entries and their weights")
    action.add_argument("--prune", action="store_true",
                        help="remove entries whose weights file is gone or changed, damaged ones "
                             "and exports killed midway")
    action.add_argument("--clear", action="store_true", help="remove every entry")
    args = parser.parse_args()
    root = cache_root()
    check_cache_root(root)
    if args.list:
        found = entries(root)
        for folder in found:
            try:
                weights = json.loads((folder / MANIFEST).read_text())["weights"]
            except (OSError, ValueError, KeyError):
                weights = "?"
            state = "ok" if entry_intact(folder) else "damaged"
            print(f"{folder.name}  {_size_mb(folder):.1f} MB  {state}  weights {weights}")
        print(f"{len(found)} entries in {root}")
        return
    removed, kept = prune(remove_all=args.clear)
    print(f"removed {len(removed)} entries from {root}")
    if kept:
        raise UserError(f"could not remove {len(kept)} entries of {root} (e.g. {kept[0].name}; "
                        "is the cache read-only?)")


if __name__ == "__main__":
    run_main(main)
