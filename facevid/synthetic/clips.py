"""Synthetic short-video clips of drawn people with per-pixel face-parsing labels.

Each clip: a cluttered background that pans, 1-3 people who move, turn and change size, often
small heads in a large frame, some cut by the border; thin brows and hair strands drawn at twice
the resolution and downsampled (so nearest-neighbour upsampling of a coarse prediction hurts
them); lighting that drifts over the clip and occasional blur. Written in the challenge layout
that `facevid.data.readers.ChallengeClips` reads:

    OUT/meta.json
    OUT/<clip>/images/00000.jpg ...
    OUT/<clip>/labels/00000.png ...   (class ids of the sfp18 schema, or 0/1 for "portrait")
"""
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np

from facevid.errors import UserError
from facevid.io.files import write_image, write_json
from facevid.io.output_folders import atomic_dir
from facevid.data.schema import ClassSchema, load_schema
from facevid.io.video import VideoWriter
from facevid.synthetic.persons import (SKIN_TONES, PersonLook, PersonPose, draw_person,
                                      random_colours, random_look)

SUPERSAMPLE = 2
TASKS = ("face", "portrait")


@dataclass
class _Track:
    pose: PersonPose           # in canvas pixels (supersampled) at frame 0
    velocity: Tuple[float, float]
    growth: float              # relative size change per frame
    roll_speed: float
    yaw_speed: float
    look: PersonLook
    colours: np.ndarray        # C x 3
    light: Tuple[float, float]  # direction of the key light across the face

    def at(self, t: int) -> PersonPose:
        p = self.pose
        return replace(p, cx=p.cx + self.velocity[0] * t, cy=p.cy + self.velocity[1] * t,
                       r=p.r * (1 + self.growth) ** t, roll=p.roll + self.roll_speed * t,
                       yaw=float(np.clip(p.yaw + self.yaw_speed * t, -0.9, 0.9)))


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Cluttered RGB float32 background: gradient, shapes (some skin- and hair-coloured), noise."""
    c0, c1 = rng.uniform(30, 220, 3), rng.uniform(30, 220, 3)
    ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    bg = (c0 * (1 - ramp) + c1 * ramp) * np.ones((1, w, 1), np.float32)
    for _ in range(int(rng.integers(15, 40))):
        colour = (SKIN_TONES[rng.integers(len(SKIN_TONES))] if rng.random() < 0.2
                  else tuple(rng.uniform(0, 255, 3)))
        colour = tuple(float(c) for c in colour)
        kind = rng.integers(4)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        size = int(rng.integers(8, max(9, min(h, w) // 3)))
        if kind == 0:
            cv2.rectangle(bg, (x, y), (x + size, y + int(size * rng.uniform(0.3, 2))), colour, -1)
        elif kind == 1:
            cv2.circle(bg, (x, y), size // 2, colour, -1)
        elif kind == 2:
            cv2.line(bg, (x, y), (int(rng.integers(0, w)), int(rng.integers(0, h))), colour,
                     int(rng.integers(1, 6)))
        else:
            pts = np.stack([rng.integers(0, w, 5), rng.integers(0, h, 5)], 1).astype(np.int32)
            cv2.fillPoly(bg, [pts], colour)
    noise = cv2.resize(rng.normal(0, 12, (h // 8 + 1, w // 8 + 1)).astype(np.float32), (w, h))
    return np.clip(bg + noise[..., None], 0, 255)


def _random_track(rng: np.random.Generator, schema: ClassSchema, w: int, h: int,
                  frames: int) -> _Track:
    # Log-uniform head size: mostly small heads in a large frame, some close-ups.
    r = float(np.exp(rng.uniform(np.log(0.03 * w), np.log(0.14 * w))))
    if rng.random() < 0.25:      # placed on the border, so the face is cut by the frame
        cx = float(rng.choice([rng.uniform(-0.6 * r, 0.4 * r), rng.uniform(w - 0.4 * r, w + 0.6 * r)]))
    else:
        cx = float(rng.uniform(r, w - r))
    cy = float(rng.uniform(0.8 * r, h - 0.5 * r))
    speed = 0.02 * w
    return _Track(
        pose=PersonPose(cx=cx, cy=cy, r=r, roll=float(rng.uniform(-18, 18)),
                        yaw=float(rng.uniform(-0.5, 0.5))),
        velocity=(float(rng.uniform(-speed, speed)), float(rng.uniform(-speed, speed) / 2)),
        growth=float(rng.uniform(-0.03, 0.03)), roll_speed=float(rng.uniform(-1.5, 1.5)),
        yaw_speed=float(rng.uniform(-0.05, 0.05)), look=random_look(rng),
        colours=random_colours(rng, schema),
        light=(float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1))))


def render_clip(rng: np.random.Generator, schema: ClassSchema, size: Tuple[int, int],
                frames: int) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Render one clip: a list of (RGB uint8 H x W x 3, label uint8 H x W) in sfp18 ids."""
    w, h = size
    cw, ch = w * SUPERSAMPLE, h * SUPERSAMPLE
    pan = int(0.05 * cw)
    scene = _background(rng, ch + 2 * pan, cw + 2 * pan)
    pan_v = rng.uniform(-1, 1, 2) * pan / max(frames, 1)
    tracks = sorted((_random_track(rng, schema, cw, ch, frames)
                     for _ in range(int(rng.choice([1, 2, 3], p=[0.35, 0.4, 0.25])))),
                    key=lambda t: t.pose.r)     # bigger (closer) people drawn last, in front
    gain_amp, gain_phase = rng.uniform(0, 0.25), rng.uniform(0, 2 * np.pi)
    cast = rng.uniform(-0.08, 0.08, 3)
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    out = []
    for t in range(frames):
        ox, oy = (np.array([pan, pan]) + pan_v * t).astype(int)
        image = scene[oy:oy + ch, ox:ox + cw].copy()
        label = np.zeros((ch, cw), np.uint8)
        for track in tracks:
            pose = track.at(t)
            layer = np.zeros((ch, cw), np.uint8)
            draw_person(layer, pose, track.look, schema)
            mask = layer > 0
            shade = 1 + 0.2 * np.clip(((xx[mask] - pose.cx) * track.light[0]
                                       + (yy[mask] - pose.cy) * track.light[1]) / (2 * pose.r), -1, 1)
            image[mask] = track.colours[layer[mask]] * shade[:, None]
            label[mask] = layer[mask]
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        label = cv2.resize(label, (w, h), interpolation=cv2.INTER_NEAREST)
        gain = 1 + gain_amp * np.sin(2 * np.pi * t / max(frames, 1) + gain_phase)
        image = image * gain * (1 + cast) + rng.normal(0, 4, image.shape)
        if rng.random() < 0.3:
            image = cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.6, 1.6)))
        out.append((np.clip(image, 0, 255).astype(np.uint8), label))
    return out


