"""A project: one folder, its script, what the studio knows about each line, and undo.

`Project.open` never rewrites the creator's files; edits live in memory until
`save()`, and every edit is one undoable step. Takes are the exception: a finished
render is recorded at once, because losing it would cost the creator time.
The UI and the CLI both go through this class; it knows nothing about Qt.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from studio.errors import ProjectError
from studio.project import lock, session
from studio.project.files import ProjectFiles
from studio.project.folder import (
    ScriptChoiceNeeded,
    check_writable,
    choose_script,
    script_candidates,
    script_kind,
    starter_script,
)
from studio.project.checks import ProjectChecks
from studio.project.conventions import not_spoken, spoken_text
from studio.project.history import History
from studio.project.identity import new_id
from studio.project.images import ProjectImages
from studio.project.leftovers import STALE_PREVIEW_S, clear_stale_previews, clear_stale_scratch
from studio.project.lines import (
    LINES_FILE,
    NO_SETTINGS,
    PAUSE_RANGE,
    LineBook,
    LineSettings,
    RetiredLine,
    attach_ids,
    retire,
)
from studio.project.manifest import SPEED_RANGE, Manifest
from studio.project.paths import refuse_studio_links
from studio.project.script import Line, Scene, ScriptDocument, normalise_text
from studio.project.readers import READ_ONLY_KINDS
from studio.project.scriptfile import DiskScript, ScriptFile, read_only_error
from studio.project.session import Recovery
from studio.project.shapes import lines_shape
from studio.storage import atomic_write_text, read_json
from studio.project.takes import Take, TakeStore
from studio.project.trash import ProjectTakes, Trash
from studio.project.voicebook import ProjectVoiceBook, read_book

__all__ = ["Project", "Recovery", "ScriptChoiceNeeded"]

log = logging.getLogger(__name__)

Observer = Callable[[str, "str | None"], None]
_MISSING = object()


@dataclass(frozen=True)
class _State:
    """One undo snapshot: the document (ids included) and what the studio knows per line."""

    doc: ScriptDocument
    settings: dict
    retired: tuple
    book: tuple = ({}, {})  # (pronunciations, blends)
    trashed: frozenset = frozenset()  # ids of deleted takes
    images: tuple = ()  # (scene id, SceneImage) pairs: prompts typed in the panel, chosen images


class Project(ProjectFiles, ProjectVoiceBook, ProjectTakes, ProjectChecks, ProjectImages):
    """An open project. Used from one thread (the UI's or the CLI's); `takes` is safe from any."""

    def __init__(self, folder: Path, manifest: Manifest, script_path: Path, disk: DiskScript, takes: TakeStore):
        # Use Project.open(); this only assembles the parts it prepared.
        self.folder = folder
        self.manifest = manifest
        self.script_path = script_path
        self.takes = takes
        self._kind = script_kind(script_path)
        self._file = ScriptFile(script_path, disk)
        self._doc = ScriptDocument.parse(disk.text, self._kind)
        self._settings: dict[str, LineSettings] = {}
        self._retired: tuple[RetiredLine, ...] = ()
        self._disk_lines: list[tuple[str, str]] = []  # (id, text) of the version on disk
        self._saved_settings: dict[str, LineSettings] = {}
        self._written_lines: dict | None = None  # lines.json as last read or written
        self._failures: dict[str, str] = {}
        self._history = History()
        self._observers: list[Observer] = []
        self._recovery: Recovery | None = None
        self._cache: dict = {}
        self._pronunciations, self._blends = read_book(folder)
        self._written_book = (dict(self._pronunciations), dict(self._blends))
        self._trash = Trash(folder)
        self._trashed = self._trash.ids()
        # Sentences about damaged studio files that were set aside while opening (shown once).
        self.notices: list[str] = list(takes.notices)

    # ---- opening ---------------------------------------------------------------------

    @staticmethod
    def script_candidates(folder: Path) -> list[str]:
        return script_candidates(Path(folder))

    @classmethod
    def open(cls, folder, script: str | None = None) -> "Project":
        folder = Path(folder).expanduser().absolute()
        if not folder.exists():
            raise ProjectError(f"There is no folder at {folder}. Choose a folder that exists; nothing was changed.")
        if not folder.is_dir():
            raise ProjectError(f"{folder.name} is a file, not a folder. Open the folder that holds it.")
        # Everything is read and checked before anything is written; the studio's folders
        # must be real ones, or its writes and deletes would land where the links point.
        refuse_studio_links(folder)
        manifest = Manifest.load(folder)
        script_path, relative, exists = choose_script(folder, manifest, script)
        disk = DiskScript.read(script_path) if exists else None
        takes = TakeStore(folder)
        stored_lines = read_json(folder / LINES_FILE, default=None, shape=lines_shape)
        book = LineBook.from_payload(stored_lines)
        other_session = session.lock_is_live(folder)
        check_writable(folder)
        other_session = lock.hold_open(folder) or other_session
        if other_session:
            lock.announce(f"{session.lock_holder(folder)} has this project open too; both keep their work "
                          "(each change to the records is made under a lock and merged).")

        if disk is None:
            atomic_write_text(script_path, starter_script(manifest.title or folder.name))
            disk = DiskScript.read(script_path)
        if not manifest.exists or not manifest.names_script or Path(manifest.script).as_posix() != relative:
            manifest.script = relative
            manifest.save(folder)
        (folder / "renders").mkdir(exist_ok=True)

        project = cls(folder, manifest, script_path, disk, takes)
        project._settings, project._retired = attach_ids(project._doc, book)
        project._disk_lines = project._current_lines()
        # Ids the studio just gave out must survive a crash: takes will point at them.
        project._written_lines = stored_lines
        project._write_lines()
        if not other_session:
            project._recovery = session.find_recovery(folder, script_path, disk.text, project._written_lines,
                                                      project.notices)
        session.write_lock(folder)
        clear_stale_previews(folder, STALE_PREVIEW_S if other_session else 0.0)  # pieces no render will finish
        clear_stale_scratch(folder, STALE_PREVIEW_S if other_session else 0.0)  # what a killed write left
        for notice in project.notices:
            log.warning("%s", notice)
        return project

    # ---- reading -----------------------------------------------------------------------

    @property
    def scenes(self) -> list[Scene]:
        return self._cached("scenes", self._doc.scenes)

    @property
    def lines(self) -> list[Line]:
        return self._cached("lines", lambda: [line for scene in self.scenes for line in scene.lines])

    def line(self, line_id: str) -> Line:
        return self.lines[self._index(line_id)]

    def scene_of(self, line_id: str) -> Scene:
        scene_id = self.line(line_id).scene_id
        return next(scene for scene in self.scenes if scene.id == scene_id)

    def spoken(self, line_id: str) -> str:
        """The words the voice reads for a line: its directions left out, a pause as "…"."""
        return spoken_text(self.line(line_id).text)

    def reading(self) -> list[tuple[str, str]]:
        """How the studio reads the script, in order: ("title" | "scene" | "line" | "speaker" |
        "direction" | "kept", text); a line's text is what is spoken."""
        out = []
        for kind, text in self._doc.outline():
            if kind == "line":
                out.append(("line", spoken_text(text)))
                out += [("direction", d) for d in not_spoken(text)]
            else:
                out.append((kind, text))
        return out

    @property
    def title(self) -> str:
        """The title the script gives itself, else stitch.toml's, else the folder's name."""
        return self._doc.title() or self.manifest.title or Path(self.folder).name

    def voice_of(self, line_id: str) -> str:
        own = self.line_voice(line_id)
        return own if own is not None else self.manifest.voice

    def speed_of(self, line_id: str) -> float:
        own = self.line_speed(line_id)
        return own if own is not None else self.manifest.speed

    def line_voice(self, line_id: str) -> str | None:
        return self._settings.get(line_id, NO_SETTINGS).voice

    def line_speed(self, line_id: str) -> float | None:
        return self._settings.get(line_id, NO_SETTINGS).speed

    def line_pause(self, line_id: str) -> float | None:
        """Seconds of silence after the line, as its direction says; None: the timeline's gap."""
        return self._settings.get(line_id, NO_SETTINGS).pause_after

    def chosen_take(self, line_id: str) -> Take | None:
        """The take that plays for this line: the chosen one, else the newest."""
        chosen = self._settings.get(line_id, NO_SETTINGS).chosen
        take = self.takes.get(chosen) if chosen else None
        if take is not None:
            return take
        newest = self.takes.for_line(line_id)
        return newest[0] if newest else None

    def takes_for(self, line_id: str) -> list[Take]:
        return self.takes.for_line(line_id)

    def failure(self, line_id: str) -> str | None:
        return self._failures.get(line_id)

    def line_state(self, line_id: str, current_key: str | None, final_key: str | None = None) -> str:
        """"none", "failed", "draft", "final", "other engine" or "stale" ("rendering" is known
        only to the jobs layer). "other engine": the chosen draft take has the line's words but
        was made by another engine than the draft engine now routed; the creator decides."""
        index = self._index_map().get(line_id)
        text = spoken_text(self._doc.line_texts()[index]) if index is not None else ""
        if not text:
            return "none"
        take = self.chosen_take(line_id)
        if take is not None and take.tier == "final":
            if take.cache_key == final_key or (final_key is None and take.text == text):
                return "final"
        elif take is not None and current_key is not None and take.cache_key == current_key:
            return "draft"
        elif take is not None and current_key is None and take.tier != "recording" and take.text == text:
            # The engine is not warm yet, so the current request is unknown: a take of these
            # very words is shown as it was, not as stale (it is checked once the engine is ready).
            return "draft"
        if take is not None and take.tier == "recording" and take.text == text:
            return "recording"  # the creator's own voice, imported by reference
        if line_id in self._failures:
            return "failed"
        if take is None:
            return "none"
        draft_engine = self.manifest.tts_draft
        if take.tier != "final" and draft_engine and take.engine != draft_engine and take.text == text:
            return "other engine"
        return "stale"

    # ---- undoable edits ------------------------------------------------------------------

    @property
    def read_only_script(self) -> bool:
        """A Word or Fountain script: the studio narrates it but the creator edits it elsewhere."""
        return self._kind in READ_ONLY_KINDS

    def _check_script_editable(self) -> None:
        if self.read_only_script:
            raise read_only_error(self.script_path.name)

    def edit_line(self, line_id: str, text: str) -> None:
        self._check_script_editable()
        index = self._index(line_id)
        text = normalise_text(text)
        if text == self._doc.line_texts()[index]:
            return
        self._failures.pop(line_id, None)
        # Typing in one line merges into one step (see History).
        self._edit("Edit line", lambda: self._doc.set_line_text(index, text), line_id, ("script", line_id))

    def set_line_voice(self, line_id: str, voice: str | None) -> None:
        self._index(line_id)
        self._change_settings(line_id, "Change voice", voice=voice or None)

    def set_line_speed(self, line_id: str, speed: float | None) -> None:
        self._index(line_id)
        if speed is not None:
            low, high = SPEED_RANGE
            if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not low <= speed <= high:
                raise ProjectError(f"A line's speed must be between {low} and {high}; {speed!r} is not.")
            speed = float(speed)
        self._change_settings(line_id, "Change speed", speed=speed)

    def set_line_pause(self, line_id: str, seconds: float | None) -> None:
        """The silence after a line (None: the timeline's usual gap). It changes no take: the
        timeline lays the next line out after it."""
        self._index(line_id)
        if seconds is not None:
            low, high = PAUSE_RANGE
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not low <= seconds <= high:
                raise ProjectError(f"The pause after a line must be between {low:g} and {high:g} seconds; {seconds!r} is not.")
            seconds = float(seconds)
        self._change_settings(line_id, "Change pause", pause_after=seconds)

    def insert_line(self, after_line_id: str | None, text: str = "", scene_id: str | None = None) -> str:
        """Add a line after `after_line_id`, or first in `scene_id` (the first scene when None)."""
        self._check_script_editable()
        line_id = self._fresh_id()
        if after_line_id is not None:
            after, scene_index = self._index(after_line_id), 0
        else:
            after, scene_index = None, self._scene_index(scene_id) if scene_id is not None else 0
        self._edit("Add line", lambda: self._doc.insert_line(after, text, scene_index, line_id))
        return line_id

    def delete_line(self, line_id: str) -> None:
        self._check_script_editable()
        index = self._index(line_id)

        def change():
            text = self._doc.line_texts()[index]
            settings = self._settings.pop(line_id, NO_SETTINGS)
            # Kept so that putting the same words back brings back their takes.
            if text.strip() or settings != NO_SETTINGS:
                self._retired = retire(self._retired, RetiredLine(line_id, text, settings))
            self._doc.remove_line(index)

        self._failures.pop(line_id, None)
        self._edit("Delete line", change)

    def add_scene(self, title: str, after_scene_id: str | None = None) -> str:
        """Add a scene after `after_scene_id`, or at the end of the script when None."""
        self._check_script_editable()
        after = self._scene_index(after_scene_id) if after_scene_id is not None else None
        scene_id = self._fresh_id()
        self._edit("Add scene", lambda: self._doc.add_scene(title, after, scene_id))
        return scene_id

    def choose_take(self, line_id: str, take_id: str) -> None:
        self._index(line_id)
        take = self.takes.get(take_id)
        if take is None or take.line_id != line_id:
            raise ProjectError("That take was not made for this line; choose one of this line's own takes.")
        self._change_settings(line_id, "Choose take", chosen=take_id)

    @contextmanager
    def one_step(self, label: str):
        """Every edit made inside is one undo step called `label` (an applied plan); if one of
        them refuses, all of them are taken back and nothing is left half-done. The dictionary
        and the scenes' file are written once, when the step ends, not once per edit."""
        if self.__dict__.get("_step") is not None:  # already inside one: it is part of that step
            yield
            return
        before = self._state()
        self._step = [False]
        try:
            yield
        except BaseException:
            self._step = None
            self._restore(before)
            raise
        changed, self._step = self._step[0], None
        if changed:
            try:
                self._write_voicebook()
                self._write_scene_images()
            except BaseException:
                self._restore(before)
                raise
            self._history.push(label, before, self._state())
            self._emit("script", None)

    def undo(self) -> bool:
        return self._restore(self._history.undo())

    def redo(self) -> bool:
        return self._restore(self._history.redo())

    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    @property
    def undo_label(self) -> str:
        return self._history.undo_label

    @property
    def redo_label(self) -> str:
        return self._history.redo_label

    # ---- takes and failures --------------------------------------------------------------

    def add_take(self, take: Take, choose: bool = True) -> None:
        line_id = take.line_id
        playing = self.chosen_take(line_id)
        self.takes.add(take)  # on disk before anything else: a crash must not lose a render
        self._failures.pop(line_id, None)
        if line_id in self._index_map() and playing is not None:
            if self._settings.get(line_id, NO_SETTINGS).chosen is None:
                # The newest take played by default; pin it, so a choice is undone back to it.
                self._settings[line_id] = replace(self._settings.get(line_id, NO_SETTINGS), chosen=playing.id)
                self._touch()
            if choose and playing.id != take.id:
                self._change_settings(line_id, "Use new take", chosen=take.id)
                return
        # A line's first take plays without being chosen: nothing for undo to take back.
        self._emit("line", line_id)

    def set_failed(self, line_id: str, message: str) -> None:
        self._failures[line_id] = message
        self._emit("line", line_id)

    # ---- observers -------------------------------------------------------------------

    def subscribe(self, callback: Observer) -> Callable[[], None]:
        """Call `callback(event, line_id)` on "script", "line", "saved", "reloaded" and "images"
        (a scene's image takes changed without an undoable edit: which picture is in use may have)."""
        self._observers.append(callback)

        def unsubscribe() -> None:
            if callback in self._observers:
                self._observers.remove(callback)

        return unsubscribe

    # ---- inside ----------------------------------------------------------------------

    def _emit(self, event: str, line_id: str | None) -> None:
        for callback in list(self._observers):
            try:
                callback(event, line_id)
            except Exception:
                # One broken view must not stop the others or the edit itself.
                log.exception("project observer failed on %s", event)

    def _touch(self) -> None:
        self._cache.clear()

    def _cached(self, key: str, compute):
        # One lookup, not check-then-read: a reader on a worker thread may race a clear.
        value = self._cache.get(key, _MISSING)
        if value is _MISSING:
            value = self._cache[key] = compute()
        return value

    def _index_map(self) -> dict[str, int]:
        return self._cached("index", lambda: {line_id: i for i, line_id in enumerate(self._doc.line_ids())})

    def _index(self, line_id: str) -> int:
        index = self._index_map().get(line_id)
        if index is None:
            raise ProjectError("That line is no longer in the script (it was deleted or changed elsewhere); pick it again.")
        return index

    def _scene_index(self, scene_id: str) -> int:
        try:
            return self._doc.scene_ids().index(scene_id)
        except ValueError:
            raise ProjectError("That scene is no longer in the script; pick it again.") from None

    def _fresh_id(self) -> str:
        taken = set(self._index_map()) | {line.id for line in self._retired} | set(self._doc.scene_ids())
        while (candidate := new_id()) in taken:
            pass
        return candidate

    def _state(self) -> _State:
        book = (dict(self._pronunciations), dict(self._blends))
        return _State(self._doc.copy(), dict(self._settings), self._retired, book, self._trashed, self._image_state())

    def _edit(self, label: str, change, merge_key: str | None = None, event=("script", None)) -> None:
        step = self.__dict__.get("_step")
        before = self._state() if step is None else None
        change()
        if step is not None:  # inside `one_step`: that step writes and is pushed when it ends
            step[0] = True
            self._touch()
            return
        self._write_voicebook()
        self._history.push(label, before, self._state(), merge_key)
        self._touch()
        self._emit(*event)

    def _change_settings(self, line_id: str, label: str, **values) -> None:
        current = self._settings.get(line_id, NO_SETTINGS)
        wanted = replace(current, **values)
        if wanted == current:
            return
        if "voice" in values or "speed" in values:
            self._failures.pop(line_id, None)  # a new voice or speed is a new request

        def change():
            if wanted == NO_SETTINGS:
                self._settings.pop(line_id, None)
            else:
                self._settings[line_id] = wanted

        self._edit(label, change, event=("line", line_id))

    def _restore(self, state: _State | None) -> bool:
        if state is None:
            return False
        self._doc = state.doc.copy()
        self._settings = dict(state.settings)
        self._retired = state.retired
        self._pronunciations, self._blends = dict(state.book[0]), dict(state.book[1])
        self._write_voicebook()
        self._sync_trash(state.trashed)
        self._restore_images(state.images)
        self._touch()
        self._emit("script", None)
        return True
