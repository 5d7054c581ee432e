"""Tools ▸ Compare engines… opens the comparison window on the open project (the window's own tests: tests/compare)."""

from __future__ import annotations


def test_tools_menu_opens_the_comparison_on_the_open_project(studio):
    from studio.ui.compare.window import CompareWindow

    tools = next(a.menu() for a in studio.menuBar().actions() if a.text() == "&Tools")
    action = next(a for a in tools.actions() if a.text() == "&Compare Engines…")
    action.trigger()
    panel = studio.findChild(CompareWindow)
    assert panel is not None and panel.isVisible() and panel.project is studio.project
    assert panel.engine.findData("kokoro-onnx") >= 0 and not panel.drafts_button.isEnabled()
    panel.close()
