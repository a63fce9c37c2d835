import numpy as np

from facevid.io.files import write_image
from facevid.boxes.mask_boxes import FACE, PERSON, boxes_from_label, coco_from_reader
from facevid.data.readers import ChallengeClips


def _label():
    label = np.zeros((40, 60), np.uint8)
    label[5:15, 10:20] = 1            # skin
    label[15:25, 8:22] = 16           # cloth under it: the same person
    label[0:5, 10:20] = 14            # hair on top
    label[30:38, 40:50] = 16          # a second "person" with no face visible
    return label


def test_boxes_from_a_hand_made_label_map():
    boxes = boxes_from_label(_label(), face_ids=[1])
    assert {"bbox": [10.0, 5.0, 10.0, 10.0], "category_id": FACE} in boxes
    assert {"bbox": [8.0, 0.0, 14.0, 25.0], "category_id": PERSON} in boxes
    assert {"bbox": [40.0, 30.0, 10.0, 8.0], "category_id": PERSON} in boxes
    assert len(boxes) == 3
    with_hair = boxes_from_label(_label(), face_ids=[1, 14], with_persons=False)
    assert with_hair == [{"bbox": [10.0, 0.0, 10.0, 15.0], "category_id": FACE}]


def test_coco_keeps_frames_without_faces(tmp_path):
    write_image(tmp_path / "c" / "images" / "00000.png", np.zeros((40, 60, 3), np.uint8))
    write_image(tmp_path / "c" / "labels" / "00000.png", _label())
    write_image(tmp_path / "c" / "images" / "00001.png", np.zeros((40, 60, 3), np.uint8))
    write_image(tmp_path / "c" / "labels" / "00001.png", np.zeros((40, 60), np.uint8))
    coco = coco_from_reader(ChallengeClips(tmp_path), face_ids=[1], relative_to=tmp_path)
    assert [im["file_name"] for im in coco["images"]] == ["c/images/00000.png", "c/images/00001.png"]
    assert {a["image_id"] for a in coco["annotations"]} == {1}       # frame 2: a negative
    assert [c["name"] for c in coco["categories"]] == ["face", "person"]
