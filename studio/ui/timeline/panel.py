"""The Timeline dock: binds the project's timeline to the view, keeps its undo, plays the mix.

Edits are values: each one replaces the `Timeline` (the old one goes on the undo
stack) and is saved to .stitch/timeline.json at once. A change in the project (a new
take, an edited script) lays the timeline out again from the current one, so locks
and hand placements stay. Waveforms, thumbnails and the narration mix are made in
jobs on the "io" lane. The strip under the tracks (timeline_controls) edits gaps,
ducking, fades and framing; the Preview dock shows the picture at the playhead. The
keys (timeline_keys) and playback (timeline_playback) are mixins of the panel.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMainWindow, QMenu, QVBoxLayout, QWidget

from studio.errors import StudioError
from studio.project.look import look_of
from studio.project.media import MUSIC_SUFFIXES
from studio.ui.timeline.preview import Preview, install_preview
from studio.ui.timeline.controls import ClipControls, Clock, TimelineHeader
from studio.ui.timeline.drops import TimelineDrops
from studio.ui.timeline.keys import KEY_STEP_SECONDS, NUDGE_SECONDS, TimelineKeys
from studio.ui.timeline.playback import MIX_FILE, TimelinePlayback
from studio.ui.timeline.tracks import TimelineView, clip_labels, guarded

THUMB = QSize(72, 40)
# Steps of one control this close together are one undo entry (a spin box held down, a wheel).
MERGE_SECONDS = 1.5
KEEP = object()  # an undo entry that leaves stitch.toml's music line as it is
SOUND_FILTER = "Sound files (" + " ".join(f"*{s}" for s in MUSIC_SUFFIXES) + ");;All files (*)"


class TimelinePanel(TimelineKeys, TimelinePlayback, TimelineDrops, QWidget):
    # The timeline's undo stack changed, or the focus came to or left it: Edit ▸ Undo follows.
    history_changed = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.focused = False  # the creator's last click or Tab was on the tracks
        self.project = None
        self.timeline = None
        self.cues: list = []
        self._undo: list = []
        self._redo: list = []
        self._merging: tuple = (None, 0.0)  # (what the last edit changed, when) for merging steps
        self._unsubscribe = None
        self.playing = False
        self._mix_for = None  # the timeline the mix on disk was made from
        self.clock = Clock()

        self.header = TimelineHeader()
        self.view = TimelineView()
        self.controls = ClipControls()
        self.preview = Preview(window.jobs)  # docked beside the window's panels by install_timeline
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.controls)

        self._later = QTimer(self, singleShot=True, interval=250, timeout=self.rebuild)
        self._tick = QTimer(self, interval=40, timeout=self._advance)
        self.view.clip_clicked.connect(self.clip_clicked)
        self.view.clip_dragged.connect(self.move)
        self.view.clip_trimmed.connect(self.trim)
        self.view.seek.connect(self.seek)
        self.view.scrubbed.connect(self.scrub)
        self.view.playhead_moved.connect(self.preview.show_at)
        self.controls.gap_changed.connect(self.set_gap)
        self.controls.line_gap_changed.connect(self.set_line_gap)
        self.controls.ducking_changed.connect(self.set_ducking)
        self.controls.fades_changed.connect(self.set_fades)
        self.controls.framing_changed.connect(self.set_framing)
        self.view.key.connect(self._key)
        self.view.lane_menu.connect(self._lane_menu)
        self.view.files_dropped.connect(self.files_dropped)
        self.view.takes_drop = self.takes_drop
        self.header.play.clicked.connect(self.play_pause)
        self.header.lock.clicked.connect(lambda _checked=False: self.toggle_lock())
        self.header.zoom_in.clicked.connect(lambda: self.view.zoom(1.25))
        self.header.zoom_out.clicked.connect(lambda: self.view.zoom(0.8))
        self.header.export.clicked.connect(self.export)
        QApplication.instance().focusChanged.connect(self._focus_moved)

    def _focus_moved(self, _old, new) -> None:
        # A menu opened from the menu bar takes the focus for a moment: Edit ▸ Undo must still
        # act where the creator was working, so only a real widget moves the Edit menu's target.
        if new is None or isinstance(new, QMenu):
            return
        focused = new is self.view
        if focused != self.focused:
            self.focused = focused
            self.history_changed.emit()

    def say(self, message: str) -> None:
        self.window.say(message)

    # -- the project ---------------------------------------------------------------------
    def bind(self, project) -> None:
        self.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project, self.timeline, self._mix_for = project, None, None
        self._undo.clear()
        self._redo.clear()
        self.history_changed.emit()
        self.view.peaks.clear()
        self.view.thumbnails.clear()
        self.view.set_playhead(0.0)
        if project is not None:
            self._unsubscribe = project.subscribe(lambda _event, _line: self._later.start())
            self._draw_cards(project)
        self.rebuild()

    def _draw_cards(self, project) -> None:
        """Draw the scenes' title cards on a worker, so laying out never draws on the UI thread."""
        from studio.render.from_project import title_card

        folder, titles = Path(project.folder), [scene.title or "" for scene in project.scenes]

        def draw(state):
            for title in titles:
                title_card(folder, title)

        self.window.jobs.start(draw, "timeline-cards", "Drawing title cards", lambda _result: None, lane="io")

    def rebuild(self) -> None:
        """Lay the timeline out again from the project, keeping what the creator did to it."""
        if self.project is None:
            self.timeline, self.cues = None, []
            self.view.show_timeline(None, {}, [])
            self.preview.show_timeline(None, None, [], "16:9")
            self.controls.show_clip(None, None)
            self.header.hint.setText("")
            return
        from studio.render.from_project import build_timeline, lines_without_takes

        timeline = guarded(self.say, build_timeline, self.project, self.timeline if self.timeline else True)
        if timeline is None:
            return
        missing = lines_without_takes(self.project)
        self.header.hint.setText(f"{len(missing)} line{'s' if len(missing) != 1 else ''} without a take"
                                 if missing else "")
        if timeline != self.timeline:
            self._set(timeline)
        else:  # the project's format may have changed
            self.preview.show_timeline(self.project.folder, timeline, self.cues, self.project.manifest.format,
                                      look_of(self.project.manifest))

    def _set(self, timeline) -> None:
        from studio.render.from_project import save_timeline, timeline_cues

        self.timeline = timeline
        guarded(self.say, save_timeline, self.project, timeline)
        self.cues = guarded(self.say, timeline_cues, self.project, timeline) or []
        selected = self.view.selected if any(c.id == self.view.selected for c in timeline.clips) else None
        self.view.show_timeline(timeline, clip_labels(self.project, timeline), self.cues)
        self.view.select(selected)
        self.preview.show_timeline(self.project.folder, timeline, self.cues, self.project.manifest.format,
                                      look_of(self.project.manifest))
        self._sync_lock()
        self._fetch_media()

    # -- edits ---------------------------------------------------------------------------
    def _apply(self, timeline, label: str, merge=None, music=KEEP) -> None:
        """Replace the timeline; the old one goes on the undo stack, unless this is another step
        of the same control moments after the last (`merge` names what it changes). `music` is
        stitch.toml's music line before this edit, when the edit changed it."""
        if timeline is None or timeline == self.timeline:
            return
        now = time.monotonic()
        last, when = self._merging
        if not (merge is not None and self._undo and merge == last and now - when < MERGE_SECONDS):
            self._undo.append((self.timeline, label, music))
        self._merging = (merge, now)
        self._redo.clear()
        self._set(timeline)
        self.history_changed.emit()

    def move(self, clip_id: str, start: float) -> None:
        if self.timeline is not None:
            moved = guarded(self.say, self.timeline.move, clip_id, start)
            if moved is None:
                self._set(self.timeline)  # put the dragged block back
            self._apply(self._fill_around(moved, clip_id), "Move clip")

    def trim(self, clip_id: str, edge: str, t: float) -> None:
        if self.timeline is not None:
            trimmed = guarded(self.say, self.timeline.trim_edge, clip_id, edge, t)
            if trimmed is None:
                self._set(self.timeline)  # put the dragged edge back
            self._apply(self._fill_around(trimmed, clip_id), "Trim clip")

    def _fill_around(self, timeline, clip_id: str):
        """An image moved or trimmed by hand: the other scenes' images are laid out around it at once."""
        from studio.render.from_project import relayout

        if timeline is None or timeline.clip(clip_id).track != "image":
            return timeline
        return guarded(self.say, relayout, self.project, timeline, timeline.gap)

    def set_gap(self, gap: float) -> None:
        """The gap between all lines: the script is laid out again (locked clips stay)."""
        from studio.render.from_project import relayout

        if self.timeline is not None and abs(gap - self.timeline.gap) > 1e-9:
            self._apply(guarded(self.say, relayout, self.project, self.timeline, gap), "Change the gap", merge="gap")
            self._sync_controls()

    def set_line_gap(self, line_id: str, gap: float) -> None:
        from studio.render.from_project import relayout

        if self.timeline is None:
            return
        recorded = guarded(self.say, self.timeline.with_line_gap, line_id, gap)
        if recorded is not None:
            self._apply(guarded(self.say, relayout, self.project, recorded, self.timeline.gap), "Change a gap", merge=("gap", line_id))
        self._sync_controls()

    def set_ducking(self, amount_db: float, attack: float, release: float) -> None:
        if self.timeline is not None:
            self._apply(guarded(self.say, self.timeline.set_ducking, amount_db, attack, release), "Change ducking", merge="ducking")
            self._sync_controls()

    def set_fades(self, clip_id: str, fade_in: float, fade_out: float) -> None:
        if self.timeline is not None:
            self._apply(guarded(self.say, self.timeline.set_fades, clip_id, fade_in, fade_out), "Change fades", merge=("fades", clip_id))
            self._sync_controls()

    def set_framing(self, clip_id: str, start_zoom: float, end_zoom: float, direction: str) -> None:
        from studio.render.timeline import PanZoom

        if self.timeline is None:
            return
        framing = guarded(self.say, PanZoom.framing, start_zoom, end_zoom, direction)
        if framing is not None:
            self._apply(guarded(self.say, self.timeline.set_pan_zoom, clip_id, framing), "Change framing", merge=("framing", clip_id))
        self._sync_controls()

    def _sync_controls(self) -> None:
        """Show the timeline's values again (a refused edit puts the old number back)."""
        self.controls.show_clip(self.timeline, self.view.selected)

    def toggle_lock(self) -> None:
        clip_id = self.view.selected
        if self.timeline is None or clip_id is None:
            self.say("Select a clip on the timeline to lock it.")
            self._sync_lock()
            return
        clip = self.timeline.clip(clip_id)
        self._apply(self.timeline.lock(clip_id, not clip.locked), "Unlock clip" if clip.locked else "Lock clip")

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str:
        return self._undo[-1][1] if self._undo else ""

    @property
    def redo_label(self) -> str:
        return self._redo[-1][1] if self._redo else ""

    def undo(self) -> None:
        if self._undo:
            self._merging = (None, 0.0)
            before, label, music = self._undo.pop()
            self._redo.append((self.timeline, label, self._swap_music(music)))
            self._set(before)
            self.say(f"Undid {label.lower()}.")
            self.history_changed.emit()

    def redo(self) -> None:
        if self._redo:
            self._merging = (None, 0.0)
            after, label, music = self._redo.pop()
            self._undo.append((self.timeline, label, self._swap_music(music)))
            self._set(after)
            self.say(f"Redid {label.lower()}.")
            self.history_changed.emit()

    def _swap_music(self, music):
        """Put stitch.toml's music line back as `music` (an undo or redo); what it was comes back."""
        if music is KEEP or self.project is None:
            return KEEP
        was = self.project.manifest.music
        guarded(self.say, self.project.manifest.set_music, self.project.folder, music)
        return was

    # -- music, by reference -------------------------------------------------------------------
    def set_music(self, source: str | None) -> None:
        """The project's music bed: `[timeline] music` in stitch.toml names `source` (a file in
        the folder, used where it lies); "" means no music. Undoable; the Music lane shows it at once."""
        from studio.render.from_project import build_timeline

        if self.project is None or self.timeline is None:
            self.say("Open a project first: its music is a sound file in its folder.")
            return
        if source == "" and not self.timeline.track("music"):
            self.say("There is no music on the timeline to remove.")
            return
        manifest, folder = self.project.manifest, self.project.folder
        before = manifest.music
        try:
            manifest.set_music(folder, source)
        except StudioError as exc:
            self.say(exc.message)
            return
        base = self.timeline
        for clip in base.track("music"):  # the new bed replaces the old one, even one moved by hand
            base = base.remove(clip.id)
        timeline = guarded(self.say, build_timeline, self.project, base)
        if timeline is None:
            guarded(self.say, manifest.set_music, folder, before)
            return
        label = "Remove music" if not source else "Add music"
        self._apply(timeline, label, music=before)
        self.say(f"Music: {source}, used where it is in the project folder." if source else
                 "Music removed from the timeline (the file stays where it is).")

    def add_music(self) -> None:
        """Add music…: choose a sound file in the project folder; it is used where it lies."""
        if self.project is None:
            self.say("Open a project first: its music is a sound file in its folder.")
            return
        folder = Path(self.project.folder).resolve()
        chosen, _ = QFileDialog.getOpenFileName(self.window, "Add music", str(folder), SOUND_FILTER)
        if not chosen:
            return
        path = Path(chosen).resolve()
        try:
            relative = path.relative_to(folder).as_posix()
        except ValueError:
            self.say(f"{path.name} is outside the project folder. Music is used where it lies, never copied: "
                     f"put it in {folder.name} (in audio/, say) and add it again.")
            return
        if path.suffix.lower() not in MUSIC_SUFFIXES:
            self.say(f"{path.name} is not a sound file the studio plays: choose one ending in "
                     + ", ".join(MUSIC_SUFFIXES) + ".")
            return
        self.set_music(relative)

    def music_menu(self) -> QMenu:
        """The Music lane's right-click menu: add (or replace) and remove the bed."""
        menu = QMenu(self)
        has = bool(self.timeline and self.timeline.track("music"))
        add = menu.addAction("Replace music…" if has else "Add music…")
        add.triggered.connect(lambda _checked=False: self.add_music())
        remove = menu.addAction("Remove music")
        remove.setEnabled(has)
        remove.triggered.connect(lambda _checked=False: self.set_music(""))
        return menu

    def _lane_menu(self, track: str, where) -> None:
        if track == "music":
            self.music_menu().exec(where)

    def _sync_lock(self) -> None:
        self._sync_controls()
        clip_id = self.view.selected
        locked = bool(self.timeline and clip_id and self.timeline.clip(clip_id).locked)
        self.header.lock.setChecked(locked)
        self.header.lock.setText("Locked" if locked else "Lock")

    # -- selection, both ways ---------------------------------------------------------------
    def clip_clicked(self, clip_id: str) -> None:
        self.view.select(clip_id)
        self._sync_lock()
        clip = self.timeline.clip(clip_id)
        if clip.track == "voice":
            self.window.editor.select_line(clip.ref)
        elif clip.track == "image":
            scene = next((s for s in self.project.scenes if s.id == clip.ref and s.lines), None)
            if scene is not None:
                self.window.editor.select_line(scene.lines[0].id)

    def show_line(self, line_id) -> None:
        clip = self.timeline.clip_for(line_id) if self.timeline is not None and line_id else None
        if clip is None or clip.id == self.view.selected:
            return
        selected = next((c for c in self.timeline.clips if c.id == self.view.selected), None)
        scene = next((line.scene_id for line in self.project.lines if line.id == line_id), None)
        if selected is not None and selected.track == "image" and selected.ref == scene:
            return  # the image of the line's scene was clicked: it stays selected (and its framing shown)
        self.view.select(clip.id, reveal=True)
        self._sync_lock()

    # -- waveforms and thumbnails, made in a job --------------------------------------------
    def _fetch_media(self) -> None:
        folder = Path(self.project.folder)
        sounds = sorted({c.source for c in self.timeline.clips if c.track in ("voice", "music")} - set(self.view.peaks))
        pictures = sorted({c.source for c in self.timeline.track("image")} - set(self.view.thumbnails))
        if not sounds and not pictures:
            return

        def work(state):
            from PySide6.QtGui import QImageReader

            from studio.render.waveform import peaks

            found: dict = {"peaks": {}, "thumbs": {}}
            for source in sounds:
                if state.is_cancelled():
                    break
                try:
                    found["peaks"][source] = peaks(folder / source)
                except (StudioError, OSError, RuntimeError, ValueError):
                    continue  # drawn without a waveform; playing or exporting it says why
            for source in pictures:
                reader = QImageReader(str(folder / source))  # QImage is safe off the UI thread, QPixmap is not
                size = reader.size()
                if size.isValid() and size.height() > 0:
                    reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
                image = reader.read()
                if not image.isNull():
                    found["thumbs"][source] = image
            return found

        def done(found) -> None:
            self.view.peaks.update(found["peaks"])
            self.view.thumbnails.update({k: QPixmap.fromImage(v) for k, v in found["thumbs"].items()})
            self.view.viewport().update()

        self.window.jobs.start(work, "timeline-media", "Drawing the timeline", done, lane="io")

    # -- the dock and the export ------------------------------------------------------------
    def show_or_hide(self) -> None:
        """Ctrl+Shift+T: a hidden or unfocused timeline is shown and takes the keyboard; only a
        timeline the creator is working in is put away (the keyboard goes back to the script)."""
        if self.dock.isVisible() and self.view.hasFocus():
            self.dock.hide()
            self.window.editor.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.dock.show()
        self.dock.raise_()
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def export(self) -> None:
        from studio.ui.timeline.export_dialog import open_export

        open_export(self.window)


