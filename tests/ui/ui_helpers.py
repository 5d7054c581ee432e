"""Small helpers the Qt tests share: answering a modal dialog, reading the tree."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication

from studio.ui.script.editor import LINE_ID, STATE, STATE_COLUMN


def answer_next_dialog(button_text: str, seen: list | None = None) -> None:
    """Click the button called `button_text` in the next modal dialog (as a creator would)."""

    def click():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, click)
            return
        if seen is not None:
            seen.append(dialog)
        for button in dialog.findChildren(QAbstractButton):
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {dialog.windowTitle()!r}")

    QTimer.singleShot(0, click)


def badge(window, line_id: str) -> str:
    return window.editor.item_for(line_id).data(STATE_COLUMN, STATE)


def scene_rows(window) -> list[str]:
    tree = window.editor.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())
            if tree.topLevelItem(i).data(0, LINE_ID) is None]


def type_into_inspector(qtbot, window, text: str) -> None:
    editor = window.editor.inspector.text
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)


FINAL_KEY = "sk-test-Ui7vXw2LmN4pR7tY1uK3"


def route_final(project, monkeypatch, task: str, engine_id: str, settings: dict, budget: float) -> None:
    """Make `engine_id`, pointed at the fake server and billed by a price file, the project's final engine."""
    import json
    import os
    from pathlib import Path

    monkeypatch.setenv("STITCH_OPENAI_COMPATIBLE_API_KEY", FINAL_KEY)
    config = Path(os.environ["STITCH_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "prices.json").write_text(json.dumps({"engines": {engine_id: {"paid_hosts": ["127.0.0.1"]}}}))
    manifest = project.manifest
    manifest.set_route(task, final=engine_id)
    manifest.set_engine_settings(engine_id, settings)
    manifest.budget = budget


def answer_confirm(button: str, seen: dict, screenshot=None) -> None:
    """Read the Render final confirm dialog as a creator would, then click `button` (Cancel or Render final)."""
    from studio.ui.money.premium import FinalConfirmDialog

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FinalConfirmDialog):
            QTimer.singleShot(10, answer)
            return
        seen.update(engine=dialog.engine_label.text(), cost=dialog.cost_label.text(),
                    budget=dialog.budget_label.text(), ok=dialog.ok_button.isEnabled(),
                    refusal=dialog.refusal.text() if dialog.refusal.isVisible() else "")
        if screenshot is not None:
            dialog.grab().save(str(screenshot))
        if button == "Cancel":
            dialog.reject()
        else:
            assert dialog.ok_button.isEnabled()
            dialog.ok_button.click()

    QTimer.singleShot(0, answer)
