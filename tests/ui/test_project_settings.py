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
from studio.ui.settings.dialog import STORED, ProjectSettingsDialog, open_settings

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


@pytest.mark.parametrize("task", ["tts", "stt", "image", "plan"])
def test_each_task_offers_the_registry_engines(studio, task):
    dialog = ProjectSettingsDialog(studio)
    form = dialog.tasks[task]
    offered = {form.draft.itemData(i) for i in range(form.draft.count())}
    assert set(studio.registry.ids(task)) <= offered
    assert form.final.itemData(0) == ""  # "None: drafts only"
    dialog.deleteLater()


def test_every_task_routes_and_the_final_image_engine_settings_go_into_stitch_toml(studio, memory_keyring):  # noqa: F811
    dialog = ProjectSettingsDialog(studio)
    assert set(dialog.tasks) == {"tts", "stt", "image", "cleanup", "plan"}
    cleanup = dialog.tasks["cleanup"]
    assert cleanup.draft_id() == "opencv" and cleanup.draft.currentText().startswith("OpenCV, built in")
    assert cleanup.final_id() == "" and not cleanup.draft_shown()  # a local draft engine: nothing to set
    assert not cleanup.fields["model"].isEnabled() and "voice" not in cleanup.fields
    image = dialog.tasks["image"]
    image.final.setCurrentIndex(image.final.findData("openai-image"))
    image.fields["base_url"].setText("http://127.0.0.1:9000/v1")
    image.fields["model"].setText("gpt-image-1")
    image.key.setText(KEY)
    stt = dialog.tasks["stt"]
    stt.final.setCurrentIndex(stt.final.findData("openai-stt"))
    stt.fields["model"].setText("gpt-4o-transcribe")
    assert dialog.save() and image.key.text() == ""
    dialog.deleteLater()

    folder = Path(studio.project.folder)
    manifest = Manifest.load(folder)
    assert manifest.route("image") == ("diffusers", "openai-image")
    assert manifest.route("cleanup") == ("opencv", "")
    assert manifest.engine_settings("openai-image") == {"base_url": "http://127.0.0.1:9000/v1", "model": "gpt-image-1"}
    assert manifest.engine_settings("openai-stt") == {"model": "gpt-4o-transcribe"}
    text = (folder / "stitch.toml").read_text()
    assert "[engines.openai-image]" in text and "[routing.image]" in text
    assert secrets.get_key("openai-compatible:127.0.0.1:9000").reveal() == KEY
    for path in folder.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path


def test_take_checks_and_dont_ask_under_are_the_creators_settings_and_can_be_reset(studio):
    from studio.settings import Settings

    assert not studio.settings.check_takes  # the Qt tests' settings: no self-check
    dialog = ProjectSettingsDialog(studio)
    assert not dialog.check_takes.isChecked() and dialog.ask_under.value() == 0
    assert dialog.ask_under.text() == "always ask" and not dialog.always_ask.isEnabled()
    dialog.check_takes.setChecked(True)
    dialog.ask_under.setValue(2.5)
    assert dialog.always_ask.isEnabled()
    assert dialog.save()
    dialog.deleteLater()

    on_disk = Settings.load()
    assert on_disk.check_takes is True and on_disk.final_ask_under == 2.5
    assert studio.voice_tools.checks.automatic  # the window's checker listens to new takes now
    toml = (Path(studio.project.folder) / "stitch.toml").read_text()
    assert "ask_under" not in toml and "check_takes" not in toml  # the creator's, not the project's

    # "Don't ask again" chosen in a confirm dialog is undone here.
    again = ProjectSettingsDialog(studio)
    assert again.check_takes.isChecked() and again.ask_under.value() == 2.5
    again.always_ask.click()
    again.check_takes.setChecked(False)
    assert again.ask_under.value() == 0 and again.save()
    again.deleteLater()
    on_disk = Settings.load()
    assert on_disk.final_ask_under == 0 and on_disk.check_takes is False
    assert not studio.voice_tools.checks.automatic



