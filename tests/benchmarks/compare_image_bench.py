"""Compare image engines: a whole `run_image_comparison` vs rendering its two samples' pictures bare (target <= 1.10).

    python tests/benchmarks/compare_image_bench.py [--scenes 4] [--rounds 3] [--size 256]

Both sides are the tiny random-weight Stable Diffusion pipeline the tests build, under
two engine ids: A the project's route (the model's own steps), B a second local engine
at 4 steps; same prompt, seed and size (`--size`: 256 gives 320×192 for 16:9, a few
seconds a picture on a 2-core CPU). The baseline, measured in the same run, is the bare
work a comparison cannot avoid: `engine.text_to_image` of every request of both sides,
models loaded before timing. The comparison's side is `run_image_comparison` end to end:
the image pipeline (PNG with its settings), timing, the memory sampler, the contact
sheet, the JSON and the HTML report. The ratio is of medians, rounds alternating.
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

SCRIPT_TAIL = "\n# Night\n\n[image: the town asleep under snow, (mostly) dark windows]\n\nNight falls.\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=256)
    args, _ = parser.parse_known_args()

    import torch

    from studio.engines.base import NullState
    from studio.engines.diffusers_engine import DiffusersEngine
    from studio.engines.registry import EngineRegistry
    from studio.project.project import Project
    from studio.render.compare import Candidate
    from studio.render.compare_images import plan_image_comparison, run_image_comparison
    from tests.compare.conftest import IMAGE_SCRIPT
    from tests.images.conftest import build_tiny_pipeline

    class SecondDiffusers(DiffusersEngine):
        id = "diffusers-second"
        label = "Second diffusers (benchmark)"

    torch.set_num_threads(1)  # steadier on a shared 2-core machine; both sides alike
    work = Path(tempfile.mkdtemp(prefix="compare-image-bench-"))
    os.environ.setdefault("STITCH_CONFIG_DIR", str(work / "config"))
    try:
        model = build_tiny_pipeline(work / "model")
        folder = work / "project"
        folder.mkdir()
        (folder / "script.md").write_text(IMAGE_SCRIPT + SCRIPT_TAIL, encoding="utf-8")
        settings = f'model_dir = "{model.as_posix()}"\nmodel_id = "sd-turbo"\n'
        (folder / "stitch.toml").write_text(f"[engines.diffusers]\n{settings}\n[engines.{SecondDiffusers.id}]\n{settings}",
                                            encoding="utf-8")
        registry = EngineRegistry()
        registry.register(SecondDiffusers.id, SecondDiffusers)
        project = Project.open(folder)
        candidate = Candidate(SecondDiffusers.id, {"steps": 4, "size": args.size})

        def plan():
            return plan_image_comparison(project, registry, candidate, sample=args.scenes)

        first = plan()
        for side in (first.a, first.b):  # both pipelines loaded before the clock
            side.engine.text_to_image(next(iter(side.requests.values())), NullState())

        def bare() -> float:
            fresh = plan()
            started = time.perf_counter()
            for side in (fresh.a, fresh.b):
                for request in side.requests.values():
                    side.engine.text_to_image(request, NullState())
            return time.perf_counter() - started

        def compared() -> float:
            fresh = plan()
            started = time.perf_counter()
            comparison = run_image_comparison(fresh, NullState())
            wall = time.perf_counter() - started
            assert comparison.status == "done" and len(comparison.lines) == len(fresh.picks)
            return wall

        bares, walls = [], []
        for _ in range(args.rounds):
            bares.append(bare())
            walls.append(compared())
        a, b = first.a.describe(), first.b.describe()
        project.close()
        registry.unload_all()
        base, wall = statistics.median(bares), statistics.median(walls)
        print(f"{len(first.picks)} scenes × 2 engines (A {a['steps']} step(s), B {b['steps']} steps, {a['size']}), "
              f"{args.rounds} rounds")
        print(f"bare text_to_image       : {base:7.2f} s (median)")
        print(f"comparison, end to end   : {wall:7.2f} s  ratio {wall / base:.3f}  (target <= 1.10)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
