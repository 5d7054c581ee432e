"""The headless `studio` command on real project folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli.command import main, render_project

ROOT = Path(__file__).resolve().parent.parent


def _records(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_render_twice_makes_zero_model_calls_the_second_time(demo_project, sine_registry, sine_engine, capsys):
    assert render_project(demo_project, as_json=True, registry=sine_registry) == 0
    first = _records(capsys.readouterr().out)
    assert len(first) == 5 and {r["status"] for r in first} == {"rendered"}
    assert len(sine_engine.texts) == 5
    for record in first:
        assert (demo_project / record["take"]).exists() and record["engine"] == "kokoro-onnx"

    assert render_project(demo_project, as_json=True, registry=sine_registry) == 0
    second = _records(capsys.readouterr().out)
    assert {r["status"] for r in second} == {"current"} and all(r["cached"] for r in second)
    assert len(sine_engine.texts) == 5  # no model call at all
    assert [r["take"] for r in second] == [r["take"] for r in first]


def test_render_leaves_the_creators_script_untouched(demo_project, sine_registry, capsys):
    before = (demo_project / "script.md").read_bytes()
    render_project(demo_project, registry=sine_registry)
    assert (demo_project / "script.md").read_bytes() == before
    assert "5 rendered" in capsys.readouterr().out


def test_a_failing_line_is_reported_and_the_others_still_render(demo_project, sine_registry, sine_engine, capsys):
    from studio.errors import EngineError

    original = sine_engine.synthesize

    def flaky(request, state):
        if "premium" in request.text:
            raise EngineError("This line has nothing to speak.")
        return original(request, state)

    sine_engine.synthesize = flaky
    assert render_project(demo_project, as_json=True, registry=sine_registry) == 1
    records = _records(capsys.readouterr().out)
    failed = [r for r in records if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["error"] == "This line has nothing to speak."
    assert sum(r["status"] == "rendered" for r in records) == 4


def test_a_malformed_manifest_gets_a_sentence_and_is_left_alone(demo_project, capsys):
    manifest = demo_project / "stitch.toml"
    manifest.write_text("title = [unclosed\n", encoding="utf-8")
    assert main(["render", str(demo_project)]) == 2
    err = capsys.readouterr().err
    assert "stitch.toml" in err and "Traceback" not in err
    assert manifest.read_text(encoding="utf-8") == "title = [unclosed\n"


def test_doctor_speaks_in_sentences():
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-m", "studio", "doctor"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for topic in ("versions", "onnxruntime ", "ffmpeg", "G2P", "engine kokoro-onnx", "engine kokoro", "weights", "audio output"):
        assert topic in out
    assert "espeak-ng" in out or "misaki+spacy" in out


def test_models_add_and_list(tmp_path, capsys):
    folder = tmp_path / "kokoro"
    folder.mkdir()
    assert main(["models", "add", "kokoro-82m", str(folder)]) == 2
    assert "config.json" in capsys.readouterr().err  # names the missing file


@pytest.mark.real_weights
def test_render_the_demo_with_the_real_int8_kokoro(demo_project, capsys):
    assert main(["render", str(demo_project), "--json"]) == 0
    records = _records(capsys.readouterr().out)
    assert len(records) == 5 and all(r["status"] == "rendered" for r in records)
    assert main(["render", str(demo_project), "--json"]) == 0
    again = _records(capsys.readouterr().out)
    assert all(r["status"] == "current" for r in again)


def test_keys_set_reads_the_key_from_stdin_never_an_argument(monkeypatch, capsys):
    import io
    from argparse import Namespace

    from studio.cli import keys
    from studio.engines import secrets

    stored = {}
    monkeypatch.setattr(secrets, "set_key", lambda service, value: stored.update({service: value}))

    class Piped(io.StringIO):
        def isatty(self):
            return False

    assert keys.run(Namespace(action="set", service="openai"), stdin=Piped("sk-piped-123456\n")) == 0
    assert stored == {"openai": "sk-piped-123456"}
    assert "sk-piped" not in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["keys", "set", "openai", "sk-in-history"])  # no argument for the key exists


def test_doctor_says_when_the_g2p_is_installed_but_broken(monkeypatch):
    import studio.engines.g2p as g2p
    from studio.cli.doctor import _g2p

    def broken():
        raise OSError("espeak-ng data file missing")

    monkeypatch.setattr(g2p, "choose_g2p", broken)
    check = _g2p()
    assert not check.ok and "does not work" in check.sentence and "espeak-ng data file missing" in check.sentence
