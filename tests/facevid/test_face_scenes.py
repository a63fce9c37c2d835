"""Face scenes: faces pasted as cut-out heads or with their photo around them, or a photo
filling the frame; labels follow the pixels, and the same seed gives the same scenes."""
import numpy as np
import pytest

from facevid.boxes.crops import region_boxes
from facevid.synthetic.face_scenes import FaceSource, SceneSettings, label_lut, render_scene
from facevid.data.schema import load_schema

SCHEMA = load_schema("celebamask_hq")
SKIN, HAIR = SCHEMA.index("skin"), SCHEMA.index("hair")


class OnePhoto:
    """A reader of one 100x100 photo: grey 200 around a face (skin 40x40 at 30..70, hair above),
    the photo's surroundings painted 90 so a pasted rectangle can be told from a cut-out head."""
    def __len__(self):
        return 1

    def load(self, index):
        image = np.full((100, 100, 3), 90, np.uint8)
        label = np.zeros((100, 100), np.uint8)
        label[30:70, 30:70], label[20:30, 30:70] = SKIN, HAIR
        image[label > 0] = 200
        return image, label


def _scene(settings, seed=0):
    background = np.zeros((90, 160, 3), np.uint8)
    source = FaceSource(OnePhoto(), label_lut([]))
    return render_scene(np.random.default_rng(seed), background, [source], SCHEMA, settings)


def test_cut_out_heads_paste_only_the_labelled_region():
    image, label = _scene(SceneSettings(size=(160, 90), faces=(1, 1), face_px=(30, 30),
                                        empty_fraction=0.0))
    assert (label == SKIN).sum() > 0
    assert not (image == 90).all(axis=2).any()          # no pixel of the photo's surroundings
    assert (image[label == 0] < 60).all()               # background stays background (feathered edge aside)


def test_context_pastes_the_whole_photo_with_labels_only_on_the_face():
    image, label = _scene(SceneSettings(size=(160, 90), faces=(1, 1), face_px=(30, 30),
                                        empty_fraction=0.0, context_prob=1.0))
    surroundings = (image == 90).all(axis=2)
    assert surroundings.sum() > 100                     # the photo around the face came along
    assert (label[surroundings] == 0).all()
    box = region_boxes(label, SCHEMA.face_class_ids)[0]
    assert 28 <= box[2] - box[0] <= 32                  # the face at the asked width


def test_full_frame_scene_is_one_photo_covering_the_frame():
    image, label = _scene(SceneSettings(size=(160, 90), full_frame_prob=1.0))
    assert image.shape == (90, 160, 3) and label.shape == (90, 160)
    assert not (image == 0).all(axis=2).any()           # no background scene pixel left
    assert {SKIN} <= set(np.unique(label).tolist())
    # the labels moved with the pixels: skin pixels are face-coloured (up to the resized edge)
    assert (image[label == SKIN] == 200).all(axis=1).mean() > 0.9


def test_same_seed_same_scene():
    settings = SceneSettings(size=(160, 90), context_prob=0.5, full_frame_prob=0.3)
    for seed in range(4):
        a, b = _scene(settings, seed), _scene(settings, seed)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_background_split_keeps_each_sequence_on_one_side(tmp_path):
    from facevid.synthetic.face_scenes import split_backgrounds
    for seq in ("bear", "car", "cows", "duck", "goat", "horse", "rhino", "swan"):
        for frame in range(3):
            (tmp_path / f"{seq}_{frame:05d}.jpg").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not an image")
    train, val = split_backgrounds(tmp_path, "train"), split_backgrounds(tmp_path, "val")
    assert len(train) + len(val) == 24 and not set(train) & set(val) and val
    sequences = {side: {p.stem.rsplit("_", 1)[0] for p in paths}
                 for side, paths in (("train", train), ("val", val))}
    assert not sequences["train"] & sequences["val"]
    assert all(p.suffix == ".jpg" for p in train + val)


def test_face_val_links_held_out_close_ups_and_val_scenes_as_two_clips(tmp_path):
    import yaml
    from facevid.data.readers import ImageMaskFolder
    from facevid.errors import UserError
    from facevid.io.files import write_image
    from facevid.synthetic.face_scenes import make_scenes
    from tools.make_face_val import SPLITS, build
    celebamask = tmp_path / "celebamask"
    val = yaml.safe_load((SPLITS / "celebamask_1k.yml").read_text())["val"]
    for stem in val:
        image, label = OnePhoto().load(0)
        write_image(celebamask / "images" / f"{stem}.jpg", image)
        write_image(celebamask / "labels" / f"{stem}.png", label)
    background = tmp_path / "bg.png"
    write_image(background, np.zeros((90, 160, 3), np.uint8))
    source = [FaceSource(OnePhoto(), label_lut([]))]
    for split in ("train", "val"):
        make_scenes(tmp_path / split, 3, 0, [background], source, SCHEMA,
                    SceneSettings(size=(160, 90), split=split))
    listing = build(celebamask, tmp_path / "val", tmp_path / "out")
    reader = ImageMaskFolder(tmp_path / "out", "images", "labels")
    assert len(reader) == len(listing) == len(val) + 3
    assert {f.clip for f in reader.frames} == {"celebamask", "scenes"}
    image, label = reader.load(0)
    assert (label == SKIN).sum() == 1600                # the labels came along with the images
    with pytest.raises(UserError, match="--split val"):      # training scenes are refused
        build(celebamask, tmp_path / "train", tmp_path / "out2")
