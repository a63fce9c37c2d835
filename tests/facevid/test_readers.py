"""Each reader on files the test writes itself, plus broken folders that must name the file."""
import cv2
import numpy as np
import pytest

from facevid.errors import DataError
from facevid.io.files import write_image
from facevid.data.readers import CelebAMaskHQ, ChallengeClips, Helen, ImageMaskFolder, LaPa
from facevid.data.schema import load_schema


def _image(h=8, w=10, value=100):
    return np.full((h, w, 3), value, np.uint8)


def _label(h=8, w=10):
    label = np.zeros((h, w), np.uint8)
    label[2:5, 3:7] = 1
    label[5:7, 1:3] = 4
    return label


def test_challenge_clips_round_trip(tmp_path):
    for clip in ("b", "a"):
        for t in range(3):
            write_image(tmp_path / clip / "images" / f"{t:05d}.png", _image(value=t))
            write_image(tmp_path / clip / "labels" / f"{t:05d}.png", _label())
    reader = ChallengeClips(tmp_path)
    assert len(reader) == 6
    assert [f.clip for f in reader.frames] == ["a"] * 3 + ["b"] * 3
    image, label = reader.load(1)
    assert image[0, 0, 0] == 1 and np.array_equal(label, _label())


def test_image_mask_folder_davis_style_binary_and_flat(tmp_path):
    mask = np.zeros((8, 10), np.uint8)
    mask[1:4, 2:5] = 255
    write_image(tmp_path / "JPEGImages" / "seq" / "00000.png", _image())
    write_image(tmp_path / "Annotations" / "seq" / "00000.png", mask)
    reader = ImageMaskFolder(tmp_path, "JPEGImages", "Annotations", mask_values="binary")
    assert reader.frames[0].clip == "seq"
    assert np.array_equal(reader.load(0)[1], (mask > 0).astype(np.uint8))

    write_image(tmp_path / "flat" / "images" / "x.png", _image())
    write_image(tmp_path / "flat" / "masks" / "x.png", _label())
    flat = ImageMaskFolder(tmp_path / "flat")
    assert flat.frames[0].clip == "x" and np.array_equal(flat.load(0)[1], _label())


def test_image_mask_binary_rejects_class_ids(tmp_path):
    write_image(tmp_path / "images" / "x.png", _image())
    write_image(tmp_path / "masks" / "x.png", _label())          # holds 4: not a 0/255 mask
    with pytest.raises(DataError, match="x.png: a binary mask may hold only 0 and 255"):
        ImageMaskFolder(tmp_path, mask_values="binary").load(0)


def test_lapa_round_trip(tmp_path):
    write_image(tmp_path / "images" / "f1.png", _image())
    write_image(tmp_path / "labels" / "f1.png", _label())
    assert np.array_equal(LaPa(tmp_path).load(0)[1], _label())


def test_helen_merges_per_class_masks_by_argmax(tmp_path):
    schema = load_schema("helen")
    write_image(tmp_path / "images" / "p.png", _image())
    for c in range(schema.num_classes):
        soft = np.zeros((8, 10), np.uint8)
        if c == 0:
            soft[:] = 128
        if c == 10:
            soft[0:2, :] = 255                                  # hair on the top rows
        write_image(tmp_path / "labels" / "p" / f"p_lbl{c:02d}.png", soft)
    label = Helen(tmp_path, schema).load(0)[1]
    assert (label[0:2] == 10).all() and (label[2:] == 0).all()


def test_celebamask_merges_parts_in_schema_order_and_resizes_image(tmp_path):
    schema = load_schema("celebamask_hq")
    write_image(tmp_path / "CelebA-HQ-img" / "2001.jpg", _image(16, 20))   # 2x the masks
    skin = np.zeros((8, 10), np.uint8)
    skin[1:7, 1:9] = 255
    nose = np.zeros((8, 10), np.uint8)
    nose[3:5, 4:6] = 255
    folder = tmp_path / "CelebAMask-HQ-mask-anno" / "1"
    write_image(folder / "02001_skin.png", skin)
    write_image(folder / "02001_nose.png", nose)
    image, label = CelebAMaskHQ(tmp_path, schema).load(0)
    assert image.shape == (8, 10, 3)
    assert label[3, 4] == schema.index("nose") and label[1, 1] == schema.index("skin")
    assert label[0, 0] == 0


def test_broken_folders_name_the_file_and_reason(tmp_path):
    with pytest.raises(DataError, match="folder not found"):
        ChallengeClips(tmp_path / "missing")
    write_image(tmp_path / "c" / "images" / "00000.png", _image())
    (tmp_path / "c" / "labels").mkdir()
    with pytest.raises(DataError, match=r"00000.png: has no label; expected .*labels/00000.png"):
        ChallengeClips(tmp_path)
    write_image(tmp_path / "c" / "labels" / "00000.png", _label())
    (tmp_path / "c" / "images" / "00000.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match="00000.png: cannot be decoded as an image"):
        ChallengeClips(tmp_path).load(0)
    write_image(tmp_path / "c" / "images" / "00000.png", _image(4, 4))
    with pytest.raises(DataError, match="label is 10x8 but image .* is 4x4"):
        ChallengeClips(tmp_path).load(0)
    empty = tmp_path / "e"
    (empty / "images").mkdir(parents=True)
    (empty / "labels").mkdir()
    with pytest.raises(DataError, match="no images found"):
        LaPa(empty)


def test_real_jpeg_and_png_codecs_round_trip(tmp_path):
    image = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 255, (8, 10, 3), dtype=np.uint8), (3, 3), 0)
    write_image(tmp_path / "images" / "x.png", image)
    write_image(tmp_path / "labels" / "x.png", _label())
    assert np.array_equal(LaPa(tmp_path).load(0)[0], image)     # PNG is lossless, RGB kept
