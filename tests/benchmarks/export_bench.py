"""Export benchmark: the studio's export against moviepy, a hand-written ffmpeg graph and the floor.

    python tests/benchmarks/export_bench.py [--seconds 60] [--rounds 1] [--only floor,content,studio,graph,moviepy]
                                            [--work DIR]

One composition (see _common.py), one run of each, each in its own process so that
its peak memory (RUSAGE_SELF) and its ffmpeg's (RUSAGE_CHILDREN) are its own.
Times are wall seconds of the export call alone; ratios are to the floor: ffmpeg
encoding the same number of frames of testsrc2 with the same x264 settings.
Target (issue 5): studio ≤ 1.2 × floor. "content" (x264 alone on the studio's own
frames, made beforehand) shows what this picture costs the encoder by itself: a
zoom moves every block of every frame, which x264 pays for whoever makes the frames.
CPU seconds (own + children) are reported too: on a machine shared with other work
they move far less than wall time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import make_composition, peak_memory, timed  # noqa: E402

METHODS = ("floor", "content", "studio", "graph", "moviepy")
LABELS = {
    "floor": "floor: x264 alone on testsrc2",
    "content": "x264 alone on the studio's frames",
    "studio": "studio export",
    "graph": "hand-written ffmpeg graph",
    "moviepy": "moviepy 2.x",
}


def export_studio(comp, out: Path) -> None:
    from studio.render.export import export

    # A cold cache every run: each round measures a whole export, not a re-export (export_incremental_bench.py).
    with tempfile.TemporaryDirectory(prefix="stitch-bench-cache-") as cache:
        export(comp.timeline(), Path(comp.folder), out, "shorts", captions=comp.cues(), captions_mode="burn",
               cache=Path(cache))


def export_content(raw: Path, out: Path) -> None:
    """x264 on frames the studio made beforehand (read from a raw file): what this picture costs to encode."""
    from studio.render.export import PRESETS, video_encoder_args
    from studio.render.ffmpeg import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo",
                    "-pix_fmt", "yuv420p", "-s", "1080x1920", "-framerate", "30", "-i", str(raw),
                    *video_encoder_args(PRESETS["shorts"]), str(out)], check=True)


def dump_frames(comp, raw: Path) -> None:
    from studio.render.frames import FrameMaker

    maker = FrameMaker(comp.timeline(), Path(comp.folder), 1080, 1920, 30, captions=comp.cues())
    buffer = maker.new_buffer()
    with open(raw, "wb") as f:
        for i in range(maker.count):
            maker.make(i, buffer)
            f.write(buffer.data)


def cpu_seconds() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def run_one(method: str, seconds: float, work: Path) -> dict:
    comp = make_composition(work / "composition", seconds)
    out = work / f"{method}.mp4"
    raw = work / "frames.yuv"
    if method == "content":
        dump_frames(comp, raw)  # not timed
        job = lambda: export_content(raw, out)  # noqa: E731
    else:
        from export_ffmpeg_graph import export_ffmpeg_graph
        from export_floor import export_floor
        from export_moviepy import export_moviepy

        fn = {"floor": export_floor, "graph": export_ffmpeg_graph, "moviepy": export_moviepy,
              "studio": export_studio}[method]
        job = lambda: fn(comp, out)  # noqa: E731
    traced = method == "studio"
    if traced:
        tracemalloc.start()
    cpu_before = cpu_seconds()
    wall, _ = timed(job)
    cpu_after = cpu_seconds()
    raw.unlink(missing_ok=True)
    record = {"method": method, "seconds": round(wall, 2), **peak_memory(),
              "cpu_own": round(cpu_after[0] - cpu_before[0], 1), "cpu_children": round(cpu_after[1] - cpu_before[1], 1),
              "load": round(os.getloadavg()[0], 1)}
    if traced:
        record["python_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    from studio.render.probe import count_frames, probe

    record["frames"] = count_frames(out)
    record["expected_frames"] = comp.frames
    record["duration"] = probe(out).duration
    return record


def _child(method: str, seconds: float, work: Path) -> dict | None:
    done = subprocess.run([sys.executable, __file__, "--one", method, "--seconds", str(seconds), "--work", str(work)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{method}: failed\n{done.stderr[-3000:]}", flush=True)
        return None
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {LABELS[method]:<34} {r['seconds']:>7.1f} s   cpu {r['cpu_own'] + r['cpu_children']:>6.1f} s   "
          f"frames {r['frames']}/{r['expected_frames']}   load {r['load']}", flush=True)
    return r


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--only", default=",".join(METHODS), help="comma-separated: " + ",".join(METHODS))
    parser.add_argument("--rounds", type=int, default=1,
                        help="run each method this many times, round-robin, and keep each one's fastest run "
                             "(moviepy runs once): steadier figures on a machine others share")
    parser.add_argument("--work", help="folder for the composition and outputs (default: a temporary one)")
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)  # a child run
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args(argv)
    if args.seconds < 5:
        parser.error("--seconds must be 5 or more: ten scenes need time for their lines")
    work = Path(args.work or tempfile.mkdtemp(prefix="stitch-export-bench-"))
    if args.one:
        print(json.dumps(run_one(args.one, args.seconds, work)), flush=True)
        return 0
    if args.prepare:
        make_composition(work / "composition", args.seconds)
        return 0

    # Made in a child: on Linux a child inherits its parent's peak RSS, which would
    # then show in every method's figure.
    subprocess.run([sys.executable, __file__, "--prepare", "--seconds", str(args.seconds), "--work", str(work)],
                   check=True)
    comp = make_composition(work / "composition", args.seconds)
    print(f"composition: {comp.duration:.2f} s, {comp.frames} frames of 1080x1920 at 30 fps, "
          f"10 stills 1536x2304 zooming, narration + music at -18 dB, 6 burned captions; work in {work}", flush=True)
    methods = [m for m in METHODS if m in args.only.split(",")]
    if "moviepy" in methods and importlib.util.find_spec("moviepy") is None:
        print("moviepy is not installed (pip install -e '.[bench]'): its row is left out", flush=True)
        methods.remove("moviepy")
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    for n in range(max(1, args.rounds)):
        print(f"round {n + 1}", flush=True)
        for method in methods:
            if method == "moviepy" and n > 0:
                continue
            record = _child(method, args.seconds, work)
            if record:
                runs[method].append(record)
    records = {m: min(rs, key=lambda r: r["seconds"]) for m, rs in runs.items() if rs}
    cpu = {m: min(r["cpu_own"] + r["cpu_children"] for r in rs) for m, rs in runs.items() if rs}

    floor, floor_cpu = records.get("floor", {}).get("seconds"), cpu.get("floor")
    print("\n| method | seconds | × floor | CPU s | CPU × floor | CPU s outside ffmpeg | peak RSS own (MiB) "
          "| peak RSS ffmpeg (MiB) | Python peak (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for method, r in records.items():
        ratio = f"{r['seconds'] / floor:.2f}" if floor else "-"
        cpu_ratio = f"{cpu[method] / floor_cpu:.2f}" if floor_cpu else "-"
        print(f"| {LABELS[method]} | {r['seconds']:.1f} | {ratio} | {cpu[method]:.1f} | {cpu_ratio} "
              f"| {r['cpu_own']:.1f} | {r['self_mib']:.0f} | {r['children_mib']:.0f} "
              f"| {r.get('python_peak_mib', '-')} |")
    if floor and "studio" in records:
        ratio = records["studio"]["seconds"] / floor
        print(f"\nstudio / floor = {ratio:.2f} (target ≤ 1.20): {'met' if ratio <= 1.2 else 'NOT met'}")
        if "content" in records:
            wall = records["studio"]["seconds"] / records["content"]["seconds"]
            print(f"studio / x264 alone on the same frames = {wall:.2f} (wall), "
                  f"{cpu['studio'] / cpu['content']:.2f} (CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
