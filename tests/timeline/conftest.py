"""A tiny project for timeline and export tests: two scenes, three short lines, takes from the sine engine."""

from __future__ import annotations

import os

import pytest

TINY_SCRIPT = """# Opening

One short line.

Two words here.

# Closing

The end.
"""


@pytest.fixture
def tiny_project(demo_project, sine_registry):
    """The demo folder with a three-line script, every line rendered by the sine engine."""
    from studio.cli.command import render_project

    (demo_project / "script.md").write_text(TINY_SCRIPT, encoding="utf-8")
    assert render_project(demo_project, registry=sine_registry, out=open("/dev/null", "w")) == 0
    return demo_project


@pytest.fixture
def rendered_demo(demo_project, sine_registry):
    """The demo project, opened, with every line rendered by the sine engine."""
    from studio.cli.command import render_project
    from studio.project.project import Project

    with open(os.devnull, "w") as quiet:
        assert render_project(demo_project, registry=sine_registry, out=quiet) == 0
    project = Project.open(demo_project)
    yield project
    project.close()