def test_a_hosted_draft_image_engine_gets_its_own_server_settings_and_key(studio, memory_keyring, artifacts_dir):  # noqa: F811
    dialog = ProjectSettingsDialog(studio)
    image = dialog.tasks["image"]
    assert not image.draft_shown()  # diffusers runs here: nothing to set
    image.draft.setCurrentIndex(image.draft.findData("openai-image"))
    dialog.pages.setCurrentWidget(image.box)
    dialog.show()
    dialog.grab().save(str(artifacts_dir / "project-settings-hosted-draft.png"))
    assert image.draft_shown() and image.final_id() == ""
    assert image.draft_form.fields["base_url"].isEnabled() and "voice" not in image.draft_form.fields
    image.draft_form.fields["base_url"].setText("http://127.0.0.1:9100/v1")
    image.draft_form.fields["model"].setText("dall-e-2")
    image.draft_form.key.setText(KEY)
    assert dialog.save() and image.draft_form.key.text() == ""
    assert image.draft_form.key_note.text() == STORED
    dialog.deleteLater()

    folder = Path(studio.project.folder)
    manifest = Manifest.load(folder)
    assert manifest.route("image") == ("openai-image", "")
    assert manifest.engine_settings("openai-image") == {"base_url": "http://127.0.0.1:9100/v1", "model": "dall-e-2"}
    text = (folder / "stitch.toml").read_text()
    assert "[engines.openai-image]" in text and 'base_url = "http://127.0.0.1:9100/v1"' in text
    assert secrets.get_key("openai-compatible:127.0.0.1:9100").reveal() == KEY
    for path in folder.rglob("*"):
        assert not path.is_file() or KEY.encode() not in path.read_bytes(), path

    # Opened again: the draft engine's settings are shown; the same engine as the final is edited once.
    dialog = ProjectSettingsDialog(studio)
    image = dialog.tasks["image"]
    assert image.draft_form.fields["base_url"].text() == "http://127.0.0.1:9100/v1"
    assert "is set" in image.draft_form.key_note.text()
    image.final.setCurrentIndex(image.final.findData("openai-image"))
    assert not image.draft_shown() and image.fields["model"].text() == "dall-e-2"
    assert image.engine_forms() == [image.final_form]
    dialog.deleteLater()


def test_the_video_page_sets_the_fit_and_the_caption_style_in_stitch_toml(studio, qtbot, artifacts_dir):
    from studio.project.manifest import Manifest

    dialog = ProjectSettingsDialog(studio)
    page = dialog.look
    dialog.pages.setCurrentWidget(page)
    page.fit.setCurrentIndex(page.fit.findData("subject"))
    page.position.setCurrentIndex(page.position.findData("top"))
    page.size.setValue(1.3)
    page.highlight_on.setChecked(True)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(artifacts_dir / "settings-video-page.png"))
    assert dialog.save()
    written = Manifest.load(studio.project.folder)
    assert (written.fit, written.caption_position, written.caption_size, written.caption_highlight) == (
        "subject", "top", 1.3, "#ffd23f")
    assert studio.timeline.preview.look.fit == "subject"  # the Preview follows at once
    again = ProjectSettingsDialog(studio)
    assert again.look.fit.currentData() == "subject" and again.look.highlight_on.isChecked()
    again.look.font.setEditText("Comic Sans")
    assert not again.save() and "font under [captions]" in again.problem.text()
    again.reject()


def test_the_planning_route_offers_the_registrys_planners_and_reaches_tools_plan(studio, artifacts_dir):
    from studio.ui.plan.dialog import open_plan

    dialog = ProjectSettingsDialog(studio)
    plan = dialog.tasks["plan"]
    assert "Planning" in [dialog.pages.tabText(i) for i in range(dialog.pages.count())]
    offered = [plan.final.itemData(i) for i in range(plan.final.count())]
    assert offered[0] == "" and {"openai-chat", "anthropic"} <= set(offered)
    assert set(studio.registry.ids("plan")) <= set(offered)
    # The demo routes no planner of its own: the draft is the local SmolLM2, the final None.
    assert plan.draft_id() == "smollm2" and plan.final_id() == "" and plan.final.currentText().startswith("None")
    plan.final.setCurrentIndex(plan.final.findData("openai-chat"))
    assert plan.fields["base_url"].isEnabled() and "voice" not in plan.fields
    plan.fields["base_url"].setText("http://127.0.0.1:11434/v1")
    plan.fields["model"].setText("llama3.2")
    dialog.pages.setCurrentWidget(plan.box)
    dialog.show()
    dialog.grab().save(str(artifacts_dir / "project-settings-planning.png"))
    assert dialog.save()
    dialog.deleteLater()

    manifest = Manifest.load(Path(studio.project.folder))
    assert manifest.route("plan") == ("smollm2", "openai-chat")
    assert manifest.engine_settings("openai-chat") == {"base_url": "http://127.0.0.1:11434/v1", "model": "llama3.2"}
    planning = open_plan(studio)  # Tools ▸ Plan… now names that planner and can ask it
    assert "127.0.0.1" in planning.engine_label.text() and planning.ask_button.isEnabled()
    planning.close()

    again = ProjectSettingsDialog(studio)
    assert again.tasks["plan"].final_id() == "openai-chat" and again.tasks["plan"].fields["model"].text() == "llama3.2"
    again.tasks["plan"].final.setCurrentIndex(0)
    assert again.save()
    again.deleteLater()
    assert Manifest.load(Path(studio.project.folder)).route("plan") == ("smollm2", "")