def install_timeline(window: QMainWindow) -> TimelinePanel:
    """The panel in a dock under the script, View ▸ Timeline and File ▸ Export… (Ctrl+E)."""
    panel = TimelinePanel(window)
    dock = QDockWidget("Timeline", window)
    dock.setObjectName("timeline_dock")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.resizeDocks([dock], [270], Qt.Orientation.Vertical)
    panel.dock = dock
    panel.preview_dock = install_preview(window, panel.preview)
    window.editor.line_selected.connect(panel.show_line)

    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    toggle = dock.toggleViewAction()
    toggle.setText("&Timeline\tCtrl+Shift+T")  # the menu shows the key; the window's action below owns it
    if menus.get("V&iew") is not None:
        menus["V&iew"].addAction(toggle)
    panel.show_hide_action = QAction("Show or Hide the Timeline", window)
    panel.show_hide_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
    panel.show_hide_action.triggered.connect(lambda _checked=False: panel.show_or_hide())
    window.addAction(panel.show_hide_action)
    panel.export_action = QAction("&Export…", window)
    panel.export_action.setShortcut(QKeySequence("Ctrl+E"))
    panel.export_action.setStatusTip("Export the timeline as a video, with a progress bar and cancel")
    panel.export_action.triggered.connect(lambda _checked=False: panel.export())
    panel.add_music_action = QAction("Add &Music…", window)
    panel.add_music_action.setStatusTip("Choose a sound file in the project folder as the music bed (used where it is)")
    panel.add_music_action.triggered.connect(lambda _checked=False: panel.add_music())
    panel.remove_music_action = QAction("Remove M&usic", window)
    panel.remove_music_action.setStatusTip("Take the music bed off the timeline (the file stays where it is)")
    panel.remove_music_action.triggered.connect(lambda _checked=False: panel.set_music(""))
    file = menus.get("&File")
    if file is not None:
        quit_ = next((a for a in file.actions() if a.text() == "&Quit"), None)
        for act in (panel.add_music_action, panel.remove_music_action, panel.export_action):
            file.insertAction(quit_, act)
        file.insertSeparator(quit_)
    return panel


# The keys' and playback's names stay importable from here.
__all__ = ["KEY_STEP_SECONDS", "MERGE_SECONDS", "MIX_FILE", "NUDGE_SECONDS", "THUMB", "TimelinePanel", "install_timeline"]
