"""kill -9 at seeded random points in render, final render, save, autosave, clean, trash and
export (issue 16, item 1). After each kill: the project opens, every take the process
reported saved is recorded and decodes, nothing partial sits under a final name, no
half-written file is left once the project has been opened, and a rerun finishes.

Each run is a fork of this test process (imports already done, so a kill lands in the work,
not in start-up) killed with SIGKILL. The normal run takes 2 points per action;
STITCH_RELIABILITY_LONG=1 takes 16 per action (and adds the MP4 export)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sys
import time
import wave
from pathlib import Path

import pytest

from studio.engines.base import NullState
from studio.money.ledger import Ledger
from studio.jobs.pipeline import Voicing
from studio.project.leftovers import PREVIEW_DIR, stale_scratch
from studio.project.project import Project
from studio.project.takes import TAKES_FILE

from hosted.fakes import FakeOpenAI

from .conftest import LONG, ROOT, write_figures

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="kill -9 of a forked studio needs os.fork")

KEY = "sk-test-Kill9Xq2Lm7Rw4Ty8Pz"
SEED = 16
ACTIONS = ("render", "final", "save", "autosave", "clean", "trash", "export") + (("video",) if LONG else ())
PER_ACTION = 16 if LONG else 2


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI(KEY) as server:
        yield server


@pytest.fixture
def templates(tmp_path, fake, sine_registry, monkeypatch):
    """Projects to copy for each kill: fresh (for renders) and rendered twice over (for the rest)."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-tts": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    fresh = tmp_path / "template-fresh"
    shutil.copytree(ROOT / "resources" / "demo", fresh)
    project = Project.open(fresh)
    project.manifest.set_route("tts", final="openai-tts")
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{fake.url}/v1", "voice": "nova"})
    project.manifest.budget = 50.0
    project.save()
    project.close()
    rendered = tmp_path / "template-rendered"
    shutil.copytree(fresh, rendered)
    project = Project.open(rendered)
    voicing = Voicing(project, sine_registry)
    for voice in ("bm_sine", None):  # two takes per line: the trash has something to take
        for line in project.lines:
            if line.text.strip():
                project.set_line_voice(line.id, voice)
        for line_id in voicing.lines_to_render():
            voicing.commit(voicing.render_line(line_id, NullState()))
    project.save()
    project.close()
    return fresh, rendered


def _prepare(action, templates, where: Path) -> Path:
    fresh, rendered = templates
    shutil.copytree(fresh if action in ("render", "final") else rendered, where)
    if action == "clean":  # leftovers no take needs, for clean to free
        for n in range(30):
            (where / ".stitch" / "checks").mkdir(parents=True, exist_ok=True)
            (where / ".stitch" / "checks" / f"gone{n:08d}.json").write_text("{}")
            (where / ".stitch" / "timings").mkdir(parents=True, exist_ok=True)
            (where / ".stitch" / "timings" / f"{n:020d}.json").write_text("{}")
    return where


def _run_forked(action: str, folder: Path, log: Path, kill_after: float | None) -> tuple[bool, float]:
    """Run the action in a fork; SIGKILL it after `kill_after` s. (killed while running, seconds)."""
    from tests.reliability import driver

    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: a studio process
        code = 3
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = os.fdopen(1, "w", buffering=1)
            sys.stderr = sys.stdout
            _fresh_process_state()
            os.environ["STITCH_TEST_SINE_DELAY"] = "0.03"
            code = driver.run(action, folder)
        except BaseException as exc:  # noqa: BLE001 - said in the log, the exit code tells
            print(f"DRIVER FAILED {exc!r}", flush=True)
        finally:
            os._exit(code if isinstance(code, int) else 3)
    killed = False
    if kill_after is not None:
        deadline = started + kill_after
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return False, time.monotonic() - started
            time.sleep(0.002)
        os.kill(pid, signal.SIGKILL)
        killed = True
    _, status = os.waitpid(pid, 0)
    if killed and os.WIFEXITED(status):
        killed = False  # it finished just before the kill landed
    return killed, time.monotonic() - started


def _fresh_process_state():
    """What a new process would start with: no locks held, no ledger read."""
    from studio.money import ledger
    from studio.project import lock

    lock._held.clear()
    lock._open.clear()
    ledger._SHARED.clear()
    ledger._BUDGETS.clear()


def _reported(log: Path) -> list[tuple[str, str]]:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return []
    return [tuple(line.split()[1:3]) for line in text.splitlines() if line.startswith("SAVED ") and len(line.split()) >= 3]


