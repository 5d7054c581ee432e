"""Less waiting after an edit: incremental re-export, quick look, render-all over several servers.

    python tests/benchmarks/export_incremental_bench.py [--seconds 60] [--size 1080x1920] [--servers-only]

All ratios are against baselines measured in the same run:
  * full export (cold cache, final quality) → re-export after one line of the middle scene
    gets a longer take (later scenes move along; captions after it move with it): target ≤ 0.2×;
    an unchanged re-export: target ≤ 0.05×.
  * quick look vs final (both cold): speed ≥ 3×, SSIM of quick against final ≥ 0.98 (ffmpeg's ssim).
  * render-all throughput (lines/s) with N = 1, 2, 4 fake servers on 127.0.0.1 taking a fixed time
    per request: ≥ 0.8·N × one server.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _common import GAP, MUSIC_DB, VOICE_RATE, _speech, make_composition  # noqa: E402


def changed_timeline(comp, extra: float = 0.4):
    """Line 5 (the middle scene) gets a new, longer take; the cues after it move with the words."""
    import numpy as np
    import soundfile

    from studio.render.timeline import layout

    middle = len(comp.takes) // 2
    path = Path(comp.folder) / "renders" / "line-middle-new.wav"
    voice = _speech(comp.take_seconds + extra, VOICE_RATE, np.random.default_rng(77))
    soundfile.write(str(path), voice, VOICE_RATE)
    voice_items = [(f"line{i}", f"scene{i}", take, comp.take_seconds) for i, take in enumerate(comp.takes)]
    voice_items[middle] = (f"line{middle}", f"scene{middle}", "renders/line-middle-new.wav", comp.take_seconds + extra)
    scenes = [(f"scene{i}", still) for i, still in enumerate(comp.stills)]
    timeline = layout(voice_items, scenes, gap=GAP).add_music(comp.music, gain_db=MUSIC_DB, fade_in=0.0, fade_out=0.0)
    change_at = timeline.clip(f"voice:line{middle}").start
    cues = comp.cues()
    for c in cues:
        if c.start >= change_at:
            c.start, c.end = c.start + extra, c.end + extra
    return timeline, cues


def ssim(a: Path, b: Path) -> float:
    from studio.render.ffmpeg import ffmpeg_exe

    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(a), "-i", str(b), "-lavfi", "ssim", "-f", "null",
                           "-"], capture_output=True, text=True)
    return float(re.search(r"All:([0-9.]+)", done.stderr).group(1))


def export_bench(seconds: float, size: str, work: Path) -> None:
    from studio.render.export import Preset, export
    from studio.render.incremental import cache_folder

    width, height = (int(v) for v in size.split("x"))
    preset = Preset("shorts", "bench", width, height)
    comp = make_composition(work / "composition", seconds)
    folder = Path(comp.folder)
    shutil.rmtree(cache_folder(folder), ignore_errors=True)
    out = work / "out"
    out.mkdir(exist_ok=True)
    print(f"composition: {comp.duration:.2f} s, {comp.frames} frames at {width}x{height}, 10 zooming stills, "
          "burned captions, narration + music", flush=True)

    def timed(name, timeline, cues, **kw):
        began = time.perf_counter()
        result = export(timeline, folder, out / f"{name}.mp4", preset, captions=cues, **kw)
        wall = time.perf_counter() - began
        print(f"  {name:<22} {wall:7.2f} s   scenes encoded {result.encoded_segments}/{result.segments}   "
              f"frames {result.frames}", flush=True)
        return wall, result

    full, first = timed("full (cold cache)", comp.timeline(), comp.cues())
    same, _ = timed("unchanged re-export", comp.timeline(), comp.cues())
    timeline, cues = changed_timeline(comp)
    changed, after = timed("one take changed", timeline, cues)
    quick_cache = work / "quick-cache"
    shutil.rmtree(quick_cache, ignore_errors=True)
    quick, q = timed("quick look (cold)", comp.timeline(), comp.cues(), quality="quick", cache=quick_cache)
    score = ssim(out / "quick look (cold).mp4", out / "full (cold cache).mp4")
    print(f"\nchanged re-export / full = {changed / full:.3f} (target ≤ 0.20): {'met' if changed / full <= 0.2 else 'NOT met'}")
    print(f"unchanged re-export / full = {same / full:.3f} (target ≤ 0.05): {'met' if same / full <= 0.05 else 'NOT met'}")
    print(f"quick look speed = {full / quick:.2f}× final (target ≥ 3): {'met' if full / quick >= 3 else 'NOT met'}")
    print(f"quick look SSIM against final = {score:.4f} (target ≥ 0.98): {'met' if score >= 0.98 else 'NOT met'}")
    print(f"frames: full {first.frames}, after the change {after.frames} (timeline {timeline.duration * 30:.1f})")


def servers_bench(lines: int = 24, latency: float = 0.25, per_server: int = 2) -> None:
    from contextlib import ExitStack

    from hosted.fakes import FakeOpenAI

    from studio.engines.base import NullState
    from studio.engines.hosted.openai_compat import OpenAISpeechEngine
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing, render_lines
    from studio.project.project import Project

    print(f"\nrender-all: {lines} lines, fake servers taking {latency} s per request, {per_server} at once each",
          flush=True)
    rates = {}
    for n in (1, 1, 2, 4):  # the first N = 1 run warms up imports and the first connections
        with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
            fakes = [stack.enter_context(FakeOpenAI(None)) for _ in range(n)]
            for f in fakes:
                f.latency = latency
            folder = Path(tmp)
            urls = ", ".join(f'"{f.url}/v1"' for f in fakes)
            (folder / "stitch.toml").write_text(
                f'[project]\ntitle = "Bench"\n[routing.tts]\ndraft = "openai-tts"\n[engines.openai-tts]\n'
                f'base_urls = [{urls}]\nvoice = "nova"\nper_server = {per_server}\n', encoding="utf-8")
            (folder / "script.md").write_text("# One\n\n" + "\n\n".join(
                f"Line {k} of the long audiobook, said once." for k in range(lines)) + "\n", encoding="utf-8")
            project = Project.open(folder)
            registry = EngineRegistry()
            registry.register("openai-tts", OpenAISpeechEngine)
            voicing = Voicing(project, registry)
            began = time.perf_counter()
            outcomes = render_lines(voicing, [line.id for line in project.lines], NullState())
            wall = time.perf_counter() - began
            ok = sum(1 for o in outcomes.values() if not isinstance(o, Exception))
            project.close()
        rates[n] = ok / wall
        print(f"  N = {n}: {ok}/{lines} lines in {wall:.2f} s = {rates[n]:.2f} lines/s", flush=True)
    for n in (2, 4):
        ratio = rates[n] / rates[1]
        print(f"throughput N={n} / N=1 = {ratio:.2f} (target ≥ {0.8 * n:.1f}): {'met' if ratio >= 0.8 * n else 'NOT met'}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="1080x1920", help="WIDTHxHEIGHT of the export (default the real 1080x1920)")
    parser.add_argument("--servers-only", action="store_true")
    parser.add_argument("--work", help="folder for the composition and outputs (default: a temporary one)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))  # tests/, for the fake servers
    if not args.servers_only:
        export_bench(args.seconds, args.size, Path(args.work or tempfile.mkdtemp(prefix="stitch-incremental-")))
    servers_bench()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
