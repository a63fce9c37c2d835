"""The shipped weights and their preprocessing, on real frames they never trained on.

These need the real data sets (tests.helpers.shared_data: CI has them, a user's clone does
not) and skip, saying so, where they are absent. Thresholds are set a margin below what the
shipped weights measured when they were committed (weights/README.md), so a broken
preprocessing, a wrong crop rule or damaged weights fail them, and ordinary noise does not.
"""
from pathlib import Path

import numpy as np
import pytest

import stage2_seg  # noqa: F401  (sets FLAGS_set_to_1d before paddle)

from facevid.metrics.segmentation import SegEvaluator
from facevid.data.readers import ImageMaskFolder
from facevid.data.splits import read_split_file, select_frames
from tests.helpers import CONFIGS, needs_shared, shared_data

DAVIS = shared_data("davis_person")
needs_davis = needs_shared("davis_person")


def _val_frames(root: Path, image_dir: str, label_dir: str, split: str, per_clip: int, binary: bool):
    reader = ImageMaskFolder(root, image_dir, label_dir, mask_values="binary" if binary else "ids")
    split_file = CONFIGS / "splits" / split
    select_frames(reader, read_split_file(split_file)["val"], split_file)
    taken = {}
    for i, ref in enumerate(reader.frames):
        if taken.setdefault(ref.clip, 0) < per_clip:
            taken[ref.clip] += 1
            yield ref.clip, *reader.load(i)


# Measured for the committed weights on these 12 frames: J 0.65 for the default of 2026-12-08
# (the finder and person model trained on every frame of people), 0.59 for the one before
# (pipeline_portrait_davis_finder: 2026-12-02, fifth session: boxes grown to the previous mask,
# the finder on every 2nd frame, the guided filter), 0.59 without the filter and with the finder on every frame (no_guided), 0.55 for the
# fourth session's default (no_grow: the person model reading the previous mask), 0.52 for the
# third's (no_prev_mask), 0.41 for the one before (no_alpha), 0.49 for the whole-frame model
# alone; the from-scratch pipelines 0.45 (lite) and 0.30 (lite, whole frame); minus a margin.
PORTRAIT_MIN_J = {"pipeline_portrait.yml": 0.59, "pipeline_portrait_davis_finder.yml": 0.52,
                  "pipeline_portrait_no_guided.yml": 0.52,
                  "pipeline_portrait_no_grow.yml": 0.48, "pipeline_portrait_no_prev_mask.yml": 0.45,
                  "pipeline_portrait_no_alpha.yml": 0.33,
                  "pipeline_portrait_whole.yml": 0.40,
                  "pipeline_portrait_lite.yml": 0.35, "pipeline_portrait_lite_whole.yml": 0.20}


@needs_davis
@pytest.mark.parametrize("config", sorted(PORTRAIT_MIN_J))
def test_the_shipped_portrait_pipelines_segment_held_out_davis_sequences(config):
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / config)
    evaluator, clip = SegEvaluator(2), None
    for name, image, label in _val_frames(DAVIS, "JPEGImages", "Annotations", "davis_person.yml",
                                          per_clip=6, binary=True):
        if name != clip:
            pipe.new_video()
            clip = name
        evaluator.add((pipe(image).labels > 0).astype(np.uint8), label, name)
    metrics = evaluator.result()
    print(config, "J", metrics["J"])      # what the thresholds' comment records (pytest -s)
    assert metrics["J"] >= PORTRAIT_MIN_J[config], metrics["J"]


CELEBAMASK = shared_data("celebamask_1k")


@needs_shared("celebamask_1k")
def test_the_shipped_portrait_pipeline_takes_the_whole_person_in_held_out_close_ups():
    """The first 6 held-out CelebAMask-HQ photos: every labelled part (hair, neck, clothes
    included) is the person. Measured 2026-12-08: IoU 0.956; 2026-12-02, fifth session: 0.953 (the fourth
    session's default 0.952, the earlier defaults 0.949 and 0.947, the from-scratch pipeline
    0.910)."""
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_portrait.yml")
    evaluator = SegEvaluator(2, video=False)
    frames = _val_frames(CELEBAMASK, "images", "labels", "celebamask_1k.yml", per_clip=1, binary=False)
    for _, (_, image, label) in zip(range(6), frames):
        pipe.new_video()
        evaluator.add((pipe(image).labels > 0).astype(np.uint8), (label > 0).astype(np.uint8))
    print("close-ups IoU", evaluator.result()["per_class_iou"][1])
    assert evaluator.result()["per_class_iou"][1] >= 0.88
needs_celebamask = needs_shared("celebamask_1k")


