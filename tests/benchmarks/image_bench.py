"""Scene images: the studio's overhead on a model call, and the UI thread while images render.

(a) Pipeline overhead: the studio's image job against a bare diffusers call. Both run
the same tiny random-weight Stable Diffusion pipeline (built as the tests build it),
the same size, steps and guidance, one seed per pair; the studio side adds the
request, the cache lookup, the PNG with its settings and the record. Target <= 1.05.

(b) UI-thread stall: the window (offscreen) with the Images dock on the demo project,
"New seeds ×4" on the same tiny pipeline, and a 5 ms heartbeat on the UI thread; the
longest gap between beats, its 99th percentile and the gaps over 50 ms, from the click
until the last thumbnail is shown. Target < 50 ms. The drafts are 4 steps at about
256² pixels (320×192 for 16:9): a few seconds each on a 2-core CPU, where the model's
full 512² draft takes minutes.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "images"))


def overhead(work: Path, model: Path, side: int = 128, repeats: int = 9) -> float:
    import torch

    from studio.engines.base import NullState
    from studio.engines.diffusers_engine import DiffusersEngine
    from studio.jobs.imaging import render_scene_image
    from studio.project.images import ImageTakeStore

    torch.set_num_threads(1)  # steadier on a shared 2-core machine; both sides alike
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
    engine.unload()
    print(f"(a) image job {statistics.median(studio) * 1000:.1f} ms vs bare pipeline {statistics.median(bare) * 1000:.1f} ms "
          f"({side}x{side}, {first.steps} steps, median of {repeats}) -> ratio {ratio:.3f} (target <= 1.05)")
    return ratio


def small_drafts(model: Path, side: int = 256, steps: int = 4):
    """The real diffusers engine on the tiny pipeline, with a draft recipe this CPU renders in seconds."""
    from dataclasses import replace

    from studio.engines.diffusers_engine import DiffusersEngine

    class SmallDrafts(DiffusersEngine):
        def recipe(self):
            return replace(super().recipe(), width=side, height=side, steps=steps, guidance=0.0)

        def request(self, prompt, **settings):
            settings["steps"] = settings.get("steps") or steps
            settings["guidance"] = 0.0 if settings.get("guidance") is None else settings["guidance"]
            return super().request(prompt, **settings)

    return SmallDrafts(model)


def ui_stall(work: Path, model: Path, takes: int = 4) -> dict:
    """Heartbeat every 5 ms on the UI thread while "New seeds ×4" renders in the Images dock."""
    import numpy as np
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from studio.engines.registry import EngineRegistry
    from studio.settings import Settings
    from studio.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])  # noqa: F841 - kept alive for the window
    folder = work / "stall"
    shutil.copytree(ROOT / "resources" / "demo", folder)
    registry = EngineRegistry()
    engine = small_drafts(model)
    registry.register("diffusers", lambda store=None: engine)
    window = MainWindow(Settings(check_takes=False), registry)
    window.resize(1400, 860)
    window.show()
    window.open_folder(folder)

    def wait_until(condition, seconds=300.0):
        clock = time.monotonic()
        while not condition() and time.monotonic() - clock < seconds:
            QTest.qWait(5)

    panel = window.images
    window.editor.select_line(window.project.lines[0].id)
    wait_until(lambda: panel.scene_id is not None and not window.jobs.tickets())
    scene = panel.scene_id

    def settled(count: int) -> bool:
        return (not panel._keys and len(window.project.images_for(scene)) >= count
                and not panel.thumbs.busy)

    def heartbeat(start, done) -> dict:
        """Gaps between 5 ms beats on the UI thread from start() until done()."""
        clock, gaps = QElapsedTimer(), []
        heart = QTimer()
        heart.setInterval(5)
        heart.timeout.connect(lambda: gaps.append(clock.restart()))
        clock.start()
        heart.start()
        began = time.perf_counter()
        start()
        wait_until(done)
        seconds = time.perf_counter() - began
        QTest.qWait(50)
        heart.stop()
        return {"max_ms": max(gaps), "p99_ms": float(np.percentile(gaps, 99)), "over_50": sum(g > 50 for g in gaps),
                "beats": len(gaps), "seconds": seconds}

    panel.generate(1)  # loads the pipeline; measured apart
    wait_until(lambda: settled(1))
    first = window.project.images_for(scene)[0].request
    idle_until = time.perf_counter() + 10
    idle = heartbeat(lambda: None, lambda: time.perf_counter() > idle_until)

    # The same four renders as a bare pipeline call in a plain thread: what the model alone costs the UI.
    pipe, bare_done = engine._loaded.pipe_for(False), threading.Event()

    def bare_calls():
        import torch

        with torch.inference_mode():
            for i in range(takes):
                pipe(first["prompt"], height=first["height"], width=first["width"], num_inference_steps=first["steps"],
                     guidance_scale=first["guidance"], output_type="np", generator=torch.Generator("cpu").manual_seed(i))
        bare_done.set()

    bare = heartbeat(lambda: threading.Thread(target=bare_calls).start(), bare_done.is_set)
    studio = heartbeat(panel.seeds_button.click, lambda: settled(1 + takes))
    window.project.save()  # so closing asks nothing
    window.close()
    engine.unload()

    def said(f: dict) -> str:
        return (f"longest gap {f['max_ms']} ms, p99 {f['p99_ms']:.1f} ms, {f['over_50']} gaps over 50 ms "
                f"of {f['beats']} beats in {f['seconds']:.1f} s")

    print(f"(b) UI thread while 'New seeds ×{takes}' renders in the Images dock ({first['width']}x{first['height']}, "
          f"{first['steps']} steps): {said(studio)} (heartbeat 5 ms; target < 50 ms)\n"
          f"    same run, the bare pipeline in a plain thread: {said(bare)}\n"
          f"    same run, the window idle for 10 s: {said(idle)}")
    return studio


if __name__ == "__main__":
    import torch
    from conftest import build_tiny_pipeline  # tests/images/conftest.py

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["STITCH_MODELS_DIR"] = str(work / "models")
        os.environ["STITCH_CONFIG_DIR"] = str(work / "config")
        os.environ["STITCH_DATA_DIR"] = str(work / "data")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        tiny = build_tiny_pipeline(work / "tiny-sd")
        only = {"--overhead", "--stall"} & set(sys.argv[1:])  # one of the two, e.g. `... image --stall`
        if not only or "--overhead" in only:
            overhead(work, tiny)
        if not only or "--stall" in only:
            torch.set_num_threads(1)  # as in the tests: the tiny model's tensors are too small to share out
            ui_stall(work, tiny)
