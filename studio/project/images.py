"""Scene images: each scene's prompt, its image takes, and the one it uses.

`.stitch/images.json` holds every image take (a render, a variation, a cleanup, or
one of the creator's own pictures, recorded by reference and never copied or
changed). `.stitch/scenes.json` holds what the creator set per scene: a prompt typed
in the panel, a negative prompt (what the picture must not show; a plan sets it) and
the chosen take. A scene's prompt is, in order: the one set in the
panel (unless the script's `[image: ...]` direction was edited since), the script's
direction, or a suggestion made from the scene's title and first line. Choosing an
image and setting a prompt are undoable; both files are written at once.

A deleted image take goes to `.stitch/trash/images/` as voice takes go to the trash
(`trash.py`): undo brings it back, emptying the trash frees the disk. A picture of the
creator's is only forgotten: its file is never moved.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path

from studio.errors import ProjectError, StudioError
from studio.project.conventions import scene_name, spoken_text
from studio.project.folder import creator_files
from studio.project.lock import records_lock
from studio.project.manifest import safe_path
from studio.project.paths import is_inside
from studio.project.shapes import image_take_problem, scenes_shape, takes_shape
from studio.project.takes import file_signature
from studio.storage import atomic_write_json, read_json
from studio.project.trash import TRASH_DIR, TakeBin

IMAGES_FILE = Path(".stitch") / "images.json"
SCENES_FILE = Path(".stitch") / "scenes.json"
IMAGE_TRASH = TRASH_DIR / "images"  # a folder of its own: the voice trash counts only its own files
IMAGE_RENDERS = "renders/images"
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
_DIRECTION = re.compile(r"^\[\s*image\s*:\s*(.*?)\s*\]$", re.IGNORECASE | re.DOTALL)
_SCHEMA = 1


@dataclass
class ImageTake:
    id: str
    scene_id: str
    path: str  # posix, relative to the project: "renders/images/ab12....png" or the creator's own file
    request: dict = field(default_factory=dict)  # ImageRequest.to_dict(), or what a cleanup did
    seed: int | None = None
    source: str = ""  # the take id (or creator file) a variation or cleanup was made from
    pinned: bool = False
    created: str = ""  # ISO 8601, UTC
    seconds: float = 0.0  # wall time the render took
    kind: str = "render"  # "render", "variation", "cleanup" or "creator" (by reference)
    cache_key: str = ""

    @property
    def prompt(self) -> str:
        return str(self.request.get("prompt", ""))

    @property
    def by_reference(self) -> bool:
        return self.kind == "creator"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ImageTake":
        # A newer studio's keys are ignored; an older one's missing keys take their defaults.
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def new_image_take(scene_id: str, path: str, **values) -> ImageTake:
    values.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
    return ImageTake(id=uuid.uuid4().hex[:12], scene_id=scene_id, path=path, **values)


class ImageTakeStore:
    """Every image take of one project. Safe to use from worker threads."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._path = self.folder / IMAGES_FILE
        self._lock = threading.Lock()
        self._signature = None
        self._unread: list = []
        self._load()

    def add(self, take: ImageTake) -> None:
        with records_lock(self.folder), self._lock:
            self._load()  # what another process recorded meanwhile is kept
            if any(t.id == take.id for t in self._takes):
                return
            self._write(self._takes + [take])  # the disk first: a refusal leaves the store as the file says
            self._takes.append(take)

    def remove(self, take_ids) -> list[ImageTake]:
        """Forget these takes (their files are left where they are); returns the ones that were here."""
        with records_lock(self.folder), self._lock:
            self._load()
            gone = [t for t in self._takes if t.id in take_ids]
            if gone:
                kept = [t for t in self._takes if t.id not in take_ids]
                self._write(kept)
                self._takes = kept
            return gone

    def set_pinned(self, take_id: str, pinned: bool) -> ImageTake:
        with records_lock(self.folder), self._lock:
            self._load()
            index = next((i for i, t in enumerate(self._takes) if t.id == take_id), None)
            if index is None:
                raise ProjectError("That image is no longer in the project; pick another one.")
            takes = list(self._takes)
            takes[index] = ImageTake.from_dict({**takes[index].to_dict(), "pinned": bool(pinned)})
            self._write(takes)
            self._takes = takes
            return takes[index]

    def _load(self) -> None:
        signature = file_signature(self._path)
        # A file of the wrong shape is refused with a sentence, never counted as empty; records
        # this studio cannot use are kept verbatim in every rewrite.
        data = read_json(self._path, default={"takes": []}, shape=takes_shape)
        self._unread = [r for r in data["takes"] if image_take_problem(r) is not None]
        records = [r for r in data["takes"] if image_take_problem(r) is None]
        # A picture whose path leads outside the folder is kept in the file but never shown or used.
        self._refused = [r for r in records if not is_inside(self.folder, r.get("path"))]
        self._takes = [ImageTake.from_dict(r) for r in records if is_inside(self.folder, r.get("path"))]
        self._signature = signature

    def _catch_up(self) -> None:
        if file_signature(self._path) != self._signature:
            try:
                self._load()
            except StudioError:
                pass  # damaged meanwhile: what this process knows stays in use

    def get(self, take_id: str | None) -> ImageTake | None:
        with self._lock:
            self._catch_up()
            return next((t for t in self._takes if t.id == take_id), None)

    def for_scene(self, scene_id: str) -> list[ImageTake]:
        """The scene's takes, newest first."""
        with self._lock:
            self._catch_up()
            mine = [t for t in self._takes if t.scene_id == scene_id]
        mine.reverse()
        mine.sort(key=lambda t: t.created, reverse=True)
        return mine

    def find_by_key(self, cache_key: str) -> ImageTake | None:
        """The newest take made from this exact request whose file is still there."""
        if not cache_key:
            return None
        with self._lock:
            self._catch_up()
            candidates = [t for t in reversed(self._takes) if t.cache_key == cache_key]
        return next((t for t in candidates if is_inside(self.folder, t.path) and (self.folder / t.path).is_file()), None)

    def all(self) -> list[ImageTake]:
        with self._lock:
            self._catch_up()
            return list(self._takes)

    def _write(self, takes: list[ImageTake]) -> None:
        atomic_write_json(self._path, {"schema": _SCHEMA, "takes": [t.to_dict() for t in takes] + self._refused + self._unread})
        self._signature = file_signature(self._path)


