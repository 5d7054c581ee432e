"""Two and three studio processes on one project at once: no record lost, no double charge
(issue 16, item 4). Verified from takes.json and the ledger, as a creator's folder would show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from studio.engines.base import NullState
from studio.money.ledger import Ledger
from studio.jobs.pipeline import Voicing
from studio.project.project import Project
from studio.project.takes import TAKES_FILE

from hosted.fakes import FakeOpenAI

from .conftest import ROOT, write_figures

KEY = "sk-test-Procs4Kq9Lm2Xw7Rt5Yz"

FIGURES = {"cases": 0, "faults": 0, "survived": 0, "lost": 0}


@pytest.fixture(autouse=True, scope="module")
def _figures():
    yield
    write_figures("processes", FIGURES["cases"], FIGURES["faults"], FIGURES["survived"], FIGURES["lost"])


@pytest.fixture
def fake(loopback_only):
    with FakeOpenAI(KEY) as server:
        yield server


@pytest.fixture
def premium(demo_project, fake, tmp_path, monkeypatch):
    """The demo routed to the fake server for finals (a paid host), with a $5 budget."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-tts": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    project = Project.open(demo_project)
    project.manifest.set_route("tts", final="openai-tts")
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{fake.url}/v1", "voice": "nova"})
    project.manifest.budget = 5.0
    project.save()
    project.close()
    return demo_project


