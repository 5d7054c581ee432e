"""Baseline (b): the composition as one hand-written ffmpeg filter graph.

zoompan on each still (scaled once to the zoomed cover size), the stills joined
with concat, each caption image overlaid during its cue, narration and the music
bed (−18 dB) joined with amix; same x264 and AAC settings as the studio.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import AAC, FPS, HEIGHT, MUSIC_DB, WIDTH, X264, ZOOM, Composition  # noqa: E402


def _even(x: float) -> int:
    return int(round(x / 2)) * 2


def graph(comp: Composition) -> tuple[list[str], str]:
    inputs: list[str] = []
    parts: list[str] = []
    zw, zh = _even(WIDTH * ZOOM), _even(HEIGHT * ZOOM)
    for i, (still, (start, end)) in enumerate(zip(comp.stills, comp.scene_spans)):
        n = round(end * FPS) - round(start * FPS)
        inputs += ["-i", comp.path(still)]
        parts.append(
            f"[{i}:v]scale={zw}:{zh}:force_original_aspect_ratio=increase,crop={zw}:{zh},"
            f"zoompan=z='1+{ZOOM - 1:.4f}*on/{max(1, n - 1)}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'"
            f":d={n}:s={WIDTH}x{HEIGHT}:fps={FPS},setsar=1[v{i}]"
        )
    k = len(comp.stills)
    parts.append("".join(f"[v{i}]" for i in range(k)) + f"concat=n={k}:v=1:a=0,format=yuv420p[bg]")
    last = "bg"
    for n, (png, (start, end, _)) in enumerate(zip(comp.caption_pngs, comp.captions)):
        inputs += ["-i", comp.path(png)]
        parts.append(f"[{last}][{k + n}:v]overlay=0:0:enable='between(t,{start},{end})'[c{n}]")
        last = f"c{n}"
    a = k + len(comp.caption_pngs)
    inputs += ["-i", comp.path(comp.narration), "-i", comp.path(comp.music)]
    parts.append(f"[{a}:a]aresample=48000[narration];[{a + 1}:a]volume={MUSIC_DB}dB,aresample=48000[music];"
                 f"[narration][music]amix=inputs=2:duration=first:normalize=0[a]")
    return inputs, ";".join(parts) + f";[{last}]null[v]"


def export_ffmpeg_graph(comp: Composition, out: Path) -> None:
    from studio.render.ffmpeg import ffmpeg_exe

    inputs, filters = graph(comp)
    subprocess.run([
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs,
        "-filter_complex", filters, "-map", "[v]", "-map", "[a]", "-frames:v", str(comp.frames),
        *X264, *AAC, str(out),
    ], check=True)
