"""A damaged `.stitch/timings/*.json` or `.stitch/checks/*.json` counts as none: the check
listens again with Whisper's timings, and captions are timed as if unchecked."""

from __future__ import annotations

import json

import pytest

from studio.cli import command as cli
from studio.engines.base import NullState
from studio.jobs.selfcheck import TIMINGS, check_take_job, engine_timings
from studio.project.checks import CHECKS_DIR

from test_selfcheck import HearsEngine  # tests/jobs is on sys.path (no package)

TEXT = "Hello there, friend."


@pytest.fixture
def voiced(voiced_project):
    project = voiced_project("Voiced", f"# One\n\n{TEXT}\n")
    yield project
    project.close()


TIMINGS_FILES = {
    "not JSON": "{not json",
    "words as text": '{"schema": 1, "source": "kokoro", "words": "abc"}',
    "words not objects": '{"schema": 1, "source": "kokoro", "words": [1, 2]}',
    "a word without an end": '{"schema": 1, "source": "kokoro", "words": [{"text": "Hello", "start": 0}]}',
    "a NaN time": '{"schema": 1, "source": "kokoro", "words": [{"text": "Hello", "start": 0, "end": NaN}]}',
}


@pytest.mark.parametrize("damage", list(TIMINGS_FILES))
def test_damaged_engine_timings_are_ignored_and_whisper_times_the_words(voiced, damage):
    take = voiced.chosen_take(voiced.lines[0].id)
    path = voiced.folder / TIMINGS / f"{take.cache_key[:20]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TIMINGS_FILES[damage], encoding="utf-8")
    assert engine_timings(voiced.folder, take) is None
    check = check_take_job(voiced.folder, take, HearsEngine(TEXT), NullState())
    assert check.passed and check.transcript["timing"] == "whisper"
    assert path.read_text(encoding="utf-8") == TIMINGS_FILES[damage]


TRANSCRIPTS = {
    "segments not objects": {"segments": [1, "x"]},
    "segments as text": {"segments": "abc"},
    "words not objects": {"segments": [{"words": [1, None]}]},
    "a transcript that is a list": [1, 2],
}


@pytest.mark.parametrize("damage", list(TRANSCRIPTS))
def test_a_damaged_check_counts_as_none_and_captions_still_come(voiced, damage, tmp_path, capsys):
    take = voiced.chosen_take(voiced.lines[0].id)
    stored = {"schema": 1, "take_id": take.id, "passed": True, "wer": 0.0, "summary": "", "engine": "whisper",
              "model": "m", "transcript": TRANSCRIPTS[damage], "result": {}}
    (voiced.folder / CHECKS_DIR).mkdir(parents=True, exist_ok=True)
    (voiced.folder / CHECKS_DIR / f"{take.id}.json").write_text(json.dumps(stored), encoding="utf-8")
    assert voiced.take_check(take.id) is None and voiced.check_state(voiced.lines[0].id) == "unchecked"
    voiced.save()
    out = tmp_path / "out.srt"
    assert cli.main(["captions", str(voiced.folder), "--out", str(out)]) == 0
    assert TEXT in out.read_text(encoding="utf-8")
