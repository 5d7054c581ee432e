"""Baseline (c), the floor: ffmpeg encoding as many frames of a plain test source, same x264 settings, nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import FPS, HEIGHT, WIDTH, Composition  # noqa: E402


def export_floor(comp: Composition, out: Path) -> None:
    from studio.render.export import PRESETS, video_encoder_args
    from studio.render.ffmpeg import ffmpeg_exe

    subprocess.run([
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}",
        "-frames:v", str(comp.frames), *video_encoder_args(PRESETS["shorts"]), str(out),
    ], check=True)
