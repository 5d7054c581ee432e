"""Edit ▸ Project Settings…: routing and budget into stitch.toml; the key into the keyring only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from hosted.test_secrets import memory_keyring, no_keyring  # noqa: F401  (fixtures)
from studio.engines import secrets
from studio.project.manifest import Manifest
from studio.ui.settings_dialog import STORED, ProjectSettingsDialog, open_settings

KEY = "sk-test-Settings9fH2kLm4Qw8Rt6"


def fill_and_save(fill, seen: list) -> None:
    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ProjectSettingsDialog):
            QTimer.singleShot(10, answer)
            return
        fill(dialog)
        dialog.save_button.click()
        seen.append(dialog.problem.text() if dialog.isVisible() else "")
        if dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, answer)


def route_to_server(dialog, key: str = KEY) -> None:
    tts = dialog.tasks["tts"]
    tts.final.setCurrentIndex(tts.final.findData("openai-tts"))
    tts.fields["base_url"].setText("http://127.0.0.1:8880/v1")
    tts.fields["model"].setText("kokoro")
    tts.fields["voice"].setText("af_heart")
    tts.key.setText(key)
    stt = dialog.tasks["stt"]
    stt.final.setCurrentIndex(stt.final.findData("openai-stt"))
    dialog.budget.setValue(12.5)


def test_settings_round_trip_into_stitch_toml_and_the_key_only_into_the_keyring(studio, memory_keyring):  # noqa: F811
    seen: list = []
    fill_and_save(route_to_server, seen)
    assert studio.actions.project_settings.isEnabled()
    assert open_settings(studio) and seen == [""]

    folder = Path(studio.project.folder)
    manifest = Manifest.load(folder)
    assert manifest.route("tts") == ("kokoro-onnx", "openai-tts")
    assert manifest.route("stt") == ("whisper", "openai-stt")
    assert manifest.engine_settings("openai-tts") == {
        "base_url": "http://127.0.0.1:8880/v1", "model": "kokoro", "voice": "af_heart"}
    assert manifest.budget == 12.5
    assert 'final = "openai-tts"' in (folder / "stitch.toml").read_text()
    assert secrets.get_key("openai-compatible:127.0.0.1:8880").reveal() == KEY
    studio.settings.save()
    config = Path(os.environ["STITCH_CONFIG_DIR"])
    for root in (folder, config):
        for path in root.rglob("*"):
            assert not path.is_file() or KEY.encode() not in path.read_bytes(), path
    assert studio.final.button.isEnabled()  # a final engine now: the button can be used

    # Opened again, the dialog shows what was saved, and that a key is set.
    dialog = ProjectSettingsDialog(studio)
    tts = dialog.tasks["tts"]
    assert tts.final_id() == "openai-tts" and tts.fields["base_url"].text() == "http://127.0.0.1:8880/v1"
    assert "is set" in tts.key_note.text() and tts.key.text() == "" and dialog.budget.value() == 12.5
    dialog.deleteLater()


def test_without_a_keyring_the_sentence_is_shown_and_nothing_is_saved(studio, no_keyring):  # noqa: F811
    seen: list = []
    fill_and_save(route_to_server, seen)
    assert not open_settings(studio)
    assert "no keyring" in seen[0] and "environment variable" in seen[0]
    assert Manifest.load(Path(studio.project.folder)).route("tts")[1] == ""
    for path in Path(studio.project.folder).rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path


def test_a_stored_key_is_said_to_be_in_the_keyring(studio, memory_keyring):  # noqa: F811
    dialog = ProjectSettingsDialog(studio)
    route_to_server(dialog)
    assert dialog.save()
    assert dialog.tasks["tts"].key_note.text() == STORED
    dialog.deleteLater()


@pytest.mark.parametrize("task", ["tts", "stt", "image"])
def test_each_task_offers_the_registry_engines(studio, task):
    dialog = ProjectSettingsDialog(studio)
    form = dialog.tasks[task]
    offered = {form.draft.itemData(i) for i in range(form.draft.count())}
    assert set(studio.registry.ids(task)) <= offered
    assert form.final.itemData(0) == ""  # "None: drafts only"
    dialog.deleteLater()
