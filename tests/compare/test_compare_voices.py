"""Compare engines on real weights: two voices of the int8 Kokoro, and candidates that are bad on purpose."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from studio.engines.base import NullState
from studio.errors import Cancelled, StudioError
from studio.render import compare_measure as measure
from studio.render.compare import (
    Candidate, CandidateFailed, Comparison, apply_switch, comparisons_dir, hard_sample, list_comparisons,
    parse_settings, plan_comparison, plan_switch, run_comparison, undo_switch,
)

from .conftest import snapshot

pytestmark = pytest.mark.real_weights


class _Sources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.sources.append(value)


def _report_sources(comparison: Comparison) -> list[str]:
    parser = _Sources()
    parser.feed(comparison.html_path.read_text(encoding="utf-8"))
    parser.close()
    assert "table" in parser.tags and "audio" in parser.tags
    return parser.sources


def test_the_hard_sample_takes_the_longest_the_shortest_and_the_hard_lines(compare_project):
    lines = [line.id for line in compare_project.lines]
    picks = {p.line_id: p.reasons for p in hard_sample(compare_project, 4)}
    assert set(picks) == {lines[0], lines[1], lines[2], lines[3]}
    assert "longest" in picks[lines[2]] and "shortest" in picks[lines[1]]
    assert {"numbers", "names", "dictionary words"} <= set(picks[lines[0]])
    assert "unusual punctuation" in picks[lines[3]]
    assert len(hard_sample(compare_project, 2)) == 2
    assert [p.line_id for p in hard_sample(compare_project, 8)] == lines  # in script order, never more than there are


def test_settings_are_read_as_values_and_keys_are_refused():
    assert parse_settings("voice=jf_nezumi,speed=1.1, model=tts-1") == {"voice": "jf_nezumi", "speed": 1.1, "model": "tts-1"}
    with pytest.raises(StudioError, match="keys never go on a command line"):
        parse_settings("api_key=sk-123")
    with pytest.raises(StudioError, match="name=value"):
        parse_settings("voice")


def test_two_voices_compared_on_the_demo_every_figure_from_the_audio_picks_switch_and_undo(compare_project, compare_registry):
    project = compare_project
    before = snapshot(project.folder)
    takes_before = [t.id for t in project.takes.all()]
    plan = plan_comparison(project, compare_registry, Candidate("kokoro-onnx", {"voice": "jf_nezumi"}), sample=2)
    assert plan.a.requests[plan.line_ids[0]].voice == "jf_alpha"
    assert plan.b.requests[plan.line_ids[0]].voice == "jf_nezumi"
    assert plan.a.requests[plan.line_ids[0]].text == plan.b.requests[plan.line_ids[0]].text
    messages = []

    class Watching(NullState):
        def set_progress(self, fraction, message=""):
            messages.append((fraction, message))

    comparison = run_comparison(plan, Watching())
    assert comparison.status == "done" and len(comparison.lines) == 2
    assert messages and all(0.0 <= f <= 1.0 for f, _ in messages) and messages[-1][0] == 1.0
    assert comparison.json_path.name.endswith("-tts-kokoro-onnx-jf_nezumi.json")
    assert comparison.json_path.parent == comparisons_dir(project.folder)

    # Every figure is there, and is what the audio on disk says.
    for entry in comparison.lines:
        for side in "ab":
            fig = entry[side]
            path = comparisons_dir(project.folder) / fig["take"]
            samples, rate = measure.measure_file(path)
            again = measure.measure_sound(samples, rate, entry["text"]).to_dict()
            for key in ("duration", "lead_silence", "trail_silence", "words_per_minute"):
                assert fig[key] == pytest.approx(again[key], abs=0.02), key
            assert fig["lufs"] == pytest.approx(again["lufs"], abs=0.05)
            assert fig["true_peak"] == pytest.approx(again["true_peak"], abs=0.1)
            assert -40 < fig["lufs"] < -5 and fig["true_peak"] <= 0.5
            assert fig["render_seconds"] > 0 and 0 < fig["first_audio"] <= fig["render_seconds"] + 1e-6
            assert fig["rtf"] == pytest.approx(fig["render_seconds"] / fig["duration"], rel=0.01)
            assert 60 < fig["words_per_minute"] < 400
            assert fig["wer"] <= 0.5 and fig["heard"]
            assert 1.0 <= fig["naturalness"]["ovrl"] <= 5.0
    totals = comparison.data["totals"]
    assert totals["a"]["duration"] == pytest.approx(sum(e["a"]["duration"] for e in comparison.lines), abs=0.01)
    assert comparison.data["price"]["b"]["project"] == "0.000000" and comparison.data["price"]["b"]["local"]
    assert not comparison.data["naturalness_note"]

    # The project is untouched: no take recorded, no file changed.
    assert [t.id for t in project.takes.all()] == takes_before
    assert snapshot(project.folder) == before

    # The report opens, and every file it names is there.
    sources = _report_sources(comparison)
    assert len([s for s in sources if s.endswith(".wav")]) == 4
    for source in sources:
        assert not source.startswith(("/", "http")) and (comparison.html_path.parent / source).is_file(), source

    # Blind picks are recorded against the real side, and revealed after.
    first, second = comparison.lines[0]["line"], comparison.lines[1]["line"]
    x_side = comparison.blind_side(first, "X")
    comparison.pick(first, x_side, blind=True)
    comparison.pick(second, comparison.blind_side(second, "Y"), blind=True)
    again = Comparison.load(comparison.json_path)
    assert again.line(first)["pick"] == x_side and again.line(first)["picked_blind"]
    assert again.blind_label(first, x_side) == "X"
    wins = again.data["verdict"]["picks"]
    assert wins["a"] + wins["b"] == 2
    assert "(blind)" in again.html_path.read_text(encoding="utf-8")
    assert list_comparisons(project.folder) == [comparison.json_path]

    # Switch: only the routing part of stitch.toml changes, comments stay; undo puts it back byte for byte.
    toml_before = (project.folder / "stitch.toml").read_text()
    switch = plan_switch(project, compare_registry, again, "drafts")
    assert switch.stale == len([line for line in project.lines if line.text.strip()])  # no takes yet: all to render
    assert "stale" in switch.sentence() and "free" in switch.sentence()
    apply_switch(project, compare_registry, again, "drafts")
    toml_after = (project.folder / "stitch.toml").read_text()
    assert 'voice = "jf_nezumi"' in toml_after and "# the creator's own note" in toml_after
    assert "# Empty means the engine's default voice." in toml_after
    changed = [(a, b) for a, b in zip(toml_before.splitlines(), toml_after.splitlines()) if a != b]
    assert changed == [('voice = ""', 'voice = "jf_nezumi"')]
    assert project.manifest.voice == "jf_nezumi"
    assert {k: v for k, v in snapshot(project.folder).items() if k != "stitch.toml"} == \
        {k: v for k, v in before.items() if k != "stitch.toml"}
    undo_switch(project, again)
    assert (project.folder / "stitch.toml").read_text() == toml_before
    assert project.manifest.voice == ""
    assert snapshot(project.folder) == before
    with pytest.raises(StudioError, match="no switch to undo"):
        undo_switch(project, again)


@pytest.mark.parametrize("bad", ["kokoro-silent", "kokoro-truncated"])
def test_a_silent_or_truncated_candidate_scores_worse(compare_project, compare_registry, bad):
    line = compare_project.lines[2].id  # the longest line
    plan = plan_comparison(compare_project, compare_registry, Candidate(bad), lines=[line])
    comparison = run_comparison(plan, NullState())
    a, b = comparison.lines[0]["a"], comparison.lines[0]["b"]
    assert a["wer"] < 0.25 and b["wer"] > a["wer"] + 0.3
    verdict = comparison.data["verdict"]
    assert verdict["intelligibility"]["better"] == "a"
    assert verdict["naturalness"]["better"] == "a"
    if bad == "kokoro-silent":
        assert b["lufs"] is None and b["true_peak"] is None and b["naturalness"] is None
        assert b["words_per_minute"] == 0.0 and b["lead_silence"] == pytest.approx(b["duration"], abs=0.01)
        assert b["heard"] == "" and b["wer"] == 1.0
    else:
        assert b["duration"] < a["duration"] / 2
        assert b["naturalness"]["ovrl"] < a["naturalness"]["ovrl"]


@pytest.mark.parametrize("engine,settings,words", [
    ("kokoro-nowhere", {}, "There is no engine called 'kokoro-nowhere'"),
    ("kokoro-onnx", {"voice": "af_nobody"}, "has no voice called 'af_nobody'"),
    ("kokoro-missing", {}, "not on this machine"),
    ("whisper", {}, "is not a voice engine"),
])
def test_a_candidate_that_cannot_run_is_a_sentence_and_leaves_nothing(compare_project, compare_registry, engine, settings, words):
    before = snapshot(compare_project.folder)
    with pytest.raises(StudioError, match=words) as caught:
        plan_comparison(compare_project, compare_registry, Candidate(engine, settings), sample=2)
    assert caught.value.message.endswith(".")
    assert not comparisons_dir(compare_project.folder).exists()
    assert snapshot(compare_project.folder) == before


def test_a_candidate_failing_half_way_leaves_nothing_behind(compare_project, compare_registry):
    before = snapshot(compare_project.folder)
    plan = plan_comparison(compare_project, compare_registry, Candidate("kokoro-server-down"), lines=[compare_project.lines[1].id, compare_project.lines[4].id])
    with pytest.raises(CandidateFailed, match="did not answer.*Nothing was saved; the project is unchanged"):
        run_comparison(plan, NullState())
    assert not comparisons_dir(compare_project.folder).exists()
    assert snapshot(compare_project.folder) == before


class _CancelAt(NullState):
    def __init__(self, at: str):
        self.at = at
        self.cancelled = False

    def set_progress(self, fraction, message=""):
        if self.at in message:
            self.cancelled = True

    def is_cancelled(self):
        return self.cancelled


def test_a_cancelled_comparison_keeps_what_finished_and_no_partial_file(compare_project, compare_registry):
    plan = plan_comparison(compare_project, compare_registry, Candidate("kokoro-onnx", {"voice": "jf_nezumi"}),
                           lines=[compare_project.lines[1].id, compare_project.lines[4].id])
    comparison = run_comparison(plan, _CancelAt("Line 2 of 2: candidate"))
    assert comparison.status == "cancelled" and [e["number"] for e in comparison.lines] == [2]
    files = sorted(p.name for p in (comparisons_dir(compare_project.folder) / plan.id).iterdir())
    assert files == sorted(Path(comparison.lines[0][s]["take"]).name for s in "ab")
    data = json.loads(comparison.json_path.read_text())
    assert data["status"] == "cancelled" and "Stopped before the end" in comparison.html_path.read_text()
    assert not list(comparisons_dir(compare_project.folder).glob("*.tmp*"))

    # Cancelled before anything finished: nothing stays.
    plan = plan_comparison(compare_project, compare_registry, Candidate("kokoro-onnx", {"voice": "jf_nezumi"}),
                           lines=[compare_project.lines[1].id])
    with pytest.raises(Cancelled):
        run_comparison(plan, _CancelAt("Line 1 of 1: candidate"))
    assert list_comparisons(compare_project.folder) == [comparison.json_path]
    assert not (comparisons_dir(compare_project.folder) / plan.id).exists()