def generate(out: Path, clips: int, seed: int, frames: int = 8, size: Tuple[int, int] = (384, 288),
             task: str = "face", overwrite: bool = False, video: bool = False, fps: float = 10.0,
             progress: Optional[Callable[[int], None]] = None) -> Path:
    """Write `clips` clips to `out` atomically (all or nothing); returns `out`. With `video`,
    each clip's frames are also written as `<clip>/clip.mp4` (input for tools/infer.py)."""
    if task not in TASKS:
        raise UserError(f"task must be one of {TASKS}, got {task!r}")
    if clips <= 0 or frames <= 0 or min(size) < 32:
        raise UserError("--clips and --frames must be positive and --size at least 32 32")
    schema = load_schema("sfp18")
    with atomic_dir(Path(out), overwrite=overwrite) as tmp:
        for c in range(clips):
            rng = np.random.default_rng([seed, c])
            clip_dir = tmp / f"clip_{c:04d}"
            (clip_dir / "images").mkdir(parents=True)
            (clip_dir / "labels").mkdir()
            writer = VideoWriter(clip_dir / "clip.mp4", fps, size) if video else None
            for t, (image, label) in enumerate(render_clip(rng, schema, size, frames)):
                if task == "portrait":
                    label = (label > 0).astype(np.uint8)
                write_image(clip_dir / "images" / f"{t:05d}.jpg", image)
                write_image(clip_dir / "labels" / f"{t:05d}.png", label)
                if writer:
                    writer.write(image)
            if writer:
                writer.close()
            if progress:
                progress(c + 1)
        write_json(tmp / "meta.json", {
            "generator": "facevid.synthetic.clips", "seed": seed, "clips": clips, "frames": frames,
            "size": list(size), "task": task, "schema": "portrait" if task == "portrait" else "sfp18"})
    return Path(out)
