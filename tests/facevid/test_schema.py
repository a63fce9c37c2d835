import numpy as np
import pytest

from facevid.errors import ConfigError
from facevid.data.schema import load_schema, parse_schema


@pytest.mark.parametrize("name,count,pairs", [
    ("celebamask_hq", 19, {("l_eye", "r_eye"), ("l_brow", "r_brow"), ("l_ear", "r_ear")}),
    ("lapa", 11, {("left_eyebrow", "right_eyebrow"), ("left_eye", "right_eye")}),
    ("helen", 11, {("left_eyebrow", "right_eyebrow"), ("left_eye", "right_eye")}),
    ("sfp18", 18, {("left_brow", "right_brow"), ("left_eye", "right_eye"),
                   ("left_eyeshadow", "right_eyeshadow"), ("left_ear", "right_ear")}),
    ("portrait", 2, set()),
])
def test_builtin_schemas(name, count, pairs):
    schema = load_schema(name)
    assert schema.num_classes == count and schema.class_names[0] == "background"
    named = {(schema.class_names[a], schema.class_names[b]) for a, b in schema.mirror_pairs}
    assert named == pairs
    lut = schema.mirror_lut()
    assert np.array_equal(lut[lut], np.arange(256))            # mirroring twice is the identity
    for a, b in schema.mirror_pairs:
        assert lut[a] == b and lut[b] == a
    assert lut[0] == 0 and lut[255] == 255                     # background and ignore stay


def test_sfp18_is_marked_provisional():
    assert load_schema("sfp18").provisional
    assert not load_schema("lapa").provisional


def test_bad_schemas_are_rejected():
    base = {"classes": [{"name": "bg", "color": [0, 0, 0]}, {"name": "a", "color": [1, 1, 1]},
                        {"name": "b", "color": [2, 2, 2]}]}
    with pytest.raises(ConfigError, match="already has a partner"):
        parse_schema({**base, "mirror_pairs": [["a", "b"], ["b", "a"]]}, "x")
    with pytest.raises(ConfigError, match="names 'c', which is not a class"):
        parse_schema({**base, "mirror_pairs": [["a", "c"]]}, "x")
    with pytest.raises(ConfigError, match="colour must be three ints"):
        parse_schema({"classes": [{"name": "bg", "color": [0, 0]}, {"name": "a", "color": [1, 1, 1]}]}, "x")


def test_the_coarse_classes_are_background_face_and_hair():
    schema = load_schema("celebamask_hq")
    lut = schema.coarse_lut()
    assert [lut[schema.index(n)] for n in ("background", "skin", "nose", "eye_g", "l_lip",
                                            "hair", "neck", "cloth", "hat", "ear_r")] == \
        [0, 1, 1, 1, 1, 2, 0, 0, 0, 0]
    assert lut[255] == 255
