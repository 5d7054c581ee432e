"""Deleting takes without losing them by mistake: `.stitch/trash/`.

A deleted take's record moves to `.stitch/trash/trash.json` and its audio file to
`.stitch/trash/`, unless another take still plays that file (a cached render shared
by two lines). So a delete is undoable, and disk space comes back when the creator
empties the trash. A recording imported as a take is the creator's own file: it is
never moved, only its record goes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from studio.errors import ProjectError
from studio.project.leftovers import Leftovers, find_leftovers, free_leftovers, free_take_leftovers
from studio.project.lines import NO_SETTINGS
from studio.project.lock import records_lock
from studio.project.paths import delete_own, inside_project, is_inside, may_delete, refuse_studio_links, studio_link
from studio.project.shapes import take_problem, trash_shape
from studio.storage import atomic_write_json, read_json
from studio.project.takes import Take

TRASH_DIR = Path(".stitch") / "trash"
BIN_FILE = "trash.json"
TRASH_FILE = TRASH_DIR / BIN_FILE
RECORDING = "recording"  # the tier of a take that is the creator's own recording


class TakeBin:
    """Deleted takes of one kind: their records in `<folder>/<directory>/trash.json`, the files
    the studio made for them beside it. A file is moved only when `owned(take)` says the studio
    made it and no live take still uses it; takes deleted together that share a file share
    its name in the bin, so any of them brings it back."""

    def __init__(self, folder: Path, directory: Path, record: Callable[[dict], Any], owned: Callable[[Any], bool],
                 problem: Callable[[dict], str | None] = take_problem):
        self.folder = Path(folder)
        self._relative = Path(directory).as_posix()
        self._dir = self.folder / directory
        self._record = record
        self._owned = owned
        self._problem = problem
        self._items: dict[str, tuple[Any, str | None]] = {}
        self._raw: list = []  # entries this studio cannot use (a path out of the folder, a damaged record): kept as they are
        self._load()

    def _load(self) -> None:
        """The bin as it is on disk (another process may have changed it)."""
        # A file of the wrong shape is refused with a sentence, never counted as empty.
        data = read_json(self._dir / BIN_FILE, default={"takes": []}, shape=trash_shape)
        self._items, self._raw = {}, []
        for item in data["takes"]:
            if self._problem(item["take"]) is not None or not is_inside(self.folder, item["take"].get("path")):
                self._raw.append(item)  # never brought back to, nor deleted at, a place outside
                continue
            name = item.get("file")
            self._items[item["take"]["id"]] = (self._record(item["take"]), name if _bin_name(name) else None)

    def ids(self) -> frozenset[str]:
        return frozenset(self._items)

    def takes(self) -> list:
        """The trashed takes' records: undo can still bring these back."""
        return [take for take, _ in self._items.values()]

    def trash_from(self, store, ids) -> frozenset[str]:
        """Take these ids out of `store` (a take store) and into the bin; the ids it held."""
        with records_lock(self.folder):
            removed = store.remove(ids)
            self.put(removed, {take.path for take in store.all()})
        return frozenset(take.id for take in removed)

    def put(self, takes: list, paths_in_use: set[str]) -> None:
        """Keep these (already unrecorded) takes; move each studio-made file no live take still uses."""
        with records_lock(self.folder):
            self._load()
            refuse_studio_links(self.folder, self._relative)
            moving: dict[str, str] = {}
            for take in takes:
                name = None
                if self._owned(take) and take.path not in paths_in_use and (take.path in moving or self._movable(take.path)):
                    name = moving.setdefault(take.path, f"{take.id}-{Path(take.path).name}")
                self._items[take.id] = (take, name)
            self._write()  # the records first: a crash mid-move leaves files the trash knows
            self._dir.mkdir(parents=True, exist_ok=True)
            for path, name in moving.items():
                os.replace(inside_project(self.folder, path, "A deleted take's file"), self._dir / name)

    def take_back(self, take_ids) -> list:
        """The takes' records, their files moved back to where the records say."""
        back = []
        with records_lock(self.folder):
            self._load()
            for take_id in take_ids:
                item = self._items.pop(take_id, None)
                if item is None:
                    continue  # emptied from the trash since: gone for good
                take, name = item
                target = inside_project(self.folder, take.path, "A deleted take's file")
                source = self._dir / name if name else None
                if source is not None and may_delete(self.folder, source) and not os.path.lexists(target):
                    refuse_studio_links(self.folder, Path(take.path).parent.as_posix())
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, target)
                back.append(take)
            if back:
                self._write()
        return back

    def restore(self, store, had: frozenset, wanted: frozenset) -> frozenset[str]:
        """Make `store` and the bin match an undo snapshot that trashed `wanted` (`had` is
        trashed now): bring back or throw away; the ids trashed afterwards."""
        for take in self.take_back(had - wanted):
            store.add(take)
        again = [take_id for take_id in wanted - had if store.get(take_id) is not None]
        if again:
            self.trash_from(store, again)
        return frozenset(wanted) & self.ids()

    def size(self) -> int:
        """Bytes the bin holds on disk (its own files only: never through a link)."""
        if studio_link(self.folder, self._relative) is not None or not self._dir.is_dir():
            return 0
        return sum(p.stat().st_size for p in self._dir.iterdir()
                   if p.name != BIN_FILE and may_delete(self.folder, p))

    def empty(self) -> int:
        """Delete the trashed files and records for good; returns the bytes freed."""
        with records_lock(self.folder):
            self._load()
            names = {name for _, name in self._items.values() if name}
            self._items = {}
            self._write()  # the records first: a crash now leaves orphans (`leftovers.find_leftovers`), never a broken take
            return sum(delete_own(self.folder, self._dir / name) for name in names)

    def _movable(self, path: str) -> bool:
        """A file the studio may move into the bin: inside the project, a plain file, not a link."""
        return is_inside(self.folder, path) and may_delete(self.folder, self.folder / path)

    def _write(self) -> None:
        atomic_write_json(self._dir / BIN_FILE, {
            "schema": 1,
            "takes": [{"take": take.to_dict(), "file": name} for take, name in self._items.values()] + self._raw,
        })


