"""A take record set aside while opening (damaged by hand) is said in the status bar."""

from __future__ import annotations

import json

from studio.project.project import Project


def test_a_set_aside_take_record_is_said_when_the_window_opens_the_project(window, demo_copy):
    project = Project.open(demo_copy)
    project.close()
    (demo_copy / ".stitch" / "takes.json").write_text(json.dumps({"schema": 1, "takes": [{"id": "t1", "path": 123}]}))
    assert window.open_folder(demo_copy)
    said = window.status.message.text()
    assert ".stitch/takes.json" in said and "kept in the file" in said
