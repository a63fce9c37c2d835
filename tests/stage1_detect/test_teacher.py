"""SCRFD-2.5G, the face teacher (a training extra: `make train-deps` extracts it): a known answer."""
import pytest

from facevid.io.demo_assets import asset_path
from facevid.io.files import read_image
from stage1_detect.teacher import SCRFD_FILE

try:
    import onnxruntime  # noqa: F401
    MISSING = None if SCRFD_FILE.is_file() else f"{SCRFD_FILE} is absent"
except ImportError:
    MISSING = "onnxruntime is absent"
pytestmark = pytest.mark.skipif(MISSING is not None,
                                reason=f"{MISSING}: a training extra (make train-deps)")


def test_scrfd_boxes_the_astronauts_face_and_no_face_on_the_cat():
    from stage1_detect.teacher import ScrfdTeacher
    teacher = ScrfdTeacher(threshold=0.3)
    boxes, scores = teacher(read_image(asset_path("astronaut")))      # NASA's portrait, 512x512
    assert len(boxes) == 1 and scores[0] > 0.7
    x0, y0, x1, y1 = boxes[0]
    assert 165 < x0 < 195 and 40 < y0 < 70 and 255 < x1 < 285 and 165 < y1 < 195
    boxes, _ = teacher(read_image(asset_path("chelsea")))            # a cat
    assert len(boxes) == 0
