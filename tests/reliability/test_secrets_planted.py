"""A planted API key, grepped over everything the studio wrote: 0 hits (issue 16, item 6).

The key is in the environment, as a creator's would be; draft and final renders (one refused
by the server, so its error sentence is written too), cost, clean, trash and an export run;
then every file under the project, the settings folder and the artifacts, and everything
printed, is searched for the key and for its distinctive tail."""

from __future__ import annotations

import json
import logging
import os

from studio.cli.command import main
from studio.engines.base import NullState
from studio.jobs.pipeline import Voicing
from studio.project.project import Project

from hosted.fakes import FakeOpenAI, Fault

from .conftest import ROOT, write_figures

KEY = "sk-test-PlantedSecretQ7x9Lm2Wv4Rt8Yk"


def _hits(folder, needles) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path}: {n}" for n in needles if n.encode() in data]
    return found


def test_a_planted_key_is_written_nowhere(demo_project, sine_registry, tmp_path, monkeypatch, capsys, caplog, loopback_only):
    caplog.set_level(logging.DEBUG)
    config = tmp_path / "config"
    config.mkdir()
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-tts": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("STITCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    needles = [KEY, KEY[-12:]]
    written = 0
    with FakeOpenAI(KEY) as fake:
        project = Project.open(demo_project)
        project.manifest.set_route("tts", final="openai-tts")
        project.manifest.set_engine_settings("openai-tts", {"base_url": f"{fake.url}/v1", "voice": "nova"})
        project.manifest.budget = 5.0
        project.save()
        voicing = Voicing(project, sine_registry)
        for line_id in voicing.lines_to_render():
            voicing.commit(voicing.render_line(line_id, NullState()))
        fake.script(Fault(status=401))  # a refused key: its sentence is written to stderr and the ledger
        lines = [line.id for line in project.lines if line.text.strip()]
        for line_id in lines:
            try:
                voicing.commit(voicing.render_final(line_id, NullState()))
            except Exception:  # noqa: BLE001 - the refusal; what matters is where its words went
                pass
        project.delete_take(project.takes_for(lines[0])[-1].id)
        project.empty_trash()
        project.save()
        project.close()
        from studio.cli import premium

        premium.render_final(demo_project, yes=True, registry=sine_registry)
        for argv in (["cost", str(demo_project)], ["clean", str(demo_project), "--dry-run"],
                     ["export", str(demo_project), "--narration", "wav"]):
            main(argv)
        written = len(fake.hits)
    printed = capsys.readouterr()
    hits = _hits(demo_project, needles) + _hits(config, needles)
    artifacts = ROOT / "artifacts"
    if artifacts.is_dir():
        hits += _hits(artifacts, needles)
    hits += [f"printed: {n}" for n in needles if n in printed.out + printed.err]
    hits += [f"logged: {n}" for n in needles if any(n in r.getMessage() for r in caplog.records)]
    files = sum(1 for p in demo_project.rglob("*") if p.is_file())
    write_figures("secrets", files, written, files if not hits else 0, len(hits))
    assert written >= 2, "the key was really used"
    assert hits == []
