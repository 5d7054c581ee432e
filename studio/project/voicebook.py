"""The project's pronunciation dictionary and named voice blends.

Kept in `.stitch/pronunciation.json` and `.stitch/blends.json`, not in `stitch.toml`:
a dictionary grows to hundreds of IPA entries that would bury the hand-edited
manifest, and like lines.json these files are rewritten atomically as a whole.
They are written the moment an edit (or its undo) happens: they are not part of
the script, so there is no "unsaved" version of them to recover.

An entry's value is a respelling ("KOH-koh-roh", fed to the G2P in the word's place)
or, between slashes, phonemes in the engine's own alphabet ("/kˈOkəɹO/"), inserted as
they are. Words match whole, case-insensitively, whatever punctuation surrounds them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from studio.errors import ProjectError
from studio.project.shapes import book_shape
from studio.storage import atomic_write_json, read_json

PRONUNCIATION_FILE = Path(".stitch") / "pronunciation.json"
BLENDS_FILE = Path(".stitch") / "blends.json"
SCHEMA = 1
_BLEND_PART = re.compile(r"^\s*([^\s:,]+)\s*(?::\s*([0-9]*\.?[0-9]+)\s*)?$")


def entry_key(word: str) -> str:
    """How an entry is filed: case-folded, inner spaces collapsed."""
    return " ".join(str(word).split()).casefold()


def word_pattern(word: str) -> re.Pattern:
    """`word` as a whole word (or phrase), in any case, next to any punctuation."""
    parts = [re.escape(p) for p in str(word).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def entries_used(text: str, entries: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The entries `text` says, sorted: this is what goes into a line's render request."""
    return tuple(sorted((key, value) for key, value in entries.items() if word_pattern(key).search(text)))


def check_pronunciation(word: str, value: str) -> tuple[str, str]:
    key = entry_key(word)
    if not key or not any(c.isalnum() for c in key):
        raise ProjectError("A pronunciation needs a word with letters in it; type the word as the script spells it.")
    value = " ".join(str(value).split())
    if not value or value in ("/", "//"):
        raise ProjectError(f"Say how to pronounce '{word}': a respelling such as KOH-koh-roh, or phonemes between slashes.")
    return key, value


def check_blend(name: str, spec: str) -> tuple[str, str]:
    """A blend's name and its spec ("voice:weight,voice:weight"), both tidied."""
    name = " ".join(str(name).split())
    if not name or ":" in name or "," in name:
        raise ProjectError("A blend's name must not be empty or hold ':' or ','; try a name such as 'Warm narrator'.")
    parts = [p for p in str(spec).split(",") if p.strip()]
    tidy = []
    for part in parts:
        match = _BLEND_PART.match(part)
        if match is None or (match.group(2) is not None and not float(match.group(2)) > 0):
            raise ProjectError(f"'{spec}' is not a voice blend: write voices with positive weights, such as af_heart:0.7,am_adam:0.3.")
        tidy.append(f"{match.group(1)}:{match.group(2)}" if match.group(2) else match.group(1))
    if len(tidy) < 1:
        raise ProjectError("A blend needs at least one voice, such as af_heart:0.7,am_adam:0.3.")
    return name, ",".join(tidy)


def read_book(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(pronunciations, blends) as stored; damaged entries are dropped, not fatal."""
    def entries(path: Path, key: str) -> dict[str, str]:
        data = read_json(folder / path, default={}, shape=book_shape(key))
        found = data.get(key)
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str) and k and v}

    return entries(PRONUNCIATION_FILE, "entries"), entries(BLENDS_FILE, "blends")


class ProjectVoiceBook:
    """The pronunciation and blend half of `Project` (see files.py for why it is split)."""

    def pronunciations(self) -> dict[str, str]:
        """word (case-folded) → respelling or /phonemes/."""
        return dict(self._pronunciations)

    def set_pronunciation(self, word: str, value: str | None) -> None:
        """Add, change or (value None) remove an entry; one undoable step."""
        if value is None:
            key = entry_key(word)
            if key not in self._pronunciations:
                return
            wanted = {k: v for k, v in self._pronunciations.items() if k != key}
        else:
            key, value = check_pronunciation(word, value)
            if self._pronunciations.get(key) == value:
                return
            wanted = {**self._pronunciations, key: value}
        label = "Remove pronunciation" if value is None else "Set pronunciation"
        self._edit(label, lambda: setattr(self, "_pronunciations", wanted), event=("script", None))

    def pronunciations_used(self, line_id: str) -> tuple[tuple[str, str], ...]:
        """The entries this line's text says: a change to one of them makes its take stale."""
        return entries_used(self.line(line_id).text, self._pronunciations)

    def blends(self) -> dict[str, str]:
        """name → spec ("af_heart:0.7,am_adam:0.3")."""
        return dict(self._blends)

    def save_blend(self, name: str, spec: str) -> None:
        name, spec = check_blend(name, spec)
        if self._blends.get(name) == spec:
            return
        wanted = {**self._blends, name: spec}
        self._edit("Save blend", lambda: setattr(self, "_blends", wanted), event=("script", None))

    def delete_blend(self, name: str) -> None:
        if name not in self._blends:
            return
        wanted = {k: v for k, v in self._blends.items() if k != name}
        self._edit("Delete blend", lambda: setattr(self, "_blends", wanted), event=("script", None))

    def rename_blend(self, old: str, new: str) -> None:
        """Rename a blend and the lines that use it; their takes stay current (same spec)."""
        if old not in self._blends:
            raise ProjectError(f"There is no blend called '{old}'; pick one of the saved blends.")
        new, spec = check_blend(new, self._blends[old])
        if new == old:
            return
        if new in self._blends:
            raise ProjectError(f"A blend called '{new}' exists already; choose another name.")

        def change():
            self._blends = {(new if k == old else k): v for k, v in self._blends.items()}
            for line_id, settings in list(self._settings.items()):
                if settings.voice == old:
                    self._settings[line_id] = replace(settings, voice=new)

        self._edit("Rename blend", change, event=("script", None))
        if self.manifest.voice == old:
            self.manifest.voice = new

    def voice_spec_of(self, line_id: str) -> str:
        """The voice a render uses: a blend's name resolved to its spec, else the voice as named."""
        return self.resolve_voice(self.voice_of(line_id))

    def resolve_voice(self, voice: str) -> str:
        return self._blends.get(voice, voice) if voice else voice

    def _write_voicebook(self) -> None:
        """Write whichever of the two files changed since last written."""
        if self._pronunciations != self._written_book[0]:
            atomic_write_json(self.folder / PRONUNCIATION_FILE, {"schema": SCHEMA, "entries": self._pronunciations})
        if self._blends != self._written_book[1]:
            atomic_write_json(self.folder / BLENDS_FILE, {"schema": SCHEMA, "blends": self._blends})
        self._written_book = (dict(self._pronunciations), dict(self._blends))
