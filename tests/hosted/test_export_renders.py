"""`studio export` renders missing drafts first only when they are free: a paid draft voice needs its quote."""

from __future__ import annotations

import pytest

from studio.cli import export as export_command
from studio.engines.hosted.openai_compat import OpenAISpeechEngine
from studio.engines.registry import EngineRegistry
from studio.errors import StudioError
from studio.project.project import Project


class Args:
    preset, out, captions, narration, captions_only = "square", None, "none", None, None
    render, json, script, quality, encoder = True, True, None, "final", "x264"


def test_a_paid_draft_voice_is_never_called_by_an_export(demo_project, openai_fake, paid_fakes, keys, capsys):
    (demo_project / "script.md").write_text("# Only\n\nHello there.\n", encoding="utf-8")
    project = Project.open(demo_project)
    project.manifest.set_route("tts", draft="openai-tts")
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{openai_fake.url}/v1", "voice": "nova"})
    project.save()
    project.close()
    registry = EngineRegistry()
    registry.register("openai-tts", OpenAISpeechEngine)
    Args.project = str(demo_project)
    with pytest.raises(StudioError) as refused:
        export_command.run(Args, registry=registry)
    assert "is paid: render them with `studio render" in refused.value.message
    assert "quotes the cost first" in refused.value.message
    assert openai_fake.hits == []
    assert not (demo_project / "exports").exists()


def test_a_free_server_draft_voice_renders_then_exports(demo_project, openai_fake, capsys):
    openai_fake.key = None  # a server on this machine: free, no key
    (demo_project / "script.md").write_text("# Only\n\nHello there.\n", encoding="utf-8")
    project = Project.open(demo_project)
    project.manifest.set_route("tts", draft="openai-tts")
    project.manifest.set_engine_settings("openai-tts", {"base_url": f"{openai_fake.url}/v1", "voice": "nova"})
    project.save()
    project.close()
    registry = EngineRegistry()
    registry.register("openai-tts", OpenAISpeechEngine)
    Args.project = str(demo_project)
    assert export_command.run(Args, registry=registry) == 0
    assert len(openai_fake.hits) == 1
    assert "Rendering 1 line without a take first" in capsys.readouterr().err
