"""The fetched person sets' formats read with known answers (made here, no data needed)."""
import numpy as np
import pytest

from facevid.data.person_sets import IGNORE, ccp_mask, coco_person_mask, coco_person_polygons, polygon_boxes
from facevid.errors import DataError
from facevid.io.files import write_image


def test_a_ccp_label_file_is_the_person_and_the_teachers_bystanders_are_ignored(tmp_path):
    from scipy.io import savemat
    labels = np.zeros((6, 8), np.uint8)
    labels[1:5, 1:3] = 41                        # two clothing classes of the labelled person
    labels[2, 2] = 19
    savemat(tmp_path / "0001.mat", {"groundtruth": labels})
    matte = np.zeros((6, 8), np.uint8)
    matte[1:5, 5:7] = 240                        # a bystander the labels leave out
    matte[0, 7] = 60                             # the teacher sure of background here
    write_image(tmp_path / "0001.png", matte)
    mask = ccp_mask(tmp_path / "0001.mat", tmp_path / "0001.png")
    assert (mask[1:5, 1:3] == 1).all() and (mask[1:5, 5:7] == IGNORE).all()
    assert mask[0, 7] == 0 and mask[0, 0] == 0
    np.testing.assert_array_equal(ccp_mask(tmp_path / "0001.mat", None), (labels > 0).astype(np.uint8))
    (tmp_path / "bad.mat").write_text("not a mat file")
    with pytest.raises(DataError, match="not a CCP pixel-label file"):
        ccp_mask(tmp_path / "bad.mat", None)


def test_coco_person_polygons_fill_as_a_union_and_give_one_box_each(tmp_path):
    label = tmp_path / "a.txt"
    label.write_text("0 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5\n"      # a person: 2..10 in a 20x20 image
                     "0 0.3 0.3 0.7 0.3 0.7 0.7 0.3 0.7\n"      # another, overlapping it
                     "45 0.0 0.0 1.0 0.0 1.0 1.0\n"             # a bowl: not a person
                     "0 0.5 0.5\n")                             # too short to be a polygon
    polygons = coco_person_polygons(label, 20, 20)
    assert len(polygons) == 2
    np.testing.assert_array_equal(polygon_boxes(polygons), [[2, 2, 11, 11], [6, 6, 15, 15]])
    mask = coco_person_mask(label, 20, 20)
    assert mask[8, 8] == 1 and mask[3, 3] == 1 and mask[13, 13] == 1 and mask[18, 1] == 0
    (tmp_path / "b.txt").write_text("45 0.0 0.0 1.0 0.0 1.0 1.0\n")
    assert coco_person_mask(tmp_path / "b.txt", 20, 20) is None
