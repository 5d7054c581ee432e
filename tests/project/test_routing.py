"""Routing, engine settings and the budget in stitch.toml; the "other engine" line state."""

from __future__ import annotations

import pytest

from studio.errors import ProjectError
from studio.project.manifest import Manifest


def _write(folder, text):
    (folder / "stitch.toml").write_text(text, encoding="utf-8")


def test_routes_and_budget_have_defaults_when_absent(tmp_path):
    _write(tmp_path, 'schema = 1\n[routing.tts]\ndraft = "kokoro-onnx"\n')
    manifest = Manifest.load(tmp_path)
    assert manifest.route("tts") == ("kokoro-onnx", "") and manifest.route("stt") == ("whisper", "")
    assert manifest.budget == 0.0 and manifest.engine_settings("openai-tts") == {}
    assert not manifest.changed  # defaults are not an upgrade: nothing to write


def test_routing_engine_settings_and_budget_round_trip_keeping_comments(tmp_path):
    _write(tmp_path, '# mine\nschema = 1\n[budget]\ncap = 5.00 # five dollars\n[engines.openai-tts]\nbase_url = "http://gpu-box:8880/v1"\n')
    manifest = Manifest.load(tmp_path)
    assert manifest.budget == 5.0 and manifest.engine_settings("openai-tts") == {"base_url": "http://gpu-box:8880/v1"}
    manifest.set_route("tts", final="openai-tts")
    manifest.set_engine_settings("openai-tts", {"base_url": "http://gpu-box:8880/v1", "voice": "af_bella"})
    manifest.save(tmp_path)
    text = (tmp_path / "stitch.toml").read_text()
    assert text.startswith("# mine\n") and "cap = 5.00 # five dollars" in text
    again = Manifest.load(tmp_path)
    assert again.route("tts") == ("kokoro-onnx", "openai-tts")
    assert again.engine_settings("openai-tts")["voice"] == "af_bella"


@pytest.mark.parametrize("text, words", [
    ('[budget]\ncap = "five"\n', ["cap under [budget] must be a number"]),
    ("[budget]\ncap = -1\n", ["must be 0 or more dollars"]),
    ("[routing.tts]\nfinal = 3\n", ["final under [routing.tts] must be text"]),
    ('[engines]\nopenai-tts = "x"\n', ["engines.openai-tts must be a table"]),
    ('[engines.openai-tts]\napi_key = "sk-abcdefgh"\n', ["API keys never belong in a project", "studio keys set"]),
    ('[engines.openai-chat]\naccess_token = "sk-abcdefgh"\n', ["API keys never belong in a project"]),
    ('[engines.openai-chat]\nmax_tokens = "sk-abcdefgh"\n', ["max_tokens under [engines.openai-chat] must be a whole number"]),
    ("[engines.openai-chat]\ncontext_tokens = 0\n", ["context_tokens under [engines.openai-chat] must be a whole number"]),
])
def test_wrong_values_get_a_sentence(tmp_path, text, words):
    _write(tmp_path, "schema = 1\n" + text)
    with pytest.raises(ProjectError) as caught:
        Manifest.load(tmp_path)
    assert all(w in caught.value.message for w in words)
    assert "sk-abcdefgh" not in caught.value.message


def test_a_planners_token_counts_are_settings_not_secrets(tmp_path):
    _write(tmp_path, "schema = 1\n[engines.openai-chat]\nmax_tokens = 700\ncontext_tokens = 8192\n")
    manifest = Manifest.load(tmp_path)
    assert manifest.engine_settings("openai-chat") == {"max_tokens": 700, "context_tokens": 8192}
    manifest.set_engine_settings("openai-chat", {"max_tokens": 2048})
    assert manifest.engine_settings("openai-chat") == {"max_tokens": 2048}


def test_changing_the_draft_engine_marks_takes_as_other_engine(demo_project, sine_registry, sine_engine):
    from studio.engines.base import NullState
    from studio.jobs.pipeline import Voicing
    from studio.project.project import Project

    voicing = Voicing(Project.open(demo_project), sine_registry)
    line = voicing.project.lines[0]
    voicing.commit(voicing.render_line(line.id, NullState()))
    sine_registry.register("other-sine", lambda store=None: sine_engine)
    voicing.project.manifest.set_route("tts", draft="other-sine")
    assert voicing.project.line_state(line.id, "another key") == "other engine"
    voicing.project.edit_line(line.id, "Different words now.")
    assert voicing.project.line_state(line.id, "another key") == "stale"
