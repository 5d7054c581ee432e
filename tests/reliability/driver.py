"""A studio process for the reliability suites: the CLI's own functions, with the fast sine
engine as the draft voice (and, for finals, the real openai-tts engine against a fake server).

    python -m tests.reliability.driver ACTION FOLDER

ACTION: render (draft, every line), final (`render --final --yes`), save, autosave, clean,
trash, export (narration WAV), video (MP4). Each take it has recorded is printed as
`SAVED <take id> <path>` the moment it is in takes.json, so a test that kills the process
knows what was promised. STITCH_TEST_SINE_DELAY (seconds per piece) slows the engine so two
processes overlap.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _tests_conftest():
    """tests/conftest.py by its path: under pytest another folder's `conftest` may hold the name."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("stitch_tests_conftest", HERE.parent / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SineEngine = _tests_conftest().SineEngine

from studio.engines.base import NullState  # noqa: E402


class SlowSine(SineEngine):
    def synthesize(self, request, state):
        delay = float(os.environ.get("STITCH_TEST_SINE_DELAY", "0") or 0)
        if delay:
            time.sleep(delay)
        return super().synthesize(request, state)


def registry(engine=None):
    from studio.engines.registry import EngineRegistry

    engine = engine or SlowSine()
    made = EngineRegistry()
    made.register("kokoro-onnx", lambda store=None: engine)
    return made


def _announce(project):
    """Print each take the moment it is recorded."""
    real = project.takes.add

    def add(take):
        real(take)
        print(f"SAVED {take.id} {take.path}", flush=True)

    project.takes.add = add


def run(action: str, folder: Path, out=sys.stdout) -> int:
    from studio.cli import command as cli
    from studio.project import lock
    from studio.project.project import Project

    lock.describe(f"studio {action}")
    lock.on_wait = lambda sentence: print(f"studio: {sentence}", file=sys.stderr, flush=True)
    if action in ("render", "final"):
        _patch_open(_announce)
        if action == "render":
            return cli.render_project(folder, registry=registry(), out=out)
        from studio.cli import premium

        return premium.render_final(folder, yes=True, registry=registry(), out=out)
    if action in ("save", "autosave"):
        project = Project.open(folder)
        for n in range(40):
            line = project.lines[n % len(project.lines)]
            project.edit_line(line.id, f"{line.text.split(' (')[0]} ({action} {n})")
            project.save() if action == "save" else project.autosave()
        project.close()
        return 0
    if action == "clean":
        return cli.main(["clean", str(folder)])
    if action == "trash":
        project = Project.open(folder)
        for line in project.lines:
            for take in project.takes_for(line.id)[1:]:
                project.delete_take(take.id)
        project.empty_trash()
        project.close()
        return 0
    if action == "export":
        return cli.main(["export", str(folder), "--narration", "wav"])
    if action == "video":
        return cli.main(["export", str(folder), "--preset", "square"])
    raise SystemExit(f"unknown action {action}")


def _patch_open(hook):
    from studio.project.project import Project

    real = Project.open.__func__

    def opened(cls, *a, **k):
        project = real(cls, *a, **k)
        hook(project)
        return project

    Project.open = classmethod(opened)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], Path(sys.argv[2])))
