"""Folders of labels a teacher computes once per image (mattes, boxes), filled across runs.

A cache holds `images` (a link to the source images), `teacher.json` (the settings the labels
were made with) and the labels. A run resumes only with the same source and the same settings:
labels made two ways are never mixed, and the settings on file always describe every label.
"""
import json
import os
from pathlib import Path
from typing import Any, Dict

from facevid.errors import UserError
from facevid.io.files import write_json
from facevid.io.output_folders import check_folder_path, check_not_inputs

SETTINGS = "teacher.json"


def open_label_cache(images_root: Path, out: Path, settings: Dict[str, Any]) -> None:
    """Check that `out` may hold labels of `images_root` made with `settings` (JSON values), and
    make it so: a new or empty folder, or one filled before from the same images with the same
    settings. Refuses, before any work, an `out` that is a file, overlaps the images (the teacher
    would label its own labels, and an --overwrite elsewhere would delete them), or holds labels
    of other images or other settings."""
    images_root, out = Path(images_root), Path(out)
    check_not_inputs(out, [images_root])
    check_folder_path(out)
    settings = {**settings, "images": str(images_root.resolve())}
    if out.is_dir() and any(out.iterdir()):
        _check_same(out, settings)
    try:
        out.mkdir(parents=True, exist_ok=True)
        link = out / "images"
        if not link.is_symlink():
            os.symlink(images_root.resolve(), link, target_is_directory=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot be written ({exc.strerror}); choose another --out") from None
    write_json(out / SETTINGS, settings)


def _check_same(out: Path, settings: Dict[str, Any]) -> None:
    path = out / SETTINGS
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        raise UserError(f"--out {out}: holds files but no readable {SETTINGS}, so it is not a "
                        "label cache of this tool; choose another --out") from None
    link = out / "images"
    source = str(link.resolve()) if link.is_symlink() else found.get("images")
    if source != settings["images"]:
        raise UserError(f"--out {out}: holds labels of {source}, not {settings['images']}; "
                        "choose another --out")
    changed = {k: (found.get(k), v) for k, v in settings.items() if found.get(k) != v}
    if changed:
        said = ", ".join(f"{k} {was!r} (now {now!r})" for k, (was, now) in sorted(changed.items()))
        raise UserError(f"--out {out}: its labels were made with {said}; resume with the same "
                        "settings or choose another --out")