def _spawn(action, folder, delay="0.15"):
    env = {**os.environ, "STITCH_TEST_SINE_DELAY": delay, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.driver", action, str(folder)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(processes, timeout=240):
    outs = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        outs.append((process.returncode, out, err))
    return outs


def _takes(folder):
    path = folder / TAKES_FILE
    return json.loads(path.read_text())["takes"] if path.exists() else []


def _voiced_lines(folder):
    project = Project.open(folder)
    ids = [line.id for line in project.lines if line.text.strip()]
    project.close()
    return ids


def _check(folder, lines, *, finals: bool, fake=None):
    """Every line has its draft and (if asked) its final in takes.json, each file decodes; the
    ledger charged each final once and the server heard each line once."""
    import soundfile

    takes = _takes(folder)
    by_tier = {}
    for take in takes:
        by_tier.setdefault(take["tier"], set()).add(take["line_id"])
        soundfile.info(str(folder / take["path"]))  # decodes
    lost = len(set(lines) - by_tier.get("draft", set()))
    entries = Ledger(folder).entries()
    drafted = [e for e in entries if e.tier == "draft" and not e.cached and e.status == "done"]
    assert sorted(e.ref for e in drafted) == sorted(lines), "each line drafted exactly once, across processes"
    if finals:
        lost += len(set(lines) - by_tier.get("final", set()))
        paid = [e for e in entries if e.tier == "final" and e.charged > 0]
        assert sorted(e.ref for e in paid) == sorted(lines), "each final paid exactly once"
        assert len([h for h in fake.hits if h.path.endswith("/audio/speech")]) == len(lines)
    assert lost == 0
    return lost


def test_a_stale_process_never_drops_the_other_ones_takes(premium, sine_registry, fake):
    """The probe's loss, step by step: a process opened before the finals were recorded
    writes takes.json from its own memory. Without the merge the finals vanished."""
    drafter = Project.open(premium)  # opened first: its memory holds no finals
    paying = Project.open(premium)
    finals = Voicing(paying, sine_registry)
    for line in paying.lines:
        if line.text.strip():
            finals.commit(finals.render_final(line.id, NullState()))
    paying.save()
    paying.close()
    drafts = Voicing(drafter, sine_registry)
    for line_id in drafts.lines_to_render():
        drafts.commit(drafts.render_line(line_id, NullState()))
    drafter.save()
    drafter.close()
    lines = _voiced_lines(premium)
    FIGURES["cases"] += 1
    FIGURES["faults"] += 1
    FIGURES["lost"] += _check(premium, lines, finals=True, fake=fake)
    FIGURES["survived"] += 1
    # and the next final pays nothing
    assert _finish([_spawn("final", premium)])[0][0] == 0
    assert len(fake.hits) == len(lines)


def test_a_draft_and_a_final_render_at_once_lose_nothing_and_pay_once(premium, fake):
    lines = _voiced_lines(premium)
    results = _finish([_spawn("render", premium), _spawn("final", premium)])
    assert all(rc == 0 for rc, _, _ in results), results
    FIGURES["cases"] += 1
    FIGURES["faults"] += 1  # a second process at once
    FIGURES["lost"] += _check(premium, lines, finals=True, fake=fake)
    FIGURES["survived"] += 1
    # a rerun of both finds everything: nothing rendered, nothing sent
    again = _finish([_spawn("render", premium, "0"), _spawn("final", premium, "0")])
    assert all(rc == 0 for rc, _, _ in again)
    assert len(fake.hits) == len(lines)
    assert _check(premium, lines, finals=True, fake=fake) == 0


def test_three_processes_two_drafts_and_a_final_render_each_line_once(premium, fake):
    lines = _voiced_lines(premium)
    results = _finish([_spawn("render", premium), _spawn("render", premium), _spawn("final", premium)])
    assert all(rc == 0 for rc, _, _ in results), results
    FIGURES["cases"] += 1
    FIGURES["faults"] += 2
    FIGURES["lost"] += _check(premium, lines, finals=True, fake=fake)
    FIGURES["survived"] += 1
    waited = [err for _, _, err in results if "Another studio process (pid" in err]
    assert waited, "a process that waited said who it waited for"
    assert "waiting…" in waited[0]


def test_two_draft_renders_do_not_both_render_everything(demo_project):
    lines = _voiced_lines(demo_project)
    results = _finish([_spawn("render", demo_project), _spawn("render", demo_project)])
    assert all(rc == 0 for rc, _, _ in results), results
    FIGURES["cases"] += 1
    FIGURES["faults"] += 1
    FIGURES["lost"] += _check(demo_project, lines, finals=False)
    FIGURES["survived"] += 1
    reported = sum(out.count("SAVED") for _, out, _ in results)
    assert reported >= len(lines)


def test_a_paid_take_a_killed_process_never_recorded_is_adopted_on_open(premium, sine_registry, fake):
    """The WAV of a paid final is on disk and in the ledger, but not in takes.json (the process
    died before recording it): the next open records it; the next final pays nothing."""
    project = Project.open(premium)
    voicing = Voicing(project, sine_registry)
    line = next(line for line in project.lines if line.text.strip())
    result = voicing.render_final(line.id, NullState())  # paid, written, ledgered; never committed
    project.close()
    assert all(t["path"] != result.take.path for t in _takes(premium))
    from studio.cli import premium as premium_command

    reopened = Project.open(premium)
    from studio.jobs.adopt import adopt_orphans

    [adopted] = adopt_orphans(Voicing(reopened, sine_registry))  # what `studio render` does on open
    reopened.close()
    assert adopted.path == result.take.path and adopted.tier == "final"
    with open(os.devnull, "w") as quiet:
        assert premium_command.render_final(premium, lines=["1"], yes=True, registry=sine_registry, out=quiet) == 0
    finals = [t for t in _takes(premium) if t["tier"] == "final" and t["line_id"] == line.id]
    assert [t["path"] for t in finals] == [result.take.path]
    assert len(fake.hits) == 1
    paid = [e for e in Ledger(premium).entries() if e.charged > 0]
    assert len(paid) == 1 and paid[0].charged > Decimal(0)
    FIGURES["cases"] += 1
    FIGURES["survived"] += 1


def test_lines_json_choices_of_another_process_are_merged_not_overwritten(rendered):
    a = Project.open(rendered)
    b = Project.open(rendered)
    line_a, line_b = a.lines[0].id, a.lines[1].id
    a.set_line_speed(line_a, 1.2)
    b.set_line_voice(line_b, "bm_sine")
    a.save()
    b.save()
    a.close()
    b.close()
    again = Project.open(rendered)
    assert again.line_speed(line_a) == 1.2 and again.line_voice(line_b) == "bm_sine"
    again.close()
    FIGURES["cases"] += 1
    FIGURES["survived"] += 1
