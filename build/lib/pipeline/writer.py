"""Writing outputs off the critical path: one background thread, a bounded queue.

Encoding PNGs, JPEGs and video frames can take as long per frame as the models
(bench/infer_end_to_end.py measures both); OpenCV releases the GIL while it encodes, so a
thread overlaps that with the next frame's models. One thread keeps the video
frames in order. The queue holds at most `depth` frames, so memory stays flat however long the
input. An error in a job ends the run in the caller's thread (at the next submit or at close),
never lost inside the thread; after one error the remaining jobs are dropped.
"""
import queue
import threading
from typing import Callable, Optional

_STOP = object()


class WriterThread:
    def __init__(self, depth: int = 4):
        self.jobs: "queue.Queue" = queue.Queue(maxsize=depth)
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._work, name="facevid-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is _STOP:
                return
            if self.error is None:
                try:
                    job()
                except BaseException as exc:   # re-raised in the caller's thread
                    self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def submit(self, job: Callable[[], None]) -> None:
        """Queue a job (waits while `depth` jobs are pending); raises an earlier job's error."""
        self._raise()
        self.jobs.put(job)

    def close(self) -> None:
        """Finish every queued job, then raise the first error if there was one."""
        self.jobs.put(_STOP)
        self.thread.join()
        self._raise()

    def abort(self) -> None:
        """Drop the queued jobs and stop (the run failed or was interrupted)."""
        while True:
            try:
                self.jobs.get_nowait()
            except queue.Empty:
                break
        self.jobs.put(_STOP)
        self.thread.join()