def _decodes(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() > 0 and w.getframerate() > 0
    except (OSError, EOFError, wave.Error):
        return False


def _check_after_kill(folder: Path, log: Path) -> list[str]:
    """What is wrong with the folder a killed studio left (empty when nothing)."""
    problems = []
    takes = json.loads((folder / TAKES_FILE).read_text())["takes"] if (folder / TAKES_FILE).exists() else []
    recorded = {t["id"]: t for t in takes}
    for take_id, path in _reported(log):
        if take_id not in recorded:
            problems.append(f"take {take_id} was reported saved but is not recorded")
        elif not _decodes(folder / path):
            problems.append(f"take {take_id} ({path}) does not decode")
    for take in takes:
        if take["tier"] != "recording" and not _decodes(folder / take["path"]):
            problems.append(f"recorded take {take['path']} does not decode")
    for wav in (folder / "renders").glob("*.wav"):
        if not _decodes(wav):
            problems.append(f"{wav.name} under a final name is partial")
    for path in (folder / ".stitch").rglob("*.json"):
        try:
            json.loads(path.read_text())
        except ValueError:
            problems.append(f"{path.relative_to(folder)} is half written")
    exports = folder / "exports"
    for path in exports.glob("*") if exports.is_dir() else ():
        if path.name.startswith("."):
            continue
        if path.suffix == ".wav" and not _decodes(path):
            problems.append(f"{path.name} is a partial export under its final name")
        if path.suffix == ".mp4" and b"moov" not in path.read_bytes():
            problems.append(f"{path.name} is a partial export under its final name")
    try:
        project = Project.open(folder)
    except Exception as exc:  # noqa: BLE001 - the one thing that must never happen
        return problems + [f"the project does not open: {exc!r}"]
    project.close()
    left = stale_scratch(folder) + [p for p in (folder / PREVIEW_DIR).glob("*")] if (folder / PREVIEW_DIR).is_dir() else stale_scratch(folder)
    problems += [f"{p.relative_to(folder)} left behind" for p in left]
    return problems


def _rerun(action: str, folder: Path, log: Path) -> list[str]:
    killed, _ = _run_forked(action, folder, log, None)
    text = log.read_text(errors="replace")
    if "DRIVER FAILED" in text or "Traceback" in text:
        return [f"the rerun of {action} failed: {text[-400:]}"]
    problems = []
    if action in ("render", "final"):
        project = Project.open(folder)
        lines = [line.id for line in project.lines if line.text.strip()]
        tier = "final" if action == "final" else "draft"
        done = {t.line_id for t in project.takes.all() if t.tier == tier and (folder / t.path).is_file()}
        project.close()
        problems += [f"line {line_id} has no {tier} take after the rerun" for line_id in lines if line_id not in done]
        if action == "final":
            paid = [e.ref for e in Ledger(folder).entries() if e.tier == "final" and e.charged > 0]
            problems += [f"line {ref} was charged twice in the ledger" for ref in set(paid) if paid.count(ref) > 1]
    return problems


def test_kill_nine_at_random_points_loses_nothing(templates, tmp_path):
    rng = random.Random(SEED)
    windows = {}
    for action in ACTIONS:  # how long each action takes here, un-killed: the kills land inside it
        where = _prepare(action, templates, tmp_path / f"calibrate-{action}")
        _, seconds = _run_forked(action, where, tmp_path / f"calibrate-{action}.log", None)
        assert "DRIVER FAILED" not in (tmp_path / f"calibrate-{action}.log").read_text()
        windows[action] = max(0.02, seconds)
    cases = faults = survived = lost = 0
    failures = []
    for n in range(PER_ACTION * len(ACTIONS)):
        action = ACTIONS[n % len(ACTIONS)]
        where = _prepare(action, templates, tmp_path / f"kill-{n:03d}-{action}")
        log = tmp_path / f"kill-{n:03d}.log"
        killed, _ = _run_forked(action, where, log, rng.uniform(0.0, windows[action] * 0.95))
        cases += 1
        faults += killed
        problems = _check_after_kill(where, log) + _rerun(action, where, tmp_path / f"rerun-{n:03d}.log")
        if problems:
            lost += 1
            failures.append(f"{action} #{n}: " + "; ".join(problems))
        else:
            survived += 1
            shutil.rmtree(where, ignore_errors=True)
    write_figures("kill", cases, faults, survived, lost)
    assert not failures, "\n".join(failures)
    assert faults >= cases * 0.6, f"only {faults} of {cases} kills landed while the studio worked"
