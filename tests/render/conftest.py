"""A small synthetic project: a solid colour per scene, takes with a click at a known time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.render.timeline import Timeline, layout

# RGB, far apart so that a decoded frame tells them apart at a glance.
SCENE_COLOURS = {"s1": (220, 40, 40), "s2": (40, 180, 60), "s3": (50, 70, 220)}
TAKE_RATE = 24000
TAKE_SECONDS = 1.3
CLICK_AT = 0.4  # seconds into the take of line l2


@dataclass
class Cue:
    start: float
    end: float
    lines: list[str]


@dataclass
class Project:
    folder: Path
    timeline: Timeline
    cues: list[Cue]

    @property
    def click_time(self) -> float:
        return self.timeline.clip("voice:l2").start + CLICK_AT


def _take(seed: int, click: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(TAKE_SECONDS * TAKE_RATE)) / TAKE_RATE
    voice = 0.04 * np.sin(2 * np.pi * 170 * t) + 0.01 * rng.standard_normal(len(t))
    if click:
        at = int(CLICK_AT * TAKE_RATE)
        voice[at:at + 24] = 0.9 * np.hanning(24)
    return voice.astype(np.float32)


def make_project(folder: Path) -> Project:
    import cv2

    (folder / "images").mkdir(parents=True)
    (folder / "renders").mkdir()
    for scene, (r, g, b) in SCENE_COLOURS.items():
        cv2.imwrite(str(folder / "images" / f"{scene}.png"), np.full((768, 512, 3), (b, g, r), np.uint8))
    voice = []
    for n, scene in enumerate(SCENE_COLOURS, start=1):
        soundfile.write(folder / "renders" / f"l{n}.wav", _take(n, click=n == 2), TAKE_RATE)
        voice.append((f"l{n}", scene, f"renders/l{n}.wav", TAKE_SECONDS))
    t = np.arange(3 * 44100) / 44100
    bed = 0.2 * np.sin(2 * np.pi * 330 * t)
    soundfile.write(folder / "bed.wav", np.stack([bed, bed], 1).astype(np.float32), 44100)
    timeline = layout(voice, [(s, f"images/{s}.png") for s in SCENE_COLOURS], gap=0.35).add_music("bed.wav")
    cues = [Cue(0.3, 1.0, ["Every draft is free,", "so try it twice"])]
    return Project(folder, timeline, cues)


@pytest.fixture
def project(tmp_path) -> Project:
    return make_project(tmp_path / "My Video")
