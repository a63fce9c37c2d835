"""What tools/infer.py writes for each frame, by kind (`--save`):

  labels     labels/<frame>.png      class ids (what tools/eval.py scores)
  color      color/<frame>.png       pseudo-colour label image (the schema's colours)
  added      added/<frame>.jpg       the frame and its colour overlay side by side
  overlay    overlay.mp4 (video) or overlays/<frame>.jpg: labels over the frame, crops, legend
  masks      masks/<frame>.png       foreground (any non-background class) as 0/255
  alpha      alpha/<frame>.png       soft foreground alpha 0-255: the model's learned alpha, or
                                     one from the probabilities for a model without one
  composite  composite.mp4 (video) or composites/<frame>.jpg: the frame over a new background

Every file goes into a folder that tools/infer.py builds under a temporary name. Encoding and
writing run in a background thread (pipeline/writer.py) with a bounded queue.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from facevid.errors import UserError
from facevid.io.files import read_image_over_black, write_image
from facevid.data.schema import ClassSchema
from facevid.io.video import VideoWriter, overlay
from pipeline.writer import WriterThread
from postprocess.composite import alpha_from_probs, blurred, composite, fit_background

SAVE_KINDS = ("labels", "color", "added", "overlay", "masks", "alpha", "composite")
DEFAULT_SAVE = {"face": ("labels", "overlay"), "portrait": ("masks", "alpha", "composite")}
DEFAULT_BLUR_SIGMA = 15.0
# Beyond this the blur is a flat colour anyway, and OpenCV's kernel (about 6 sigma wide) grows
# until it hangs (20000) or fails to allocate (1e6).
MAX_BLUR_SIGMA = 100.0


def check_save_kinds(kinds: Sequence[str]) -> Tuple[str, ...]:
    """The kinds to write, each once, in the order given; an unknown one is refused."""
    unknown = sorted(set(kinds) - set(SAVE_KINDS))
    if unknown:
        raise UserError(f"--save {unknown}: unknown; choose from {list(SAVE_KINDS)}")
    return tuple(dict.fromkeys(kinds))


@dataclass
class Backdrop:
    """The new background of `composite`: an image (fitted to each frame's size, aspect kept)
    or the frame itself blurred with `blur_sigma`."""
    image: Optional[np.ndarray] = None
    blur_sigma: float = DEFAULT_BLUR_SIGMA
    source: str = "blur"
    _fitted: Optional[np.ndarray] = field(default=None, repr=False)

    @classmethod
    def from_args(cls, background: Optional[str], blur: Optional[float]) -> "Backdrop":
        """Read and check the backdrop before any frame is processed."""
        if background is not None and blur is not None:
            raise UserError("give --background or --blur, not both")
        if blur is not None and not 0 < blur <= MAX_BLUR_SIGMA:      # nan and inf fail too
            raise UserError(f"--blur must be a sigma in pixels in (0, {MAX_BLUR_SIGMA:g}], got {blur}")
        if background is None:
            return cls(blur_sigma=blur or DEFAULT_BLUR_SIGMA, source=f"blur {blur or DEFAULT_BLUR_SIGMA:g}")
        image, had_alpha = read_image_over_black(Path(background))
        return cls(image=image, source=str(background) + (" (its alpha over black)" if had_alpha else ""))

    def behind(self, frame: np.ndarray) -> np.ndarray:
        if self.image is None:
            return blurred(frame, self.blur_sigma)
        size = (frame.shape[1], frame.shape[0])
        if self._fitted is None or self._fitted.shape[1::-1] != size:    # once per frame size
            self._fitted = fit_background(self.image, size)
        return self._fitted


class FrameOutputs:
    """Writes the chosen kinds for each frame into `folder`; `close` returns what it wrote."""

    def __init__(self, folder: Path, kinds: Sequence[str], schema: ClassSchema, video_fps: Optional[float],
                 overlay_alpha: float, backdrop: Optional[Backdrop] = None, draw_crops: bool = True):
        self.folder, self.kinds, self.schema = Path(folder), check_save_kinds(kinds), schema
        self.video_fps, self.overlay_alpha = video_fps, overlay_alpha
        self.backdrop, self.draw_crops = backdrop or Backdrop(), draw_crops
        self.writers: Dict[str, VideoWriter] = {}
        self.counts: Dict[str, int] = {k: 0 for k in self.kinds}
        self.first_size: Optional[Tuple[int, int]] = None
        self.writer = WriterThread()
        self.write_seconds = 0.0       # spent encoding and writing, in the writer thread

    def add(self, name: str, frame: np.ndarray, labels: np.ndarray, probs: np.ndarray,
            crops: Sequence[Tuple[int, int, int, int]], alpha: Optional[np.ndarray] = None) -> None:
        """Queue one frame's outputs for the writer thread. `alpha`: the model's learned soft
        alpha (H x W in [0, 1]); without one it is made from the probabilities. Only the alpha
        is kept of the C x H x W probabilities, so a queued frame costs a few frames' memory."""
        self.first_size = self.first_size or (frame.shape[1], frame.shape[0])
        if alpha is None and {"alpha", "composite"} & set(self.kinds):
            alpha = alpha_from_probs(probs)
        self.writer.submit(lambda: self._write(name, frame, labels, alpha, tuple(crops)))

    def _write(self, name, frame, labels, alpha, crops) -> None:
        tic = time.perf_counter()
        for kind in self.kinds:
            getattr(self, f"_{kind}")(name, frame, labels, alpha, crops)
            self.counts[kind] += 1
        self.write_seconds += time.perf_counter() - tic

    def _labels(self, name, frame, labels, alpha, crops):
        write_image(self.folder / "labels" / f"{name}.png", labels)

    def _color(self, name, frame, labels, alpha, crops):
        write_image(self.folder / "color" / f"{name}.png", self.schema.palette()[labels])

    def _added(self, name, frame, labels, alpha, crops):
        shown = overlay(frame, labels, self.schema, self.overlay_alpha)[:, : frame.shape[1]]
        write_image(self.folder / "added" / f"{name}.jpg", np.concatenate([frame, shown], axis=1))

    def _overlay(self, name, frame, labels, alpha, crops):
        shown = overlay(frame, labels, self.schema, self.overlay_alpha,
                        crops if self.draw_crops else ())
        self._frame_or_video("overlay", "overlays", name, shown)

    def _masks(self, name, frame, labels, alpha, crops):
        write_image(self.folder / "masks" / f"{name}.png", ((labels != 0) * 255).astype(np.uint8))

    def _alpha(self, name, frame, labels, alpha, crops):
        write_image(self.folder / "alpha" / f"{name}.png", (alpha * 255 + 0.5).astype(np.uint8))

    def _composite(self, name, frame, labels, alpha, crops):
        shown = composite(frame, self.backdrop.behind(frame), alpha)
        self._frame_or_video("composite", "composites", name, shown)

    def _frame_or_video(self, video_name: str, folder: str, name: str, image: np.ndarray) -> None:
        if self.video_fps is None:
            write_image(self.folder / folder / f"{name}.jpg", image)
            return
        if video_name not in self.writers:
            self.writers[video_name] = VideoWriter(self.folder / f"{video_name}.mp4", self.video_fps,
                                                   (image.shape[1], image.shape[0]))
        self.writers[video_name].write(image)

    def abort(self) -> None:
        """Stop writing (the run failed): queued frames are dropped, videos closed."""
        self.writer.abort()
        for writer in self.writers.values():
            writer.close()

    def close(self) -> Dict[str, object]:
        """Write what is queued, close the videos, and say what was written."""
        try:
            self.writer.close()
        finally:
            for writer in self.writers.values():
                writer.close()
        resized = max((w.resized for w in self.writers.values()), default=0)
        frames = max(self.counts.values(), default=0)
        return {"written": dict(self.counts), "writer_seconds_per_frame": self.write_seconds / max(1, frames), "backdrop": self.backdrop.source if "composite" in self.kinds else None,
                "video_frames_resized_to_first_size": resized}
