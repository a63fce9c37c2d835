"""Split files: images chosen by name, hash splits that keep groups together."""
import numpy as np
import pytest
import yaml

from facevid.config.load import load_config
from facevid.errors import ConfigError, DataError
from facevid.io.files import write_image
from facevid.data.splits import hash_split, open_split
from tests.helpers import TINY


def _folder(root, names):
    for name in names:
        write_image(root / "images" / f"{name}.jpg", np.zeros((16, 16, 3), np.uint8))
        write_image(root / "labels" / f"{name}.png", np.zeros((16, 16), np.uint8))


def _cfg(tmp_path, split):
    (tmp_path / "split.yml").write_text(yaml.safe_dump(split))
    root = tmp_path / "d"
    return load_config(TINY, [f"data.train_root={root}", f"data.val_root={root}",
                              "data.format=image_mask", "data.label_dir=labels",
                              f"data.split_file={tmp_path / 'split.yml'}"])


def test_a_split_file_selects_each_side_by_name(tmp_path):
    _folder(tmp_path / "d", ["a", "b", "c"])
    cfg = _cfg(tmp_path, {"train": ["a", "c"], "val": ["b"]})
    assert [r.image.stem for r in open_split(cfg, "train").frames] == ["a", "c"]
    assert [r.image.stem for r in open_split(cfg, "val").frames] == ["b"]


def test_a_name_the_folder_lacks_or_on_both_sides_is_an_error(tmp_path):
    _folder(tmp_path / "d", ["a", "b"])
    with pytest.raises(DataError, match="not in the data folder"):
        open_split(_cfg(tmp_path, {"train": ["a", "zz"], "val": ["b"]}), "train")
    with pytest.raises(ConfigError, match="in both train and val"):
        open_split(_cfg(tmp_path, {"train": ["a", "b"], "val": ["b"]}), "val")


def test_hash_split_is_stable_and_keeps_groups_together():
    names = [f"p{i // 3}_{i % 3}" for i in range(300)]
    split = hash_split(names, 0.2, "salt", group=lambda n: n.split("_")[0])
    again = hash_split(list(reversed(names)), 0.2, "salt", group=lambda n: n.split("_")[0])
    assert split == again and 0.1 < len(split["val"]) / 300 < 0.3
    val_groups = {n.split("_")[0] for n in split["val"]}
    assert not any(n.split("_")[0] in val_groups for n in split["train"])
