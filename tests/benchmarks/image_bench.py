"""Image pipeline overhead: the studio's image job against a bare diffusers call.

Both run the same tiny random-weight Stable Diffusion pipeline (built here, as the
tests build it), the same size, steps and guidance, one seed per pair; the studio
side adds the request, the cache lookup, the PNG with its settings and the record.
Target: ratio <= 1.05.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "images"))


def main(side: int = 128, repeats: int = 9) -> float:
    import torch
    from conftest import build_tiny_pipeline  # tests/images/conftest.py

    from studio.engines.base import NullState
    from studio.engines.diffusers_engine import DiffusersEngine
    from studio.jobs.imaging import render_scene_image
    from studio.project.images import ImageTakeStore

    torch.set_num_threads(1)  # steadier on a shared 2-core machine; both sides alike
    work = Path(tempfile.mkdtemp())
    model = build_tiny_pipeline(work / "tiny-sd")
    engine = DiffusersEngine(model)
    store = ImageTakeStore(work / "project")
    first = engine.request("a lighthouse at dawn", seed=1, width=side, height=side)
    engine.text_to_image(first, NullState())  # load and warm up
    # The very pipeline object the engine loaded, with the scheduler it set: only the
    # studio's own work differs between the two sides.
    bare_pipe = engine._loaded.pipe_for(False)
    studio, bare = [], []
    for i in range(repeats):
        request = engine.request("a lighthouse at dawn", seed=100 + i, width=side, height=side)

        def through_studio():
            started = time.perf_counter()
            render_scene_image(work / "project", store, "scene", request, engine, NullState())
            studio.append(time.perf_counter() - started)

        def bare_call():
            started = time.perf_counter()
            with torch.inference_mode():
                bare_pipe("a lighthouse at dawn", height=side, width=side, num_inference_steps=request.steps,
                          guidance_scale=request.guidance, output_type="np",
                          generator=torch.Generator("cpu").manual_seed(100 + i))
            bare.append(time.perf_counter() - started)

        for step in ((through_studio, bare_call) if i % 2 == 0 else (bare_call, through_studio)):
            step()
    ratio = statistics.median(studio) / statistics.median(bare)
    print(f"image job {statistics.median(studio) * 1000:.1f} ms vs bare pipeline {statistics.median(bare) * 1000:.1f} ms "
          f"({side}x{side}, {first.steps} steps, median of {repeats}) -> ratio {ratio:.3f} (target <= 1.05)")
    return ratio


if __name__ == "__main__":
    main()
