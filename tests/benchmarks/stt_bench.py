"""Transcription benchmark: the studio's transcription of a 60 s recording vs a bare
`WhisperModel.transcribe` on the same file, same weights, same options (target <= 1.05).

    python tests/benchmarks/stt_bench.py [--seconds 60] [--rounds 5] [--model whisper-tiny.en|whisper-base]

The recording is real speech: sentences rendered by the int8 Kokoro the demo carries,
joined with short pauses until it is `--seconds` long (made once, kept in the work folder).
Both sides load their model before timing; they alternate, and each ratio is of medians.
The studio's side is `listen.transcribe_file` through the `whisper` engine: decoding with
imageio-ffmpeg, progress and cancel checks per segment, and the Transcript it builds. The
bare side gets the file path and decodes it with faster-whisper's own decoder (PyAV).
CPU seconds of this process are printed too: on a shared machine they move less than wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCES = (
    "Every draft you render on your own machine is free, so you can try a line ten times.",
    "The harbour was quiet before the storm came in.",
    "Boats knocked gently against the wooden posts of the pier.",
    "By noon the sky had turned a heavy shade of grey.",
    "When a line is finally right, you can send just that one to a premium voice.",
    "Write a line, and you hear it a moment later.",
)


def recording(work: Path, seconds: float) -> Path:
    """`seconds` of real speech as a WAV file (rendered once per work folder)."""
    import numpy as np
    import soundfile as sf

    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing
    from studio.project.project import Project

    path = work / f"speech-{int(seconds)}s.wav"
    if path.exists():
        return path
    folder = work / "speech-project"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script.md").write_text("# Speech\n\n" + "\n\n".join(SENTENCES) + "\n", encoding="utf-8")
    project = Project.open(folder)
    voicing = Voicing(project, EngineRegistry())
    engine = voicing.engine()
    pieces, total, rate, i = [], 0.0, 24000, 0
    while total < seconds:
        line = project.lines[i % len(project.lines)]
        audio = engine.synthesize(voicing.request_for(line.id), NullState())
        rate = audio.sample_rate
        pieces += [audio.samples.astype("float32"), np.zeros(int(0.4 * rate), "float32")]
        total += len(audio.samples) / rate + 0.4
        i += 1
    project.close()
    samples = np.concatenate(pieces)[: int(seconds * rate)]
    sf.write(str(path), samples, rate, subtype="PCM_16")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default="whisper-tiny.en")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "stitch-stt-bench")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    from faster_whisper import WhisperModel

    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.engines.whisper import WhisperEngine
    from studio.jobs import listen

    path = recording(args.work, args.seconds)
    engine = WhisperEngine(store=EngineRegistry().store, model=args.model)
    engine.load(NullState())
    folder = engine.model().path
    bare_model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                              cpu_threads=min(8, os.cpu_count() or 1), local_files_only=True)
    options = engine._settings(args.seconds, None, True)  # the very options the studio passes

    def studio_side():
        return listen.transcribe_file(path, engine, NullState()).text

    def bare_side():
        segments, _info = bare_model.transcribe(str(path), **options)
        return " ".join(s.text.strip() for s in segments)

    times = {"studio": [], "bare": []}
    cpu = {"studio": [], "bare": []}
    heard = {}
    sides = {"studio": studio_side, "bare": bare_side}
    for round_ in range(args.rounds):
        order = ("studio", "bare") if round_ % 2 == 0 else ("bare", "studio")
        for name in order:
            started, cpu_started = time.perf_counter(), time.process_time()
            heard[name] = sides[name]()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
    wall = {k: statistics.median(v) for k, v in times.items()}
    cpus = {k: statistics.median(v) for k, v in cpu.items()}
    import difflib

    words = {k: v.lower().split() for k, v in heard.items()}
    same = difflib.SequenceMatcher(None, words["studio"], words["bare"]).ratio()
    print(f"transcription of a {args.seconds:.0f} s recording, {args.model} int8 on CPU, median of {args.rounds}: "
          f"studio {wall['studio']:.2f} s vs bare WhisperModel.transcribe {wall['bare']:.2f} s -> "
          f"ratio {wall['studio'] / wall['bare']:.3f} (target <= 1.05); CPU {cpus['studio']:.2f} s vs "
          f"{cpus['bare']:.2f} s -> {cpus['studio'] / cpus['bare']:.3f}; words in common {same:.0%} "
          "(the two decoders resample differently)")
    print(f"    load average {os.getloadavg()[0]:.1f}; heard {len(heard['studio'].split())} words")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
