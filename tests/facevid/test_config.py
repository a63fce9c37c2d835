import pytest

from facevid.config.load import load_config
from facevid.errors import ConfigError
from tests.helpers import CONFIGS, TINY

VALID = {
    "schema": "lapa",
    "data": {"train_root": "a", "val_root": "b"},
    "model": {"type": "OCRNet"},
    "train": {"iters": 10, "batch_size": 2, "crop_size": 64},
    "eval": {"size": [64, 64]},
}


def test_tiny_config_loads_with_base_and_fills_num_classes_from_schema():
    cfg = load_config(TINY)
    assert cfg.model["num_classes"] == 18
    assert cfg.model["backbone"]["type"] == "HRNet"      # overridden by the tiny file
    assert cfg.loss[2] == {"output": "aux", "type": "CrossEntropyLoss", "coef": 0.4}


def test_opts_override_and_parse_yaml_values():
    cfg = load_config(TINY, ["train.iters=7", "train.crop_size=[40,48]", "data.include_hair=true"])
    assert cfg.train.iters == 7 and cfg.train.crop_size == [40, 48]
    assert cfg.data.include_hair is True


def test_opts_unknown_key_is_named():
    with pytest.raises(ConfigError, match="unknown key 'train.lr_rate'"):
        load_config(TINY, ["train.lr_rate=0.1"])


def test_unknown_key_in_file(write_yaml):
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['data.trian_root'\]"):
        load_config(write_yaml("c.yml", {**VALID, "data": {**VALID["data"], "trian_root": "x"}}))


def test_missing_file_and_missing_required_key(tmp_path, write_yaml):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yml")
    broken = {k: v for k, v in VALID.items() if k != "model"}
    with pytest.raises(ConfigError, match="required key 'model' is missing"):
        load_config(write_yaml("c.yml", broken))


def test_bases_chain_and_list_merge_in_order_and_loops_are_errors(write_yaml):
    write_yaml("a.yml", {**VALID, "_base_": "b.yml", "seed": 3})
    write_yaml("b.yml", {**VALID, "seed": 1})
    write_yaml("part.yml", {"train": {"iters": 9}, "seed": 4})
    chained = load_config(write_yaml("c.yml", {"_base_": "a.yml"}))
    assert chained.seed == 3
    listed = load_config(write_yaml("d.yml", {"_base_": ["a.yml", "part.yml"], "eval": {"size": 40}}))
    assert listed.seed == 4 and listed.train.iters == 9 and listed.eval.size == [40, 40]
    write_yaml("x.yml", {"_base_": "y.yml"})
    write_yaml("y.yml", {"_base_": "x.yml"})
    with pytest.raises(ConfigError, match="loops"):
        load_config(write_yaml("z.yml", {"_base_": "x.yml"}))


def test_the_shipped_variants_state_only_what_they_change():
    cat, add = load_config(CONFIGS / "stage2_eanet_cat.yml"), load_config(CONFIGS / "stage2_eanet_add.yml")
    assert add.model["fusion"] == "add" and cat.model["fusion"] == "cat"
    assert {k: v for k, v in add.model.items() if k != "fusion"} == \
        {k: v for k, v in cat.model.items() if k != "fusion"}
    tiny = load_config(CONFIGS / "stage2_eanet_cat_tiny.yml")
    assert tiny.model["backbone"]["stage4_num_channels"] == [16, 32, 64, 128]
    assert tiny.loss == cat.loss


def test_num_classes_must_match_schema(write_yaml):
    bad = {**VALID, "model": {"type": "OCRNet", "num_classes": 19}}
    with pytest.raises(ConfigError, match="num_classes is 19 but schema 'lapa' has 11"):
        load_config(write_yaml("c.yml", bad))