@needs_shared("celebamask_1k")
def test_the_shipped_learned_alpha_agrees_with_the_person_and_is_soft_near_its_edge():
    """The first 6 held-out CelebAMask-HQ photos: the learned alpha agrees with the person mask
    (IoU of alpha >= 0.5 with every labelled part) and is soft (0.1-0.9) mostly in a band
    around the labelled person's edge. Measured 2026-12-02: IoU 0.949, soft pixels 7.9% of
    the photos, 77% of them near the edge; minus a margin."""
    import cv2
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_portrait_learned_alpha.yml")
    evaluator, soft, near = SegEvaluator(2, video=False), 0, 0
    frames = _val_frames(CELEBAMASK, "images", "labels", "celebamask_1k.yml", per_clip=1, binary=False)
    for _, (_, image, label) in zip(range(6), frames):
        pipe.new_video()
        alpha = pipe(image).alpha
        person = (label > 0).astype(np.uint8)
        evaluator.add((alpha >= 0.5).astype(np.uint8), person)
        r = round(0.04 * max(person.shape))
        kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
        band = cv2.dilate(person, kernel) != cv2.erode(person, kernel)
        is_soft = (alpha > 0.1) & (alpha < 0.9)
        soft, near = soft + is_soft.sum(), near + (is_soft & band).sum()
    assert evaluator.result()["per_class_iou"][1] >= 0.90
    assert soft > 0.002 * 6 * 512 * 512 and near / soft >= 0.65, (soft, near)


@needs_celebamask
def test_the_shipped_face_pipeline_parses_held_out_celebamask_faces():
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_faces.yml")
    evaluator = SegEvaluator(19, video=False)
    for name, image, label in _val_frames(CELEBAMASK, "images", "labels", "celebamask_1k.yml",
                                          per_clip=1, binary=False):
        if evaluator.cm.sum() > 12 * 512 * 512:       # the first 12 held-out faces
            break
        pipe.new_video()
        evaluator.add(pipe(image).labels, label)
    f1 = dict(zip(pipe.schema.class_names, evaluator.result()["per_class_f1"]))
    for name, minimum in FACE_MIN_F1.items():
        assert f1[name] is not None and f1[name] >= minimum, (name, f1[name])


# Measured for the committed weights on these 12 faces (2026-12-02, fourth session: the parser
# trained on in-scene crops too): skin 0.91, hair 0.90, nose 0.87, mouth 0.80 (the previous
# pretrained pair: 0.93, 0.91, 0.87, 0.79; the HRNet pipeline: 0.94, 0.91, 0.90, 0.82); minus a margin.
FACE_MIN_F1 = {"skin": 0.85, "hair": 0.82, "nose": 0.78, "mouth": 0.70}


@needs_celebamask
def test_the_shipped_face_pipeline_parses_faces_cut_by_the_frame_border():
    """The first 6 held-out faces with the left 180 of their 512 columns cut off: what is left
    of each face is still parsed."""
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_faces.yml")
    evaluator = SegEvaluator(19, video=False)
    frames = _val_frames(CELEBAMASK, "images", "labels", "celebamask_1k.yml", per_clip=1, binary=False)
    for _, (_, image, label) in zip(range(6), frames):
        pipe.new_video()
        evaluator.add(pipe(np.ascontiguousarray(image[:, 180:])).labels, label[:, 180:])
    f1 = dict(zip(pipe.schema.class_names, evaluator.result()["per_class_f1"]))
    for name, minimum in BORDER_MIN_F1.items():
        assert f1[name] is not None and f1[name] >= minimum, (name, f1[name])


# Measured for the committed weights (2026-12-02, fourth session): skin 0.94, hair 0.92, nose
# 0.90 (the previous pretrained pair the same; the HRNet pipeline: 0.94, 0.93, 0.90); minus a margin.
BORDER_MIN_F1 = {"skin": 0.85, "hair": 0.85, "nose": 0.80}


needs_lfw = needs_shared("lfw_parts")
needs_backgrounds = needs_shared("davis_backgrounds")


@needs_lfw
def test_the_shipped_face_pipeline_parses_held_out_lfw_people_in_coarse_classes():
    """LFW photos (other people, pose and light than CelebAMask-HQ; the face a third of the
    photo), labelled background / skin / hair: the first 12 held-out people."""
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_faces.yml")
    coarse = pipe.schema.coarse_lut()
    evaluator = SegEvaluator(3, video=False)
    frames = _val_frames(shared_data("lfw_parts"), "images", "labels", "lfw_parts.yml", per_clip=1,
                         binary=False)
    for _, (_, image, label) in zip(range(12), frames):
        pipe.new_video()
        evaluator.add(coarse[pipe(image).labels], label)
    assert evaluator.result()["mean_f1"] >= LFW_MIN_COARSE_F1


