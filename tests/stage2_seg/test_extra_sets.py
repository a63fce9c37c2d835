"""Training beside a coarser data set: relabelled classes, partial labels, shares, checks."""
import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)

from facevid.config.load import load_config
from facevid.errors import ConfigError
from facevid.data.extra_sets import PARTIAL_BASE
from facevid.io.files import write_image
from stage2_seg.data import TrainSamples
from tests.helpers import MICRO_OPTS, TINY

EXTRA = ("{root: %s, schema: lfw_parts, share: 0.5, label_dir: labels, classes: "
         "{background: [background, neck, cloth], skin: [skin, nose, left_eye, right_eye], hair: [hair]}}")


def _coarse(root):
    for i in range(3):
        label = np.zeros((40, 40), np.uint8)
        label[5:15, 10:30] = 2                     # hair
        label[15:35, 12:28] = 1                    # skin with the face parts inside
        write_image(root / "images" / f"p_{i}.jpg", np.full((40, 40, 3), 100, np.uint8))
        write_image(root / "labels" / f"p_{i}.png", label)


def test_extra_items_are_relabelled_with_partial_ids_and_take_their_share(synth_root, tmp_path):
    _coarse(tmp_path / "lfw")
    cfg = load_config(TINY, MICRO_OPTS + [f"data.train_root={synth_root}", f"data.val_root={synth_root}",
                                          f"data.extra_sets=[{EXTRA % (tmp_path / 'lfw')}]",
                                          "train.rotate_deg=0", "train.flip_prob=0"])
    samples = TrainSamples(cfg)
    assert len(samples) == 2 * len(samples.reader)           # share 0.5
    image, label = samples[(len(samples.reader), 7)]
    values = set(np.unique(label).tolist())
    hair = cfg.class_schema.index("hair")
    # background -> set 0, skin -> set 1 (both partial), hair -> our hair
    assert values <= {PARTIAL_BASE, PARTIAL_BASE + 1, hair} and PARTIAL_BASE + 1 in values
    assert (label == PARTIAL_BASE + 1).mean() > 0.2          # cropped around the face (skin)


def test_extra_sets_are_checked_when_the_config_loads(synth_root, tmp_path):
    base = MICRO_OPTS + [f"data.train_root={synth_root}", f"data.val_root={synth_root}"]
    bad_class = EXTRA.replace("hair: [hair]", "hair: [fur]") % tmp_path
    with pytest.raises(ConfigError, match="fur"):
        load_config(TINY, base + [f"data.extra_sets=[{bad_class}]"])
    missing = EXTRA.replace(", hair: [hair]", "") % tmp_path
    with pytest.raises(ConfigError, match="must map each class"):
        load_config(TINY, base + [f"data.extra_sets=[{missing}]"])
    cfg = load_config(TINY, base + [f"data.extra_sets=[{EXTRA % tmp_path}]"])
    from stage2_seg.components import build_model
    from stage2_seg.losses.terms import LossComputer
    with pytest.raises(ConfigError, match="no loss term reads them"):
        LossComputer.for_model(cfg, build_model(cfg))