def test_ignore_index_must_not_be_a_class_and_losses_must_agree(write_yaml):
    bad = {**VALID, "data": {**VALID["data"], "ignore_index": 5}}
    with pytest.raises(ConfigError, match="ignore_index must be an int in \\[11, 255\\]"):
        load_config(write_yaml("c.yml", bad))
    loss = [{"output": "seg", "type": "CrossEntropyLoss", "ignore_index": 0}]
    with pytest.raises(ConfigError, match="ignore_index 0 but data.ignore_index is 255"):
        load_config(write_yaml("d.yml", {**VALID, "loss": loss}))


def test_unknown_schema_and_bad_values(write_yaml):
    with pytest.raises(ConfigError, match="unknown class schema 'lapa2'"):
        load_config(write_yaml("c.yml", {**VALID, "schema": "lapa2"}))
    with pytest.raises(ConfigError, match="train.crop_size"):
        load_config(TINY, ["train.crop_size=[0,3]"])
    with pytest.raises(ConfigError, match="face_classes"):
        load_config(write_yaml("p.yml", {**VALID, "schema": "portrait"}))


def test_opts_reach_into_loss_terms():
    cfg = load_config(TINY, ["loss.2.coef=0.1"])
    assert cfg.loss[2]["coef"] == 0.1 and cfg.loss[0]["coef"] == 1.0
    with pytest.raises(ConfigError, match="'loss.7' is not an item of a 3-item list"):
        load_config(TINY, ["loss.7.coef=0.1"])


def test_an_old_key_name_is_told_its_new_name(tmp_path):
    path = tmp_path / "old.yml"
    path.write_text(f"_base_: {TINY}\ndata:\n  face_margin: 0.3\n")
    with pytest.raises(ConfigError, match="'data.face_margin' was renamed 'data.crop_margin'"):
        load_config(path)
    with pytest.raises(ConfigError, match="'data.min_face_pixels' was renamed 'data.min_region_pixels'"):
        load_config(TINY, ["data.min_face_pixels=20"])


def test_types_come_from_the_annotations_and_nested_sections_are_checked_by_index(write_yaml):
    with pytest.raises(ConfigError, match="'train.flip_prob' must be a number, got 'often'"):
        load_config(TINY, ["train.flip_prob=often"])
    with pytest.raises(ConfigError, match=r"'train.lr' must be in \(0, 10\], got 0"):
        load_config(TINY, ["train.lr=0"])
    extra = {"root": "x", "schema": "lfw_parts", "share": 0.2,
             "classes": {"background": ["background"], "skin": ["skin"], "hair": ["hair"]}}
    bad = {**VALID, "schema": "celebamask_hq", "model": {"type": "OCRNet", "num_classes": 19},
           "data": {**VALID["data"], "extra_sets": [extra, {**extra, "shares": 0.1}]}}
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['data.extra_sets\[1\].shares'\]"):
        load_config(write_yaml("c.yml", bad))
    good = load_config(write_yaml("d.yml", {**bad, "data": {**bad["data"], "extra_sets": [extra]}}))
    assert good.data.extra_sets[0].share == 0.2 and good.data.extra_sets[0].format == "image_mask"


def test_a_config_saved_as_a_mapping_loads_back_the_same(tmp_path):
    from facevid.config.load import config_from_dict
    from facevid.config.typed import to_dict
    from tests.helpers import TINY_DET
    for path in (TINY, TINY_DET, CONFIGS / "pipeline_faces.yml"):
        cfg = load_config(path)
        again = config_from_dict(to_dict(cfg), path)
        assert to_dict(again) == to_dict(cfg) and type(again) is type(cfg)


def test_guided_filter_settings_that_would_erase_the_person_are_refused():
    # The probe's case: radius 1 and eps 1 made every portrait mask empty.
    for opt, bound in (("guided_filter.radius=1", "0.1"), ("guided_filter.eps=1", "0.01")):
        with pytest.raises(ConfigError, match=f"guided_filter.(radius|eps).*{bound}"):
            load_config(CONFIGS / "pipeline_portrait.yml", [opt], stages=("pipeline",))
