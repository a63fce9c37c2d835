"""Outputs written by a background thread: in order, bounded, and errors never lost."""
import threading
import time

import numpy as np
import pytest

from facevid.errors import DataError
from facevid.data.schema import load_schema
from pipeline.outputs import FrameOutputs
from pipeline.writer import WriterThread


def test_jobs_run_in_order_and_an_error_reaches_the_caller():
    done = []
    writer = WriterThread(depth=2)
    for i in range(5):
        writer.submit(lambda i=i: done.append(i))
    writer.close()
    assert done == [0, 1, 2, 3, 4]
    failing = WriterThread()
    failing.submit(lambda: (_ for _ in ()).throw(DataError("disk full")))
    failing.submit(lambda: done.append("after the error"))
    with pytest.raises(DataError, match="disk full"):
        failing.close()
    assert "after the error" not in done


def test_the_queue_is_bounded_so_memory_stays_flat():
    gate = threading.Event()
    writer = WriterThread(depth=2)
    submitted = []

    def producer():
        for i in range(6):
            writer.submit(gate.wait)
            submitted.append(i)
    thread = threading.Thread(target=producer)
    thread.start()
    time.sleep(0.5)
    assert len(submitted) <= 3           # one running, two waiting: the producer is held
    gate.set()
    thread.join(5)
    writer.close()
    assert submitted == list(range(6))


def test_frame_outputs_write_every_kind_and_report_a_failed_write(tmp_path):
    schema = load_schema("portrait")
    frame = np.full((12, 16, 3), 100, np.uint8)
    labels = np.zeros((12, 16), np.uint8)
    probs = np.stack([np.full((12, 16), 0.2, np.float32), np.full((12, 16), 0.8, np.float32)])
    outputs = FrameOutputs(tmp_path / "out", ["masks", "alpha", "composite"], schema, None, 0.5)
    for i in range(3):
        outputs.add(f"{i:05d}", frame, labels, probs, [])
    written = outputs.close()
    assert written["written"] == {"masks": 3, "alpha": 3, "composite": 3}
    assert sorted(p.name for p in (tmp_path / "out" / "alpha").iterdir()) == ["00000.png", "00001.png", "00002.png"]
    (tmp_path / "blocked").write_text("a file where the folder should be")
    broken = FrameOutputs(tmp_path / "blocked", ["labels"], schema, None, 0.5)
    broken.add("00000", frame, labels, probs, [])
    with pytest.raises(DataError, match="cannot write"):
        broken.close()
