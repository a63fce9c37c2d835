"""Stage-1 training: Cascade-RCNN (PaddleDetection) on mask-derived boxes, in the shared loop
(facevid.runtime.loop). The best weights are those with the highest face recall at the operating point,
AP breaking ties only by coming first: a detector that must not miss is chosen on misses."""
import sys
from pathlib import Path
from typing import Any, Dict

import paddle

from facevid.config.sections import DetConfig
from facevid.data.batches import IterationBatches, load_batches
from facevid.runtime.loop import Task, build_optimizer, fit, seed_everything
from facevid.boxes.mask_boxes import FACE
from facevid.data.readers import check_every_frame
from facevid.data.splits import open_split
from stage1_detect.data import DetSamples, categories, collate
from stage1_detect.detector import Detector, dygraph_detector_forward
from stage1_detect.evaluate import evaluate_detector
from stage1_detect.model import build_detector


def train(cfg: DetConfig, out_dir: Path, resume: bool = False,
          show_progress: bool = True) -> Dict[str, Any]:
    """Train the detector of `cfg` into `out_dir`; returns the last evaluation's metrics."""
    with paddle.utils.unique_name.guard():     # same parameter names when resuming
        samples = DetSamples(cfg, "train")
        val_reader = open_split(cfg, "val")
        check_every_frame(samples.reader, "training data", show_progress)
        check_every_frame(val_reader, "validation data", show_progress)
        for entry, box_set in zip(cfg.data.box_sets, samples.box_sets):
            print(f"box set {entry.root}: {len(box_set)} frames, {box_set.left_out} left out "
                  f"(an unsure box), {sum(map(len, box_set.boxes))} boxes", file=sys.stderr)
        seed_everything(cfg.seed)
        model = build_detector(cfg)
        optimizer, schedule = build_optimizer(cfg, model)
        tc = cfg.train

        def batches(start: int, rank: int, world: int):
            sampler = IterationBatches(len(samples), tc.batch_size, cfg.seed, start,
                                       tc.iters, rank, world)
            return load_batches(samples, sampler, collate)

        def loss(net, batch) -> Dict[str, paddle.Tensor]:
            parts = dict(net(batch))
            parts["total"] = parts.pop("loss")
            return parts

        # A Detector puts the model in eval mode, so one is made per evaluation (the loop puts
        # the model back in training mode after it). The best checkpoint has the best recall of
        # the crop category: faces, or persons for a person-only detector.
        first = "face" if categories(cfg)[0] == FACE else "person"
        task = Task(
            model=model, optimizer=optimizer, schedule=schedule, batches=batches, loss=loss,
            evaluate=lambda: evaluate_detector(Detector.from_config(cfg, dygraph_detector_forward(model)),
                                               cfg, val_reader, cfg.eval.max_frames, show_progress),
            best_key=f"recall_{first}",
            report_keys=("recall_face", "recall_person", "face_pixels_in_crops", "AP", "AP50"))
        return fit(cfg, Path(out_dir), task, resume=resume, show_progress=show_progress)
