"""The karaoke highlight: the inspector marks the word being spoken as a take plays."""

from __future__ import annotations

from studio.project.checks import TakeCheck, write_check
from studio.project.karaoke import word_at, word_times

TEXT = "Hello brave new world"


def _rendered(studio, qtbot, text=TEXT):
    line = studio.editor.line_ids()[0]
    studio.editor.select_line(line)
    studio.project.edit_line(line, text)
    studio.editor.inspector.show_line(line)
    assert studio.voice.preview(line)
    qtbot.waitUntil(lambda: studio.project.chosen_take(line) is not None
                    and studio.project.chosen_take(line).text == text, timeout=5000)
    return line, studio.project.chosen_take(line)


def test_the_spoken_word_is_highlighted_from_stored_timings(studio, qtbot):
    line, take = _rendered(studio, qtbot)
    words = [{"text": w, "start": s, "end": e, "probability": 1.0}
             for w, s, e in [("hello", 0.0, 0.3), ("brave", 0.4, 0.5), ("new", 0.6, 1.2), ("world", 1.3, 1.6)]]
    write_check(studio.project.folder, TakeCheck(take.id, True, 0.0, "Heard as written.", "test", "t",
                                                 transcript={"segments": [{"words": words}]}))
    karaoke = studio.editor.inspector.karaoke
    studio.player.play(studio.project.folder / take.path, line)
    studio.player.position_changed.emit(100)
    assert karaoke.highlighted() == "Hello"
    studio.player.position_changed.emit(900)  # "new" by the stored timings (not where an even spread puts it)
    assert karaoke.highlighted() == "new"
    studio.player.position_changed.emit(1250)  # between two words: the one just said
    assert karaoke.highlighted() == "new"
    studio.player.position_changed.emit(5000)
    assert karaoke.highlighted() == ""
    studio.player.stop()


def test_another_lines_take_highlights_nothing(studio, qtbot):
    line, take = _rendered(studio, qtbot)
    studio.player.play(studio.project.folder / take.path, "another line")
    studio.player.position_changed.emit(10)
    assert studio.editor.inspector.karaoke.highlighted() == ""


def test_without_timings_words_are_spread_over_the_take():
    times = word_times("one two three four", 4.0)
    assert [round(t.start, 2) for t in times] == [0.0, 0.84, 1.68, 2.95]
    assert word_at(times, 0.5).char_start == 0
    assert word_at(times, 3.9).char_start == len("one two three ")
    assert word_at(times, 4.5) is None


def test_heard_words_map_onto_the_script_words_when_counts_differ():
    heard = [{"start": 0.0, "end": 0.5}, {"start": 0.5, "end": 1.0}, {"start": 1.0, "end": 1.5}]
    times = word_times("twenty five dollars now", 2.0, heard)
    assert len(times) == 4 and times[0].start == 0.0 and times[-1].end == 1.5
