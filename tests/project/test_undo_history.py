"""History: snapshot undo and redo, with bursts of typing merged into one step."""

from __future__ import annotations

from studio.project.history import History


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_undo_and_redo_walk_the_snapshots():
    history = History()
    assert history.undo() is None and history.redo() is None
    history.push("Add line", "s0", "s1")
    history.push("Delete line", "s1", "s2")
    assert history.undo_label == "Delete line" and history.can_undo and not history.can_redo
    assert history.undo() == "s1"
    assert history.redo_label == "Delete line"
    assert history.undo() == "s0"
    assert not history.can_undo
    assert history.redo() == "s1"
    assert history.redo() == "s2"
    assert history.redo() is None


def test_a_new_edit_clears_redo():
    history = History()
    history.push("one", 0, 1)
    history.undo()
    history.push("two", 0, 2)
    assert not history.can_redo and history.undo() == 0


def test_typing_in_one_line_is_one_step_until_a_pause():
    clock = Clock()
    history = History(clock=clock)
    for i in range(5):
        history.push("Edit line", f"t{i}", f"t{i + 1}", merge_key="line-a")
        clock.now += 1.5  # each keystroke within two seconds of the last
    assert history.undo() == "t0"
    assert not history.can_undo
    assert history.redo() == "t5"

    clock.now += 10
    history.push("Edit line", "t5", "t6", merge_key="line-a")
    clock.now += 2.5
    history.push("Edit line", "t6", "t7", merge_key="line-a")  # after a pause: its own step
    assert history.undo() == "t6" and history.undo() == "t5"


def test_other_lines_and_undo_break_a_burst():
    clock = Clock()
    history = History(clock=clock)
    history.push("Edit line", "a0", "a1", merge_key="a")
    history.push("Edit line", "a1", "b1", merge_key="b")
    history.push("Edit line", "b1", "a2", merge_key="a")
    assert history.undo() == "b1"
    history.push("Edit line", "b1", "a3", merge_key="a")  # does not merge into the step before the undo
    assert history.undo() == "b1" and history.undo() == "a1"


def test_only_the_last_two_hundred_steps_are_kept():
    history = History()
    for i in range(250):
        history.push(f"step {i}", i, i + 1)
    undone = []
    while history.can_undo:
        undone.append(history.undo())
    assert len(undone) == 200 and undone[-1] == 50