def image_trash(folder: Path) -> TakeBin:
    """Deleted image takes; a picture of the creator's, taken by reference, is never moved."""
    return TakeBin(folder, IMAGE_TRASH, ImageTake.from_dict,
                   lambda take: not take.by_reference and take.path.startswith("renders/"), image_take_problem)


@dataclass(frozen=True)
class SceneImage:
    """What the creator set for one scene."""

    prompt: str | None = None  # typed in the panel
    direction: str | None = None  # the script's image direction when that prompt was typed
    chosen: str | None = None  # image take id
    negative: str | None = None  # what the image must not show (handed to the engine as its negative prompt)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def direction_prompt(direction: str) -> str | None:
    """"a lighthouse at dawn" for `[image: a lighthouse at dawn]`; None for other directions."""
    match = _DIRECTION.match(direction.strip())
    return " ".join(match.group(1).split()) if match else None


def creator_pictures(folder: Path) -> list[str]:
    """The pictures in the project folder that are the creator's (not the studio's), posix paths."""
    return creator_files(folder, PICTURE_SUFFIXES)


class ProjectImages:
    """The Project's scene images (mixed into Project; uses its `_edit` for undo)."""

    @property
    def image_takes(self) -> ImageTakeStore:
        store = self.__dict__.get("_image_store")
        if store is None:
            store = self.__dict__["_image_store"] = ImageTakeStore(self.folder)
        return store

    def _scene_book(self) -> dict[str, SceneImage]:
        book = self.__dict__.get("_scene_images")
        if book is None:
            data = read_json(self.folder / SCENES_FILE, default={}, shape=scenes_shape)
            scenes = data.get("scenes", {})
            book = {
                str(k): SceneImage(**{f: v.get(f) for f in ("prompt", "direction", "chosen", "negative") if isinstance(v.get(f), str)})
                for k, v in scenes.items() if isinstance(v, dict)
            }
            self.__dict__["_scene_images"] = book
            self.__dict__["_scene_images_written"] = dict(book)
        return book

    # ---- prompts -----------------------------------------------------------------------

    def scene_direction(self, scene_id: str) -> str | None:
        """The prompt the script gives this scene (its first `[image: ...]` direction)."""
        for text in self._doc.scene_directions().get(scene_id, ()):
            prompt = direction_prompt(text)
            if prompt:
                return prompt
        return None

    def scene_prompt(self, scene_id: str) -> str:
        return self.prompt_and_source(scene_id)[0]

    def prompt_and_source(self, scene_id: str) -> tuple[str, str]:
        """(prompt, where it comes from: "panel", "script" or "suggested")."""
        own = self._scene_book().get(scene_id, SceneImage())
        direction = self.scene_direction(scene_id)
        # An edit to the direction in the script is newer than the prompt typed in the panel.
        if own.prompt is not None and own.direction == direction:
            return own.prompt, "panel"
        if direction:
            return direction, "script"
        scene = next((s for s in self.scenes if s.id == scene_id), None)
        if scene is None:
            return "", "suggested"
        # "Scene 1: Arrival at the harbour" suggests "Arrival at the harbour", not its numbering.
        words = [scene_name(scene.title)] + [spoken_text(line.text) for line in scene.lines[:1]]
        return " — ".join(w.strip() for w in words if w.strip())[:300], "suggested"

    def scene_negative_prompt(self, scene_id: str) -> str:
        """What the scene's image must not show ("" when nothing is said)."""
        return self._scene_book().get(scene_id, SceneImage()).negative or ""

    def set_scene_negative_prompt(self, scene_id: str, negative: str | None) -> None:
        """Set (or with None or "", clear) the scene's negative prompt; undoable."""
        self._scene_index(scene_id)
        negative = " ".join(negative.split()) if negative else None
        current = self._scene_book().get(scene_id, SceneImage())
        self._change_scene(scene_id, replace(current, negative=negative or None),
                           "Set negative prompt" if negative else "Clear negative prompt")

    def set_scene_prompt(self, scene_id: str, prompt: str | None) -> None:
        """Set the scene's prompt in the panel (None: back to the script's); the script is untouched."""
        self._scene_index(scene_id)
        prompt = " ".join(prompt.split()) if prompt is not None else None
        current = self._scene_book().get(scene_id, SceneImage())
        if prompt is not None and prompt == self.scene_prompt(scene_id) and current.prompt is None:
            return
        wanted = SceneImage(prompt, self.scene_direction(scene_id) if prompt is not None else None, current.chosen,
                            current.negative)
        self._change_scene(scene_id, wanted, "Set image prompt" if prompt is not None else "Use the script's prompt")

    # ---- takes -------------------------------------------------------------------------

    def images_for(self, scene_id: str) -> list[ImageTake]:
        return self.image_takes.for_scene(scene_id)

    def chosen_image(self, scene_id: str) -> ImageTake | None:
        """The scene's image: the chosen take, else the newest pinned one, else the newest."""
        chosen = self.image_takes.get(self._scene_book().get(scene_id, SceneImage()).chosen)
        if chosen is not None:
            return chosen
        takes = self.images_for(scene_id)
        pinned = [t for t in takes if t.pinned]
        return (pinned or takes or [None])[0]

    def image_state(self, scene_id: str) -> str:
        """"chosen" (the creator picked it), "current" (an image of today's prompt), "stale" or "none"."""
        takes = [t for t in self.images_for(scene_id) if (self.folder / t.path).is_file()]
        if self._scene_book().get(scene_id, SceneImage()).chosen in {t.id for t in takes}:
            return "chosen"
        prompt, negative = self.scene_prompt(scene_id), self.scene_negative_prompt(scene_id)
        if any((t.prompt == prompt and t.request.get("negative_prompt", "") == negative) or t.by_reference for t in takes):
            return "current"
        return "stale" if takes else "none"

    def choose_image(self, scene_id: str, take_id: str) -> None:
        take = self.image_takes.get(take_id)
        if take is None or take.scene_id != scene_id:
            raise ProjectError("That image was not made for this scene; choose one of the scene's own images.")
        current = self._scene_book().get(scene_id, SceneImage())
        self._change_scene(scene_id, replace(current, chosen=take_id), "Use image")

    def add_image_take(self, take: ImageTake, choose: bool = False) -> None:
        """Record a finished image at once (a crash must not lose it); choosing it is undoable."""
        if self.image_takes.get(take.id) is None:
            self.image_takes.add(take)
            if not choose:  # the newest picture may now stand in for the scene: the timeline follows
                self._emit("images", None)
        if choose:
            self.choose_image(take.scene_id, take.id)

    def pin_image(self, take_id: str, pinned: bool = True) -> ImageTake:
        """Pinned images stay at hand (and stand in for the scene when none is chosen)."""
        take = self.image_takes.set_pinned(take_id, pinned)
        self._emit("images", None)  # a pinned one stands in for an unchosen scene
        return take

    def add_creator_image(self, scene_id: str, relative: str) -> ImageTake:
        """One of the creator's pictures in the folder as a take, by reference: never copied or changed."""
        self._scene_index(scene_id)
        path = safe_path(self.folder, relative, "The picture")
        if not path.is_file() or path.suffix.lower() not in PICTURE_SUFFIXES:
            raise ProjectError(f"{relative} is not a picture in the project folder: pick a PNG, JPEG or WebP file.")
        relative = path.resolve().relative_to(self.folder.resolve()).as_posix()
        for take in self.images_for(scene_id):
            if take.by_reference and take.path == relative:
                return take
        take = new_image_take(scene_id, relative, kind="creator", request={"task": "creator", "file": relative})
        self.image_takes.add(take)
        self._emit("images", None)  # it stands in for the scene unless one is chosen: the timeline follows
        return take

    def use_creator_picture(self, scene_id: str, relative: str) -> ImageTake:
        """One of the creator's pictures as the scene's image, by reference (a drop from the
        media bin), in one undo step: Undo forgets the picture again, its file staying where
        it lies, and gives the scene back the image it had."""
        known = {take.id for take in self.images_for(scene_id)}
        take = self.add_creator_image(scene_id, relative)
        if take.id not in known:
            # Recorded as already forgotten, in the step's "before" and in every earlier
            # snapshot too, so no Undo brings back a picture that was not there.
            self._image_bin()
            self._trash_images({take.id})
            self._history.rewrite(lambda state: _forgotten_in(state, take.id))
        with self.one_step("Use your picture"):
            if take.id in self.__dict__["_images_trashed"]:
                self._edit("Use your picture",
                           lambda: self._sync_image_trash(self.__dict__["_images_trashed"] - {take.id}))
            self.choose_image(scene_id, take.id)
        return self.image_takes.get(take.id)

    def delete_image(self, take_id: str) -> None:
        """Throw one image take away (undoable); a chosen one is unchosen, so the scene shows the next."""
        take = self.image_takes.get(take_id)
        if take is None:
            raise ProjectError("That image is no longer in the project; pick another one.")
        self._delete_images([take], "Delete image")

    def keep_only_chosen_images(self, scene_id: str | None = None) -> int:
        """Delete every image take that is neither its scene's image nor pinned; returns how many."""
        scene_ids = [scene_id] if scene_id is not None else [scene.id for scene in self.scenes]
        doomed = []
        for one in scene_ids:
            self._scene_index(one)
            keep = self.chosen_image(one)
            doomed += [t for t in self.images_for(one) if not t.pinned and (keep is None or t.id != keep.id)]
        if doomed:
            self._delete_images(doomed, "Keep only chosen images")
        return len(doomed)

    def _delete_images(self, takes: list[ImageTake], label: str) -> None:
        ids = {take.id for take in takes}

        def change():
            book = dict(self._scene_book())
            for scene_id, own in list(book.items()):
                if own.chosen in ids:
                    wanted = replace(own, chosen=None)
                    if wanted == SceneImage():
                        book.pop(scene_id)
                    else:
                        book[scene_id] = wanted
            self.__dict__["_scene_images"] = book
            self._trash_images(ids)

        self._edit(label, change)
        self._write_scene_images()

    def _image_bin(self) -> TakeBin:
        bin_ = self.__dict__.get("_image_trash")
        if bin_ is None:
            bin_ = self.__dict__["_image_trash"] = image_trash(self.folder)
            self.__dict__["_images_trashed"] = bin_.ids()
        return bin_

    def _trash_images(self, ids) -> None:
        self.__dict__["_images_trashed"] = self.__dict__["_images_trashed"] | self._image_bin().trash_from(self.image_takes, ids)

    def _sync_image_trash(self, trashed: frozenset) -> None:
        """Make the image takes on disk match an undo snapshot: bring back or throw away."""
        self.__dict__["_images_trashed"] = self._image_bin().restore(self.image_takes, self.__dict__["_images_trashed"], trashed)

    def _empty_image_trash(self) -> int:
        freed = self._image_bin().empty()
        self.__dict__["_images_trashed"] = frozenset()
        return freed

    # ---- undo and storage (hooks in Project._state and Project._restore) -----------------

    def _image_state(self) -> tuple:
        """(the scene book's (scene id, SceneImage) pairs, the ids of deleted image takes)."""
        self._image_bin()
        return tuple(sorted(self._scene_book().items())), self.__dict__["_images_trashed"]

    def _restore_images(self, state: tuple) -> None:
        book, trashed = state or ((), frozenset())
        self.__dict__["_scene_images"] = dict(book)
        self._write_scene_images()
        self._sync_image_trash(trashed)

    def _change_scene(self, scene_id: str, wanted: SceneImage, label: str) -> None:
        if self._scene_book().get(scene_id, SceneImage()) == wanted:
            return

        def change():
            book = dict(self._scene_book())
            if wanted == SceneImage():
                book.pop(scene_id, None)
            else:
                book[scene_id] = wanted
            self.__dict__["_scene_images"] = book

        self._edit(label, change)
        if self.__dict__.get("_step") is None:  # inside `one_step`: written once, when it ends
            self._write_scene_images()

    def _write_scene_images(self) -> None:
        book = self._scene_book()
        if book == self.__dict__.get("_scene_images_written"):
            return
        atomic_write_json(self.folder / SCENES_FILE,
                          {"schema": _SCHEMA, "scenes": {k: v.to_dict() for k, v in sorted(book.items())}})
        self.__dict__["_scene_images_written"] = dict(book)


def _forgotten_in(state, take_id: str):
    """An undo snapshot (`Project._State`) in which the image take counts as deleted."""
    if state is None:
        return state
    book, trashed = state.images or ((), frozenset())
    return replace(state, images=(book, frozenset(trashed) | {take_id}))
