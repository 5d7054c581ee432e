"""Speech-to-text follows the project's routing: draft engine normally, final one when asked;
a hosted one (openai-stt, here against the fake server on 127.0.0.1) is quoted, held
against the budget and recorded in the ledger like any other final."""

from __future__ import annotations

import argparse
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from studio.cli import command as cli
from studio.engines.base import NullState
from studio.errors import EngineError, StudioError
from studio.money.ledger import BudgetExceeded, Ledger
from studio.jobs.selfcheck import check_take_job, project_listener
from studio.project.project import Project

KEY = "sk-test-Rt5vXw2LmN4pR7tY1uK3"


@pytest.fixture
def fake(loopback_only, monkeypatch):
    from hosted.fakes import FakeOpenAI

    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    with FakeOpenAI(KEY) as server:
        yield server


@pytest.fixture
def voiced(voiced_project):
    project = voiced_project("Routed", "# One\n\nEvery draft is free.\n\nFinals cost money.\n")
    project.save()
    yield project
    project.close()


def route(project, fake, *, draft=None, final=None, budget=0.0, paid=True) -> None:
    """Point openai-stt at the fake; a price file bills its address, as it would a provider's."""
    config = Path(os.environ["STITCH_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    hosts = ["127.0.0.1"] if paid else []
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-stt": {"paid_hosts": hosts}}}))
    manifest = project.manifest
    manifest.set_route("stt", draft=draft, final=final)
    manifest.set_engine_settings("openai-stt", {"base_url": f"{fake.url}/v1"})
    manifest.budget = budget
    manifest.save(project.folder)


def stt_entries(project) -> list:
    return [e for e in Ledger(project.folder).entries() if e.task == "stt"]


def test_check_final_goes_through_openai_stt_and_the_ledger_records_it(voiced, sine_registry, fake, capsys):
    route(voiced, fake, final="openai-stt", budget=1.0)
    args = argparse.Namespace(command="check", project=str(voiced.folder), json=True, final=True, yes=True)
    code = cli._listen(args, registry=sine_registry)

    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in records] == ["passed", "failed"]  # the fake always hears "Every draft is free."
    assert code == 1
    transcriptions = [h for h in fake.hits if h.path == "/v1/audio/transcriptions"]
    assert len(transcriptions) == 2
    entries = stt_entries(voiced)
    assert [(e.engine, e.tier, e.status) for e in entries] == [("openai-stt", "final", "done")] * 2
    takes = [voiced.chosen_take(line.id) for line in voiced.lines]
    assert [e.ref for e in entries] == [t.id for t in takes]
    assert all(e.charged > 0 and e.usage["audio_seconds"] > 0 for e in entries)
    assert Ledger(voiced.folder).spent() == sum((e.charged for e in entries), Decimal(0))
    reopened = Project.open(voiced.folder)
    assert reopened.take_check(takes[0].id).engine == "openai-stt"
    reopened.close()


def test_over_the_budget_nothing_is_sent(voiced, sine_registry, fake):
    route(voiced, fake, final="openai-stt", budget=0.0)
    args = argparse.Namespace(command="check", project=str(voiced.folder), json=False, final=True, yes=True)
    with pytest.raises(BudgetExceeded, match=r"^This render would cost about"):
        cli._listen(args, registry=sine_registry)
    assert fake.hits == [] and stt_entries(voiced) == []


def test_a_paid_check_asks_first_and_no_sends_nothing(voiced, sine_registry, fake, capsys, monkeypatch):
    route(voiced, fake, final="openai-stt", budget=1.0)
    monkeypatch.setattr("builtins.input", lambda question: "n")
    args = argparse.Namespace(command="check", project=str(voiced.folder), json=False, final=True, yes=False)
    assert cli._listen(args, registry=sine_registry) == 1
    assert "2 takes to" in capsys.readouterr().out
    assert fake.hits == []


def test_the_draft_route_is_used_without_final_and_a_free_server_costs_nothing(voiced, sine_registry, fake):
    route(voiced, fake, draft="openai-stt", paid=False)
    listener = project_listener(voiced, sine_registry)
    assert (listener.engine.id, listener.tier) == ("openai-stt", "draft")
    take = voiced.chosen_take(voiced.lines[0].id)
    check = check_take_job(voiced.folder, take, listener, NullState())
    assert check.passed and check.engine == "openai-stt"
    [entry] = stt_entries(voiced)
    assert (entry.tier, entry.charged, entry.charge_source) == ("draft", Decimal(0), "free")


def test_an_unknown_engine_is_one_sentence(voiced, sine_registry):
    voiced.manifest.set_route("stt", draft="whispr")
    with pytest.raises(EngineError, match=r"^stitch.toml routes transcription to 'whispr', which is not an installed "
                                          r"transcription engine: set draft under \[routing.stt\] to one of .*openai-stt"
                                          r".*whisper.*\.$") as caught:
        project_listener(voiced, sine_registry)
    assert caught.value.message.count(". ") == 0


def test_a_speech_engine_routed_as_stt_is_refused(voiced, sine_registry):
    voiced.manifest.set_route("stt", final="kokoro-onnx")
    with pytest.raises(EngineError, match=r"routes transcription to 'kokoro-onnx', which is not an installed "
                                          r"transcription engine: set final"):
        project_listener(voiced, sine_registry, final=True)


def test_final_without_a_final_engine_is_a_sentence(voiced, sine_registry):
    with pytest.raises(EngineError, match=r"^This project has no final transcription engine: set final under "
                                          r"\[routing.stt\]"):
        project_listener(voiced, sine_registry, final=True)


def test_final_on_a_lone_file_is_a_sentence(tmp_path, sine_registry):
    clip = tmp_path / "clip.wav"
    clip.write_bytes(b"RIFF")
    args = argparse.Namespace(command="transcribe", path=str(clip), json=False, final=True, yes=True)
    with pytest.raises(StudioError, match=r"^--final uses a project's final transcription engine: give the project"):
        cli._listen(args, registry=sine_registry)


def test_transcribe_final_imports_a_recording_through_openai_stt(voiced, sine_registry, fake, capsys):
    import numpy as np
    import soundfile as sf

    sf.write(voiced.folder / "voiceover.wav", 0.1 * np.sin(np.linspace(0, 2000, 16000 * 3)).astype(np.float32), 16000)
    route(voiced, fake, final="openai-stt", budget=1.0)
    args = argparse.Namespace(command="transcribe", path=str(voiced.folder), json=True, final=True, yes=True)
    assert cli._listen(args, registry=sine_registry) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["file"] == "voiceover.wav" and record["words"] == 4
    [entry] = stt_entries(voiced)
    assert (entry.engine, entry.tier, entry.ref) == ("openai-stt", "final", "voiceover.wav")
    assert entry.usage["audio_seconds"] == pytest.approx(3.0, abs=0.05)  # quoted on the file's length
    assert len(fake.hits) == 1
