import numpy as np
import pytest

from facevid.errors import DataError
from facevid.io.files import write_image
from facevid.data.schema import load_schema
from facevid.io.video import FrameSource, VideoWriter, legend, overlay

SCHEMA = load_schema("sfp18")


def test_overlay_blends_labels_keeps_background_and_appends_a_legend():
    frame = np.full((40, 50, 3), 100, np.uint8)
    labels = np.zeros((40, 50), np.uint8)
    labels[10:20, 10:20] = SCHEMA.index("skin")
    out = overlay(frame, labels, SCHEMA, alpha=0.5)
    assert out.shape[0] == 40 and out.shape[1] == 50 + legend(SCHEMA, 40).shape[1]
    assert (out[0, 0] == 100).all()                                # background untouched
    np.testing.assert_allclose(out[15, 15], (np.array([100, 100, 100]) + SCHEMA.colors[1]) / 2, atol=1)


def test_frame_sources_read_videos_images_and_folders_and_name_bad_input(tmp_path):
    writer = VideoWriter(tmp_path / "v.mp4", 5.0, (32, 24))
    for value in (0, 120, 240):
        writer.write(np.full((24, 32, 3), value, np.uint8))
    writer.close()
    video = FrameSource(video=tmp_path / "v.mp4")
    frames = list(video)
    assert video.expected_frames == 3 and [n for n, _ in frames] == ["00000", "00001", "00002"]
    assert abs(int(frames[2][1].mean()) - 240) < 10
    write_image(tmp_path / "imgs" / "b.png", np.zeros((8, 8, 3), np.uint8))
    write_image(tmp_path / "imgs" / "a.png", np.zeros((8, 8, 3), np.uint8))
    assert [n for n, _ in FrameSource(folder=tmp_path / "imgs")] == ["a", "b"]
    assert FrameSource(folder=tmp_path / "imgs", max_frames=1).expected_frames == 1
    with pytest.raises(DataError, match="video file not found"):
        FrameSource(video=tmp_path / "none.mp4")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        FrameSource(folder=tmp_path / "empty")
