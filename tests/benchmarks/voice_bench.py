"""Voice benchmarks for the vertical slice, on the real int8 Kokoro weights.

(a) studio overhead per line: a render through the job pipeline ÷ the bare engine
    call, same text, same run (target ≤ 1.05).
(b) the longest UI-thread stall while a preview renders, from a heartbeat timer
    (target < 50 ms).
(c) `studio render` on an already-rendered 100-line project (target < 1 s, zero
    model calls).
(d) launch to a visible main window (target < 2 s), against a bare Qt window.
(e) time to first audio of a 3-sentence line through the streaming preview ÷ the bare
    engine time of its first sentence, same run (target ≤ 1.2).
(f) self-check cost per take: listening to a take (Whisper tiny.en and base, loaded)
    as a fraction of the take's render time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SENTENCE = "Every draft you render on your own machine is free, so you can try a line ten times."


def _project(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = "# Benchmark\n\n" + "\n\n".join(lines) + "\n"
    (folder / "script.md").write_text(body, encoding="utf-8")
    return folder


def overhead(work: Path, repeats: int = 7) -> float:
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing
    from studio.jobs.runner import JobRunner
    from studio.project.project import Project

    registry = EngineRegistry()
    project = Project.open(_project(work / "overhead", [SENTENCE]))
    voicing = Voicing(project, registry)
    engine = voicing.engine()
    line_id = project.lines[0].id
    engine.synthesize(voicing.request_for(line_id), NullState())  # load and warm up

    runner = JobRunner()
    bare, studio = [], []
    bare_cpu, studio_cpu = [], []  # this process's CPU seconds: steady when other programs load the machine
    try:
        for i in range(repeats):
            project.edit_line(line_id, f"{SENTENCE} Take {i + 1}.")
            request = voicing.request_for(line_id)

            def through_studio():
                done = threading.Event()
                started, cpu = time.perf_counter(), time.process_time()
                runner.submit(lambda s: voicing.render_line(line_id, s), key=line_id,
                              on_done=lambda r: (voicing.commit(r), done.set()))
                done.wait(120)
                studio.append(time.perf_counter() - started)
                studio_cpu.append(time.process_time() - cpu)

            def bare_call():
                started, cpu = time.perf_counter(), time.process_time()
                engine.synthesize(request, NullState())
                bare.append(time.perf_counter() - started)
                bare_cpu.append(time.process_time() - cpu)

            order = (through_studio, bare_call) if i % 2 == 0 else (bare_call, through_studio)
            for step in order:
                step()
    finally:
        runner.shutdown()
    ratio = statistics.median(studio) / statistics.median(bare)
    cpu_ratio = statistics.median(studio_cpu) / statistics.median(bare_cpu)
    print(f"(a) overhead: studio {statistics.median(studio):.3f} s vs bare engine {statistics.median(bare):.3f} s "
          f"per line (median of {repeats}) -> ratio {ratio:.3f} (target <= 1.05); "
          f"CPU time {statistics.median(studio_cpu):.3f} s vs {statistics.median(bare_cpu):.3f} s -> ratio {cpu_ratio:.3f}")
    return ratio


THREE = ("The harbour was quiet before the storm came in. "
         "Boats knocked gently against the wooden posts of the pier. "
         "By noon the sky had turned a heavy shade of grey.")


def first_audio(work: Path, repeats: int = 5) -> float:
    """Submit to the first preview WAV (`StreamingState.on_audio`) vs a bare call on the first sentence."""
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.jobs.pipeline import Voicing
    from studio.jobs.runner import JobRunner
    from studio.jobs.streaming import StreamingState, clear_previews
    from studio.project.project import Project

    registry = EngineRegistry()
    project = Project.open(_project(work / "first-audio", [THREE]))
    voicing = Voicing(project, registry)
    engine = voicing.engine()
    line_id = project.lines[0].id
    engine.synthesize(voicing.request_for(line_id), NullState())  # load and warm up
    runner = JobRunner()
    streamed, bare, whole = [], [], []
    try:
        for i in range(repeats):
            # A new word each time so the take cache never answers.
            project.edit_line(line_id, THREE.replace("quiet", f"quiet ({i + 1})", 1))
            request = voicing.request_for(line_id)
            first_sentence = replace(request, text=request.text.split(". ")[0] + ".")

            def through_studio():
                heard, done = threading.Event(), threading.Event()
                started = time.perf_counter()
                marks = {}

                def on_audio(path, seconds):
                    if not heard.is_set():
                        marks["first"] = time.perf_counter() - started
                        heard.set()

                def render(state):
                    clear_previews(project.folder, line_id)
                    return voicing.render_line(line_id, StreamingState(state, project.folder, line_id, on_audio), request)

                runner.submit(render, key=line_id, on_done=lambda r: (voicing.commit(r), done.set()))
                done.wait(120)
                streamed.append(marks["first"])
                whole.append(time.perf_counter() - started)

            def bare_call():
                started = time.perf_counter()
                engine.synthesize(first_sentence, NullState())
                bare.append(time.perf_counter() - started)

            for step in ((through_studio, bare_call) if i % 2 == 0 else (bare_call, through_studio)):
                step()
    finally:
        runner.shutdown()
        project.close()
    s, b, w = statistics.median(streamed), statistics.median(bare), statistics.median(whole)
    print(f"(e) time to first audio, 3-sentence line: {s:.3f} s through the streaming preview vs {b:.3f} s "
          f"bare engine on its first sentence (median of {repeats}) -> ratio {s / b:.3f} (target <= 1.2); "
          f"whole line {w:.3f} s")
    return s / b


def selfcheck_cost(work: Path, repeats: int = 3) -> dict:
    """Listening to a take after it renders, as a fraction of its render time (both warm)."""
    from studio.engines.base import NullState
    from studio.engines.registry import EngineRegistry
    from studio.engines.whisper import WhisperEngine
    from studio.jobs.pipeline import Voicing
    from studio.jobs.selfcheck import check_take_job
    from studio.project.project import Project

    registry = EngineRegistry()
    project = Project.open(_project(work / "selfcheck", [SENTENCE]))
    voicing = Voicing(project, registry)
    line_id = project.lines[0].id
    voicing.engine().synthesize(voicing.request_for(line_id), NullState())
    listeners = {"tiny.en": WhisperEngine(store=registry.store, model="whisper-tiny.en"),
                 "base": WhisperEngine(store=registry.store, model="whisper-base")}
    for listener in listeners.values():
        listener.load(NullState())
    fractions: dict[str, list[float]] = {name: [] for name in listeners}
    renders, durations = [], []
    for i in range(repeats):
        project.edit_line(line_id, f"{SENTENCE} Take {i + 1}.")
        started = time.perf_counter()
        take = voicing.commit(voicing.render_line(line_id, NullState()))
        render = time.perf_counter() - started
        renders.append(render)
        durations.append(take.duration)
        for name, listener in listeners.items():
            started = time.perf_counter()
            check = check_take_job(project.folder, take, listener, NullState())
            fractions[name].append((time.perf_counter() - started) / render)
            if not check.passed:
                print(f"    note: {name} failed take {i + 1}: {check.summary}")
    for listener in listeners.values():
        listener.unload()
    project.close()
    medians = {name: statistics.median(v) for name, v in fractions.items()}
    print(f"(f) self-check cost per take ({statistics.median(durations):.1f} s take rendered in "
          f"{statistics.median(renders):.3f} s, median of {repeats}): Whisper tiny.en {medians['tiny.en']:.2f}x, "
          f"base {medians['base']:.2f}x the render time")
    return medians


def render_unchanged(work: Path, lines: int = 100) -> float:
    from studio.cli.command import render_project

    folder = _project(work / "hundred", [f"This is line number {i + 1} of the benchmark." for i in range(lines)])
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        render_project(folder, as_json=True, out=sink)
    first = time.perf_counter() - started

    env = dict(os.environ)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "studio", "render", str(folder), "--json"],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    second = time.perf_counter() - started
    records = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    calls = sum(r["status"] in ("rendered", "cached") for r in records)

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import studio.cli.command"], env=env, cwd=ROOT, check=True)
    interpreter = time.perf_counter() - started
    print(f"(c) studio render, {lines} lines already rendered: {second:.3f} s as a new process "
          f"({calls} model calls; {len(records)} lines current) vs {first:.1f} s for the first render "
          f"-> ratio {second / first:.4f}; Python + studio import alone {interpreter:.3f} s (target < 1 s)")
    return second


def ui_stall(work: Path, previews: int = 3) -> float:
    """Heartbeat every 5 ms on the UI thread while real previews render in the window."""
    import shutil

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from studio.engines.registry import EngineRegistry
    from studio.settings import Settings
    from studio.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    folder = work / "stall"
    shutil.copytree(ROOT / "resources" / "demo", folder)
    window = MainWindow(Settings(), EngineRegistry())
    window.show()
    window.open_folder(folder)

    def wait_until(condition, seconds=120.0):
        clock = time.monotonic()
        while not condition() and time.monotonic() - clock < seconds:
            QTest.qWait(5)

    wait_until(lambda: window.voice.ready)
    clock = QElapsedTimer()
    gaps = []

    def beat():
        gaps.append(clock.restart())

    heart = QTimer()
    heart.setInterval(5)
    heart.timeout.connect(beat)
    clock.start()
    heart.start()
    lines = window.project.lines
    worst_ms = 0
    first_ms = 0
    for i in range(previews + 1):  # the first preview of a session is reported apart
        line = lines[i % len(lines)]
        window.project.edit_line(line.id, f"{line.text} Preview {i + 1}.")
        gaps.clear()
        clock.restart()
        window.voice.preview(line.id)
        wait_until(lambda: not window.voice.rendering())
        QTest.qWait(50)  # the take lands and the row repaints
        wait_until(lambda: not window.jobs.tickets())  # the take's self-check and loudness too
        if i == 0:
            first_ms = max(gaps)
        else:
            worst_ms = max([worst_ms, *gaps])
    heart.stop()
    worst = worst_ms / 1000.0
    window.project.save()  # so closing asks nothing
    window.close()
    print(f"(b) longest UI-thread stall while a preview renders: {worst * 1000:.1f} ms "
          f"(heartbeat 5 ms, {previews} real previews with their self-checks; target < 50 ms); "
          f"the first preview of the session: {first_ms:.0f} ms")
    return worst


def launch(work: Path, repeats: int = 3) -> float:
    env = dict(os.environ, STITCH_DATA_DIR=str(work / "data"), STITCH_CONFIG_DIR=str(work / "config"))
    bare_code = (
        "import sys; from PySide6.QtWidgets import QApplication, QMainWindow; from PySide6.QtCore import QTimer\n"
        "app = QApplication(sys.argv); w = QMainWindow(); w.resize(1280, 800); w.show()\n"
        "QTimer.singleShot(0, lambda: (w.grab().save(sys.argv[1]), app.quit())); app.exec()"
    )
    studio_times, bare_times = [], []
    for i in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "studio", "--demo", "--screenshot", str(work / f"s{i}.png")],
                       env=env, cwd=ROOT, check=True, capture_output=True)
        studio_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", bare_code, str(work / f"b{i}.png")], env=env, check=True)
        bare_times.append(time.perf_counter() - started)
    s, b = statistics.median(studio_times), statistics.median(bare_times)
    print(f"(d) launch to a visible main window with the demo: {s:.2f} s vs a bare Qt window {b:.2f} s "
          f"-> ratio {s / b:.2f} (target < 2 s)")
    return s


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["STITCH_MODELS_DIR"] = os.environ.get("STITCH_BENCH_MODELS_DIR", str(work / "models"))
        os.environ["STITCH_CONFIG_DIR"] = str(work / "config")
        only = sys.argv[1:]  # e.g. `voice_bench.py first_audio selfcheck_cost`
        if only:
            for name in only:
                globals()[name](work)
            sys.exit(0)
        overhead(work)
        first_audio(work)
        selfcheck_cost(work)
        ui_stall(work)
        render_unchanged(work)
        launch(work)
