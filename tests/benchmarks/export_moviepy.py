"""Baseline (a): the composition rendered by moviepy 2.x, the way MoneyPrinterTurbo builds its videos.

Each still is resized to cover the frame, then zoomed by a per-frame resize and
centred in a 1080×1920 composite; the clips are concatenated, caption images are
composited during their cues, narration and music (−18 dB) are mixed; written with
the same x264 and AAC settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import FPS, HEIGHT, MUSIC_DB, WIDTH, ZOOM, Composition  # noqa: E402


def export_moviepy(comp: Composition, out: Path) -> None:
    from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip,
                         concatenate_videoclips)
    from moviepy.audio.fx import MultiplyVolume

    scenes = []
    for still, (start, end) in zip(comp.stills, comp.scene_spans):
        d = end - start
        image = ImageClip(comp.path(still)).resized(height=HEIGHT)
        zooming = image.resized(lambda t, d=d: 1 + (ZOOM - 1) * t / d).with_position("center").with_duration(d)
        scenes.append(CompositeVideoClip([zooming], size=(WIDTH, HEIGHT)).with_duration(d))
    video = concatenate_videoclips(scenes)
    captions = [ImageClip(comp.path(png)).with_start(s).with_duration(e - s)
                for png, (s, e, _) in zip(comp.caption_pngs, comp.captions)]
    video = CompositeVideoClip([video, *captions], size=(WIDTH, HEIGHT)).with_duration(comp.duration)
    narration = AudioFileClip(comp.path(comp.narration))
    music = AudioFileClip(comp.path(comp.music)).with_effects([MultiplyVolume(10 ** (MUSIC_DB / 20))])
    video = video.with_audio(CompositeAudioClip([narration, music]).with_duration(comp.duration))
    video.write_videofile(str(out), fps=FPS, codec="libx264", preset="medium", audio_codec="aac",
                          audio_bitrate="192k", ffmpeg_params=["-crf", "20", "-pix_fmt", "yuv420p"],
                          logger=None)