# Measured for the committed weights on these 12 people (2026-12-02, fourth session): coarse
# mean F1 0.89 (the previous pretrained pair 0.89, the HRNet parser 0.77); minus a margin.
LFW_MIN_COARSE_F1 = 0.82


# Measured for the committed weights on these 12 scenes (2026-12-02): no face pixel.
@needs_backgrounds
def test_the_shipped_face_pipeline_invents_no_face_in_held_out_scenes_without_people():
    from facevid.io.files import read_image
    from facevid.synthetic.face_scenes import split_backgrounds
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_faces.yml")
    coarse = pipe.schema.coarse_lut()
    shares = []
    for path in split_backgrounds(shared_data("davis_backgrounds"), "val")[:12]:
        pipe.new_video()
        shares.append(float((coarse[pipe(read_image(path)).labels] > 0).mean()))
    assert np.mean(shares) <= 0.01, shares


@needs_celebamask
@needs_backgrounds
def test_the_shipped_face_pipeline_parses_held_out_faces_in_held_out_scenes():
    """12 scenes of 854x480 made from held-out faces, 48-192 px wide, half of them with their
    own photo around them, on held-out person-free DAVIS scenes (tools/make_face_scenes.py
    --split val, in memory): coarse background / face / hair."""
    from facevid.io.files import read_image
    from facevid.synthetic.face_scenes import SceneSettings, label_lut, render_scene, split_backgrounds, split_faces
    from pipeline.pipeline import Pipeline
    pipe = Pipeline.from_config(CONFIGS / "pipeline_faces.yml")
    coarse = pipe.schema.coarse_lut()
    faces = [split_faces(CELEBAMASK, CONFIGS / "splits" / "celebamask_1k.yml", "val", label_lut([]))]
    backgrounds = split_backgrounds(shared_data("davis_backgrounds"), "val")
    settings = SceneSettings(size=(854, 480), faces=(1, 2), face_px=(48, 192), empty_fraction=0,
                             context_prob=0.5)
    evaluator = SegEvaluator(3, video=False)
    for i in range(12):
        rng = np.random.default_rng([7, i])
        background = read_image(backgrounds[int(rng.integers(len(backgrounds)))])
        image, label = render_scene(rng, background, faces, pipe.schema, settings)
        pipe.new_video()
        evaluator.add(coarse[pipe(image).labels], coarse[label])
    assert evaluator.result()["mean_f1"] >= SCENES_MIN_COARSE_F1


# Measured for the committed weights on these 12 scenes (2026-12-02, fourth session): coarse
# mean F1 0.926 (configs/pipeline_faces_pasted_only.yml, the previous pair, trained on pasted
# faces and close-up crops only: 0.867); minus a margin that the previous pair would not pass.
SCENES_MIN_COARSE_F1 = 0.88


def test_the_shipped_face_pipeline_finds_and_parses_the_astronaut():
    """scikit-image's public-domain NASA portrait (installed with the demo assets; no labels):
    the face is detected, its middle is parsed as face, the top of the head as hair, and the
    rocket and the flag beside her are left alone. Regions in the 512x512 image's pixels."""
    from facevid.io.demo_assets import asset_path
    from facevid.boxes.detections import box_iou
    from facevid.errors import DataError
    from facevid.io.files import read_image
    from pipeline.pipeline import Pipeline
    try:
        frame = read_image(asset_path("astronaut"))
    except DataError as exc:
        pytest.skip(str(exc))
    pipe = Pipeline.from_config(CONFIGS / "pipeline_faces.yml")
    result = pipe(frame)
    head = np.array([175, 60, 275, 185], np.float32)           # x0 y0 x1 y1: her face and hair
    assert (box_iou(result.detections.boxes, head[None]) >= 0.5).any(), result.detections
    names = pipe.schema.class_names
    face = [names.index(n) for n in ("skin", "nose", "l_eye", "r_eye", "l_brow", "r_brow",
                                     "mouth", "u_lip", "l_lip")]
    labels = result.labels
    assert np.isin(labels[90:140, 200:250], face).mean() >= 0.7          # the middle of the face
    assert (labels[45:65, 185:245] == names.index("hair")).mean() >= 0.5   # the top of the head
    assert np.isin(labels[40:240, 400:450], face + [names.index("hair")]).mean() <= 0.1  # rocket
    assert np.isin(labels[0:150, 0:80], face + [names.index("hair")]).mean() <= 0.2      # flag

