"""Compare-engines benchmark: a whole comparison vs rendering and transcribing its two samples bare (target <= 1.10).

    python tests/benchmarks/compare_bench.py [--lines 3] [--rounds 2]

On a copy of the demo, the int8 Kokoro's jf_alpha (A) is compared with jf_nezumi (B) on
`--lines` lines. The baseline, measured in the same run, is the bare work a comparison
cannot avoid: `engine.synthesize` of each line with both voices and Whisper's
`transcribe` of each take (same engines, same options, models loaded before timing).
The comparison's side is `run_comparison` end to end: that work plus writing the takes,
every measurement (loudness, true peak, silence, words per minute), the self-check, the
DNSMOS naturalness score of every take, the JSON and the HTML report. The ratio is of
medians, rounds alternating. Also printed: DNSMOS's own model time in the comparison,
how much of it the comparison waited for (the rest ran at idle priority beside the
renders), and the renders' own seconds in both, so that a render slowed by the scoring
beside it would show.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.models.store import ModelStore
    from studio.jobs.selfcheck import project_listener
    from studio.project.project import Project
    from studio.render import compare_measure as measure
    from studio.render.compare import Candidate, plan_comparison, run_comparison

    work = Path(tempfile.mkdtemp(prefix="compare-bench-"))
    os.environ.setdefault("STITCH_CONFIG_DIR", str(work / "config"))
    try:
        store = ModelStore(root=work / "models")
        store.provide_bundled()
        registry = EngineRegistry(store)
        folder = work / "demo"
        shutil.copytree(ROOT / "resources" / "demo", folder)
        project = Project.open(folder)
        candidate = Candidate("kokoro-onnx", {"voice": "jf_nezumi"})
        plan = plan_comparison(project, registry, candidate, sample=args.lines)
        listener = project_listener(project, registry)
        scorer = measure.naturalness()
        # Everything loaded before the clock: both voices' engine, Whisper, DNSMOS.
        plan.a.engine.load(NullState())
        listener.engine.load(NullState())
        scorer.score(measure.to_16k(plan.a.engine.synthesize(next(iter(plan.a.requests.values())), NullState()).samples, 24000))
        scorer.session("one")

        def bare() -> tuple[float, float]:
            rendering = 0.0
            started = time.perf_counter()
            for side in (plan.a, plan.b):
                for request in side.requests.values():
                    begun = time.perf_counter()
                    audio = side.engine.synthesize(request, NullState())
                    rendering += time.perf_counter() - begun
                    listener.engine.transcribe(measure.to_16k(audio.samples, audio.sample_rate), NullState(),
                                               language="en", word_timestamps=False)
            return time.perf_counter() - started, rendering

        def compared() -> tuple[float, dict, float]:
            fresh = plan_comparison(project, registry, candidate, sample=args.lines)
            started = time.perf_counter()
            comparison = run_comparison(fresh, NullState(), listener=listener, scorer=scorer)
            wall = time.perf_counter() - started
            assert all(e[s]["naturalness"] for e in comparison.lines for s in "ab"), "a take was not scored"
            rendering = sum(e[s]["render_seconds"] for e in comparison.lines for s in "ab")
            return wall, comparison.data["naturalness_work"], rendering

        bares, walls, models, waits, beside, bare_renders, renders = [], [], [], [], [], [], []
        for _ in range(args.rounds):
            seconds, rendering = bare()
            bares.append(seconds)
            bare_renders.append(rendering)
            wall, scoring, rendering = compared()
            walls.append(wall)
            models.append(scoring["model_seconds"])
            waits.append(scoring["waited_seconds"])
            beside.append(scoring["beside"] / max(1, scoring["windows"]))
            renders.append(rendering)
        project.close()
        registry.unload_all()
        base, wall = statistics.median(bares), statistics.median(walls)
        print(f"{args.lines} lines × 2 engines, {args.rounds} rounds")
        print(f"bare render + transcribe : {base:7.2f} s (median; renders alone {statistics.median(bare_renders):.2f} s)")
        print(f"comparison, end to end   : {wall:7.2f} s  ratio {wall / base:.3f}  (target <= 1.10; renders in it "
              f"{statistics.median(renders):.2f} s)")
        print(f"DNSMOS in the comparison : {statistics.median(models):7.2f} s of model time, "
              f"{statistics.median(waits):.2f} s waited for; {statistics.median(beside):.0%} of its windows "
              "scored beside the renders at idle priority")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
