"""A hand-edited `.stitch/timeline.json` (wrong types, NaN, absurd or negative times) is refused
as damaged with one sentence, the timeline is laid out afresh, and the file is left as it was."""

from __future__ import annotations

import json
import math

import pytest

from studio.render.errors import TimelineError
from studio.render.from_project import TIMELINE_FILE, build_timeline, load_timeline, save_timeline
from studio.render.timeline import Timeline

VOICE = "voice:FIRST"
EDITS = {
    "a start that is text": lambda d, c: c.update(start="abc"),
    "a NaN start": lambda d, c: c.update(start=math.nan),
    "a duration of 1e300 s": lambda d, c: c.update(duration=1e300),
    "a negative in point": lambda d, c: c.update(in_point=-2.0),
    "locked as text": lambda d, c: c.update(locked="no"),
    "an unknown track": lambda d, c: c.update(track="video"),
    "a pan/zoom of zero size": lambda d, c: c.update(pan_zoom={"start": [0, 0, 0, 0], "end": [0, 0, 1, 1]}),
    "a negative gap": lambda d, c: d.update(gap=-5),
    "a NaN gap": lambda d, c: d.update(gap=math.nan),
    "a gap of 1e308 s": lambda d, c: d.update(gap=1e308),
    "a negative gap before a line": lambda d, c: d.update(line_gaps={c["ref"]: -3}),
    "a NaN gap before a line": lambda d, c: d.update(line_gaps={c["ref"]: math.nan}),
    "ducking as text": lambda d, c: d.update(ducking={"amount_db": "loud"}),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_hand_edited_timeline_is_damaged_laid_out_afresh_and_left_on_disk(tiny_project, edit):
    from studio.project.project import Project

    project = Project.open(tiny_project)
    try:
        fresh = build_timeline(project)
        save_timeline(project, fresh)
        data = json.loads((tiny_project / TIMELINE_FILE).read_text(encoding="utf-8"))
        clip = next(c for c in data["clips"] if c["track"] == ("image" if "pan/zoom" in edit else "voice"))
        EDITS[edit](data, clip)
        damaged = json.dumps(data)
        (tiny_project / TIMELINE_FILE).write_text(damaged, encoding="utf-8")

        with pytest.raises(TimelineError, match="^The saved timeline is damaged and could not be read"):
            load_timeline(project)
        again = build_timeline(project)
        assert math.isfinite(again.duration) and again.duration == pytest.approx(fresh.duration)
        assert all(g >= 0 for _line, g in again.line_gaps)
        assert (tiny_project / TIMELINE_FILE).read_text(encoding="utf-8") == damaged  # nothing lost until saved
    finally:
        project.close()


def test_a_timeline_within_the_limits_still_reads_back_as_saved(tiny_project):
    from studio.project.project import Project

    project = Project.open(tiny_project)
    try:
        tl = build_timeline(project)
        second = tl.track("voice")[1]
        tl = tl.set_line_gap(second.ref, 10.0).set_gain(second.id, -30.5).set_gap(0.0)
        save_timeline(project, tl)
        assert load_timeline(project) == tl
        assert Timeline.from_dict(json.loads(json.dumps(tl.to_dict()))) == tl
    finally:
        project.close()
