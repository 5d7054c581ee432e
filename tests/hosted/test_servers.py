"""Render-all over several OpenAI-compatible servers (fakes on 127.0.0.1 speaking the real API)."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest

from studio.engines.base import NullState
from studio.engines.hosted.openai_compat import OpenAISpeechEngine
from studio.engines.registry import EngineRegistry
from studio.errors import EngineError
from studio.money.ledger import project_ledger
from studio.jobs.pipeline import Voicing, render_lines
from studio.project.project import Project

from .conftest import FAST
from .fakes import FakeOpenAI

SCRIPT = "# One\n\n" + "\n\n".join(f"Line number {n} of the long book." for n in range(1, 13)) + "\n"


@pytest.fixture
def servers():
    """Three free speech servers (no key: local servers), each taking 0.15 s per request."""
    with ExitStack() as stack:
        fakes = [stack.enter_context(FakeOpenAI(None)) for _ in range(3)]
        for fake in fakes:
            fake.latency = 0.15
        yield fakes


def pooled_project(folder, fakes, per_server=2):
    (folder / "stitch.toml").write_text(
        '[project]\ntitle = "Pool"\n[routing.tts]\ndraft = "openai-tts"\n[engines.openai-tts]\n'
        f'base_urls = [{", ".join(repr(f.url + "/v1").replace(chr(39), chr(34)) for f in fakes)}]\n'
        f'voice = "nova"\nper_server = {per_server}\n', encoding="utf-8")
    (folder / "script.md").write_text(SCRIPT, encoding="utf-8")
    return Project.open(folder)


def registry() -> EngineRegistry:
    r = EngineRegistry()
    r.register("openai-tts", OpenAISpeechEngine)
    return r


def test_a_render_all_is_spread_over_every_server_a_few_requests_each(tmp_path, servers):
    project = pooled_project(tmp_path, servers)
    voicing = Voicing(project, registry())
    engine = voicing.engine()
    assert engine.parallel == 6 and engine.label == "Speech from 3 servers (tts-1)"
    ids = [line.id for line in project.lines]
    outcomes = render_lines(voicing, ids, NullState())
    assert all(not isinstance(o, Exception) for o in outcomes.values())
    assert all(project.chosen_take(i) is not None for i in ids)
    assert sum(len(f.hits) for f in servers) == 12
    assert all(f.hits for f in servers)  # every server did some
    assert all(f.most_at_once <= 2 for f in servers)  # never more than its share at once
    # the same take whichever server said it: its key is the one a single-server engine gives
    single = OpenAISpeechEngine(base_url=f"{servers[0].url}/v1", voice="nova")
    for i in ids:
        request = single.request(project.line(i).text.strip(), "nova", 1.0)
        assert project.chosen_take(i).cache_key == request.cache_key()
    # recorded as today: one ledger entry per line
    entries = [e for e in project_ledger(project.folder).entries() if e.status == "done" and e.task == "tts"]
    assert sorted(e.ref for e in entries) == sorted(ids) and all(e.charged == 0 for e in entries)
    project.close()


def test_a_server_killed_mid_run_loses_no_line(tmp_path, servers):
    project = pooled_project(tmp_path, servers)
    voicing = Voicing(project, registry())
    ids = [line.id for line in project.lines]
    victim = servers[1]
    killer = threading.Timer(0.25, victim.kill)  # while its first requests are under way
    killer.start()
    outcomes = render_lines(voicing, ids, NullState())
    killer.join()
    assert all(not isinstance(o, Exception) for o in outcomes.values()), outcomes
    assert all(project.chosen_take(i) is not None for i in ids)
    answered = sum(len(f.hits) for f in (servers[0], servers[2]))
    assert answered >= 12 - 2  # the others did (nearly) everything...
    assert victim.hits  # ...after the victim had started some
    project.close()


def test_when_every_server_fails_the_line_fails_with_a_sentence(tmp_path, servers):
    for fake in servers:
        fake.kill()
    project = pooled_project(tmp_path, servers)
    voicing = Voicing(project, registry())
    [first] = [project.lines[0].id]
    outcomes = render_lines(voicing, [first], NullState())
    assert isinstance(outcomes[first], EngineError)
    assert "127.0.0.1" in outcomes[first].message
    assert project.chosen_take(first) is None
    project.close()


def test_a_slow_server_is_given_less(tmp_path, servers):
    servers[0].latency = 0.6  # four times slower than the others
    project = pooled_project(tmp_path, servers, per_server=1)
    voicing = Voicing(project, registry())
    render_lines(voicing, [line.id for line in project.lines], NullState())
    slow, fast = len(servers[0].hits), min(len(servers[1].hits), len(servers[2].hits))
    assert slow < fast
    project.close()


def test_a_list_of_addresses_is_accepted_in_stitch_toml_and_other_lists_are_not(tmp_path, servers):
    project = pooled_project(tmp_path, servers)
    assert len(project.manifest.engine_settings("openai-tts")["base_urls"]) == 3
    project.close()
    toml = (tmp_path / "stitch.toml").read_text().replace('voice = "nova"', "voice = [1, 2]")
    (tmp_path / "stitch.toml").write_text(toml)
    with pytest.raises(Exception) as refused:
        Project.open(tmp_path)
    assert "must be text, a number, true/false or a list of text" in str(refused.value)


def test_a_pool_with_a_retry_setting_keeps_it(servers):
    engine = OpenAISpeechEngine(base_urls=[f"{f.url}/v1" for f in servers], retries=FAST)
    assert engine.parallel == 6 and len(engine.pool.engines) == 3
    assert engine.request("Hi.", "", 1.0).model_revision == f"127.0.0.1:{servers[0].url.rsplit(':', 1)[1]}"


def test_studio_render_spreads_the_lines_over_the_servers(tmp_path, servers, capsys):
    from studio.cli.command import render_project

    pooled_project(tmp_path, servers).close()
    assert render_project(tmp_path, registry=registry()) == 0
    out = capsys.readouterr().out
    assert "12 lines: 12 rendered" in out
    assert all(f.hits for f in servers) and sum(len(f.hits) for f in servers) == 12