def _bin_name(name) -> bool:
    """A file name the bin itself gave out: one plain name, never a path."""
    return (isinstance(name, str) and bool(name) and name not in (".", "..") and not name.startswith(".")
            and "/" not in name and "\\" not in name and "\x00" not in name and ":" not in name)


class Trash(TakeBin):
    """The deleted voice takes of one project and their audio; a recording the creator
    imported is their own file, never moved."""

    def __init__(self, folder: Path):
        super().__init__(folder, TRASH_DIR, Take.from_dict,
                         lambda take: take.tier != RECORDING and take.path.startswith("renders/"))

    def empty(self, kept=()) -> int:
        """Also free what the studio kept beside the emptied takes (checks, timings, loudness)
        that no `kept` take still needs."""
        gone = self.takes()
        return super().empty() + free_take_leftovers(self.folder, gone, kept)


class ProjectTakes:
    """Deleting and comparing takes: part of `Project` (see files.py for why it is split)."""

    def delete_take(self, take_id: str) -> None:
        """Throw one take away (undoable); the line falls back to its newest remaining take."""
        take = self.takes.get(take_id)
        if take is None:
            raise ProjectError("That take is no longer in the project; pick another one.")
        self._delete_takes([take], "Delete take")

    def keep_only_chosen(self, line_id: str | None = None) -> int:
        """Delete every take but the chosen one, of one line or of every line; returns how many."""
        line_ids = [line_id] if line_id is not None else [line.id for line in self.lines]
        doomed = []
        for one in line_ids:
            self._index(one)
            keep = self.chosen_take(one)
            doomed += [take for take in self.takes.for_line(one) if keep is None or take.id != keep.id]
        if doomed:
            self._delete_takes(doomed, "Keep only chosen takes")
        return len(doomed)

    def ab_pair(self, line_id: str) -> tuple[Take | None, Take | None]:
        """(chosen, previous): the take that plays and the newest other one that sounds different."""
        chosen = self.chosen_take(line_id)
        others = [t for t in self.takes_for(line_id) if chosen is None or t.id != chosen.id]
        different = [t for t in others if chosen is None or t.cache_key != chosen.cache_key]
        return chosen, (different or others or [None])[0]

    def trash_size(self) -> int:
        return self._trash.size() + self._image_bin().size()  # deleted image takes too (images.py)

    def empty_trash(self) -> int:
        """Free the disk space of deleted takes; they can no longer be brought back by undo."""
        freed = self._trash.empty(kept=self.takes.all()) + self._empty_image_trash()
        self._trashed = frozenset()
        return freed

    def leftovers(self) -> Leftovers:
        """Checks, timings and loudness entries that no live or trashed take needs (left by
        takes removed before the trash freed them, or by hand)."""
        return find_leftovers(self.folder, [*self.takes.all(), *self._trash.takes()])

    def free_leftovers(self, found: Leftovers | None = None) -> int:
        """Remove what `leftovers()` finds; returns the bytes freed."""
        return free_leftovers(self.folder, found if found is not None else self.leftovers())

    def _delete_takes(self, takes: list[Take], label: str) -> None:
        ids = {take.id for take in takes}

        def change():
            for line_id in {take.line_id for take in takes}:
                settings = self._settings.get(line_id)
                if settings is not None and settings.chosen in ids:
                    wanted = replace(settings, chosen=None)
                    if wanted == NO_SETTINGS:
                        self._settings.pop(line_id)
                    else:
                        self._settings[line_id] = wanted
            self._trash_takes(ids)

        self._edit(label, change, event=("script", None))

    def _trash_takes(self, ids) -> None:
        self._trashed = self._trashed | self._trash.trash_from(self.takes, ids)

    def _sync_trash(self, trashed: frozenset) -> None:
        """Make the takes on disk match an undo snapshot: bring back or throw away."""
        self._trashed = self._trash.restore(self.takes, self._trashed, trashed)
