"""The export benchmark's composition, made once and shared by the studio and its baselines.

10 stills of 1536×2304 with a slow zoom, narration (speech-like synthetic sound, one
take per scene as the studio has them, and the same laid end to end for the
baselines), a music bed at −18 dB and 6 two-line captions, all for 1080×1920 at
30 fps, x264 medium crf 20 + AAC.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT, FPS = 1080, 1920, 30
STILL = (1536, 2304)  # width, height
SCENES = 10
CUES = 6
ZOOM = 1.08
MUSIC_DB = -18.0
GAP = 0.35
VOICE_RATE = 24000  # Kokoro's rate: the studio resamples as it would for real takes
MUSIC_RATE = 44100
X264 = ["-c:v", "libx264", "-preset", "medium", "-crf", "20", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "192k"]
CAPTION_TEXT = [
    ("Local models draft", "every line for free"),
    ("A premium voice", "only where it matters"),
    ("Swap any model", "for any task"),
    ("Captions come from", "the words themselves"),
    ("Export never blocks", "the window"),
    ("And you keep", "every take"),
]


@dataclass
class Composition:
    folder: str
    seconds: float
    stills: list[str]  # relative to folder
    takes: list[str]
    take_seconds: float
    narration: str  # the takes laid out on one track, for the baselines
    music: str
    captions: list[tuple[float, float, list[str]]]  # start, end, lines
    caption_pngs: list[str]  # the same captions drawn by the studio, for the baselines
    scene_spans: list[tuple[float, float]]  # where each still shows

    @property
    def frames(self) -> int:
        return round(self.duration * FPS)

    @property
    def duration(self) -> float:
        return self.scene_spans[-1][1]

    def path(self, rel: str) -> str:
        return str(Path(self.folder) / rel)

    def timeline(self):
        from studio.render.timeline import layout

        voice = [(f"line{i}", f"scene{i}", take, self.take_seconds) for i, take in enumerate(self.takes)]
        scenes = [(f"scene{i}", still) for i, still in enumerate(self.stills)]
        return layout(voice, scenes, gap=GAP).add_music(self.music, gain_db=MUSIC_DB, fade_in=0.0, fade_out=0.0)

    def cues(self):
        return [SimpleNamespace(start=s, end=e, lines=lines) for s, e, lines in self.captions]


def _still(i: int, rng: np.random.Generator) -> np.ndarray:
    """A picture-like still: gradient sky, soft shapes and fine texture, so zooming costs x264 real work."""
    import cv2

    w, h = STILL
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    hue = (i * 37) % 180
    base = np.zeros((h, w, 3), np.float32)
    base[..., 0] = hue
    base[..., 1] = 120 + 80 * (yy / h)
    base[..., 2] = 90 + 140 * (1 - yy / h)
    img = cv2.cvtColor(base.astype(np.uint8), cv2.COLOR_HSV2BGR).astype(np.float32)
    for _ in range(14):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(80, 420)
        colour = rng.uniform(0, 255, 3)
        mask = np.clip(1.2 - np.hypot(xx - cx, yy - cy) / r, 0, 1)[..., None]
        img = img * (1 - mask) + colour * mask
    texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 6.0)
    img += 12 * texture[..., None] / texture.std()
    img = np.clip(img, 0, 255).astype(np.uint8)
    cv2.putText(img, f"Scene {i + 1}", (120, 500), cv2.FONT_HERSHEY_DUPLEX, 7, (255, 255, 255), 14, cv2.LINE_AA)
    return img


def _speech(seconds: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A speech-like voice: a gliding buzz through two formant-ish resonances, in syllables and words."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 6)) + 15 * np.sin(2 * np.pi * 2.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    buzz = sum(np.sin(k * phase) / k * (1.0 + 2.5 * math.exp(-((k * 150 - 700) / 250) ** 2)
                                        + 1.5 * math.exp(-((k * 150 - 1800) / 400) ** 2)) for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 4.2 * t) * 0.8 + 0.4, 0, 1)
    words = (np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)) > -0.6).astype(float)
    voice = buzz * syllables * words + 0.01 * rng.normal(size=n)
    edge = np.clip(np.minimum(t, seconds - t) / 0.05, 0, 1)
    return (0.25 * voice / np.abs(voice).max() * edge).astype(np.float32)


def _music(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 246.9, 329.6)]
    left = np.zeros_like(t)
    for n, chord in enumerate(chords * int(seconds // 8 + 1)):
        seg = (t >= n * 2) & (t < n * 2 + 2)
        env = np.exp(-(t[seg] - n * 2) * 1.2)
        for f in chord:
            left[seg] += np.sin(2 * np.pi * f * t[seg]) * env
    right = np.roll(left, rate // 50)
    stereo = np.stack([left, right], axis=1)
    return (0.5 * stereo / np.abs(stereo).max()).astype(np.float32)


def make_composition(folder: Path, seconds: float = 60.0) -> Composition:
    """Write the composition's files into `folder` (reused when already there)."""
    import cv2
    import soundfile

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / f"composition-{seconds:g}.json"
    if manifest.exists():
        return Composition(**json.loads(manifest.read_text()))
    rng = np.random.default_rng(5)
    take_seconds = round((seconds + GAP) / SCENES - GAP, 3)
    stills, takes = [], []
    narration = np.zeros(int(round(seconds * VOICE_RATE)) + VOICE_RATE, np.float32)
    spans = []
    for i in range(SCENES):
        stills.append(f"images/scene{i + 1}.png")
        (folder / "images").mkdir(exist_ok=True)
        cv2.imwrite(str(folder / stills[-1]), _still(i, rng))
        takes.append(f"renders/line{i + 1}.wav")
        (folder / "renders").mkdir(exist_ok=True)
        voice = _speech(take_seconds, VOICE_RATE, rng)
        soundfile.write(str(folder / takes[-1]), voice, VOICE_RATE)
        start = i * (take_seconds + GAP)
        at = round(start * VOICE_RATE)
        narration[at:at + len(voice)] += voice
        end = (i + 1) * (take_seconds + GAP) if i < SCENES - 1 else start + take_seconds
        spans.append((0.0 if i == 0 else start, end))
    duration = spans[-1][1]
    soundfile.write(str(folder / "narration.wav"), narration[: round(duration * VOICE_RATE)], VOICE_RATE)
    soundfile.write(str(folder / "music.wav"), _music(duration + 2, MUSIC_RATE), MUSIC_RATE)

    captions, pngs = [], []
    slot = duration / CUES
    for n, lines in enumerate(CAPTION_TEXT[:CUES]):
        start = round(n * slot + 0.5, 3)
        captions.append((start, round(start + min(3.0, slot - 0.6), 3), list(lines)))
        pngs.append(f"captions/cue{n + 1}.png")
        _caption_png(list(lines), folder / pngs[-1])
    comp = Composition(str(folder), seconds, stills, takes, take_seconds, "narration.wav", "music.wav",
                       captions, pngs, spans)
    manifest.write_text(json.dumps(asdict(comp)))
    return comp


def _caption_png(lines: list[str], path: Path) -> None:
    """The studio's caption look as a full-frame RGBA PNG, for the baselines to overlay."""
    from PIL import Image

    from studio.render.burned_captions import draw_caption

    rgba, x, y = draw_caption(lines, WIDTH, HEIGHT)
    frame = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    frame.paste(Image.fromarray(rgba, "RGBA"), (x, y))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.save(path)


def peak_memory() -> dict:
    """This process's and its waited-for children's peak resident memory, in MiB (Linux: KiB units)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)
    return {
        "self_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, 1),
        "children_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale, 1),
    }


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    began = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - began, result
