"""Making a project of any folder: which file is the script, and may the studio write here.

Nothing of the creator's is moved, renamed or rewritten: the script is found where
it is, and only when the folder has none is a new `script.md` started.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from studio.errors import ProjectError
from studio.project.manifest import Manifest, safe_path
from studio.project.readers import read_script_text

SCRIPT_NAME = "script.md"
SCRIPT_SUFFIXES = (".md", ".markdown", ".txt", ".fountain", ".docx")
# Scripts the studio reads but never writes: the creator edits them in their own app.
READ_ONLY_SUFFIXES = (".fountain", ".docx")
# Text files that come with folders but are never a narration script.
NOT_SCRIPTS = ("readme", "license", "licence", "changelog", "contributing", "copying", "notice", "authors", "requirements")
STARTER = "# {title}\n\nWrite the first line of your script here.\n"


class ScriptChoiceNeeded(ProjectError):
    """The folder holds several files that could be the script; the creator picks one."""

    def __init__(self, candidates: list[str]):
        self.candidates = candidates
        shown = ", ".join(candidates[:4]) + (", ..." if len(candidates) > 4 else "")
        options = " or ".join(f"--script {_quoted(name)}" for name in candidates[:2])
        super().__init__(
            f"This folder holds several files that could be the script ({shown}); choose the one to narrate: "
            f"add {options} to the command, or pick it when the window asks. "
            "The choice is remembered in stitch.toml; nothing was changed."
        )


def _quoted(name: str) -> str:
    return f'"{name}"' if re.search(r"[^\w./-]", name) else name


def script_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".txt": "txt", ".fountain": "fountain", ".docx": "docx"}.get(suffix, "md")


def script_candidates(folder: Path) -> list[str]:
    """Files at the top of the folder that look like a script, `script.md` first."""
    found = []
    for entry in Path(folder).iterdir():
        name = entry.name
        if name.startswith(".") or entry.suffix.lower() not in SCRIPT_SUFFIXES:
            continue
        if entry.stem.lower().startswith(NOT_SCRIPTS) or not entry.is_file():
            continue
        found.append(name)
    return sorted(found, key=lambda n: (n != SCRIPT_NAME, n.lower(), n))


# Names that say what a file is: a script, or the notes around one.
_SCRIPT_NAMES = re.compile(r"script|episode|\bep[\s_-]?\d|draft|narration|voice[\s_-]?over|\bvo\b|story|final", re.IGNORECASE)
_NOTE_NAMES = re.compile(r"notes?|todo|ideas?|outline|research|links?|shot[\s_-]?list|sources|brief|scratch|checklist", re.IGNORECASE)
_SENTENCE = re.compile(r"[A-Za-z][^.!?]{20,}[.!?…]")
_STRUCTURE = re.compile(r"^(?:#{1,6}\s+\S|\[[^\]]+\]\s*$|title\s*:|(?:scene|part|chapter)\s+\w+\s*[:.\-])", re.IGNORECASE | re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+", re.MULTILINE)


def script_likeness(name: str, text: str) -> float:
    """How much a file looks like a narration script: scene headings or markers and paragraphs
    of prose count for it; bullet lists, short jottings and a name such as "notes" against it."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    prose = sum(1 for p in paragraphs if _SENTENCE.search(p) and not _LIST_ITEM.match(p))
    structure = len(_STRUCTURE.findall(text))
    items = len(_LIST_ITEM.findall(text))
    score = 2.0 * min(structure, 10) + min(prose, 20) - 0.5 * min(items, 20)
    stem = Path(name).stem
    if _SCRIPT_NAMES.search(stem):
        score += 4
    if _NOTE_NAMES.search(stem):
        score -= 6
    return score


def _likely_script(folder: Path, candidates: list[str]) -> str | None:
    """The one candidate that clearly looks more like the script than the others, else None."""
    scored = []
    for name in candidates:
        try:
            text = read_script_text(folder / name)
        except (OSError, ProjectError, ValueError):
            continue
        scored.append((script_likeness(name, text[:200_000]), name))
    if not scored:
        return None
    scored.sort(reverse=True)
    best, name = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else float("-inf")
    return name if best >= 3 and best - runner_up >= 3 else None
# Longer names than any file system keeps: refused before the operating system is asked.
MAX_NAME = 255
MAX_PATH = 1024
# Folders whose files the studio writes itself: never a script.
OWN_FOLDERS = (".stitch", "renders", "exports")


def check_script_name(relative: str, what: str) -> None:
    """Refuse a script name no file can have with a sentence, before the system is asked."""
    if any(ch < " " or ch == "\x7f" for ch in relative):
        shown = relative[:60].encode("unicode_escape").decode("ascii")
        raise ProjectError(
            f'{what} "{shown}" holds a control character (such as NUL), which no file name can hold. '
            'Name the script file, such as "script.md"; nothing was changed.'
        )
    if len(relative) > MAX_PATH or any(len(p.encode("utf-8")) > MAX_NAME for p in relative.split("/")):
        raise ProjectError(
            f"{what} is {len(relative):,} characters long, longer than a file name can be "
            f'({MAX_NAME} per name). Name the script file, such as "script.md"; nothing was changed.'
        )


def _not_studio_file(folder: Path, path: Path, relative: str, what: str) -> None:
    inside = path.resolve().relative_to(Path(folder).resolve()).parts
    if inside and inside[0] in OWN_FOLDERS:
        shown = relative if len(relative) <= 60 else relative[:57] + "..."
        raise ProjectError(
            f'{what} "{shown}" is in {inside[0]}/, where the studio keeps its own files, so it cannot be '
            'the script. Name your own script file, such as "script.md"; nothing was changed.'
        )


def choose_script(folder: Path, manifest: Manifest, script: str | None) -> tuple[Path, str, bool]:
    """(path, relative posix name, exists) of the project's script."""
    if script is not None:
        relative = str(script).replace("\\", "/")
    elif manifest.names_script:
        relative = manifest.script
        check_script_name(relative, "The script named in stitch.toml")
        path = safe_path(folder, relative, "The script named in stitch.toml")
        _not_studio_file(folder, path, relative, "The script named in stitch.toml")
        if not path.is_file():
            raise ProjectError(
                f'stitch.toml names the script "{relative}", which is not in {folder.name}. '
                "Put the file back, or change script in stitch.toml; nothing was changed."
            )
    elif (folder / SCRIPT_NAME).is_file():
        relative = SCRIPT_NAME
    else:
        candidates = script_candidates(folder)
        if len(candidates) > 1:
            relative = _likely_script(folder, candidates)
            if relative is None:
                raise ScriptChoiceNeeded(candidates)
        else:
            relative = candidates[0] if candidates else SCRIPT_NAME
    check_script_name(relative, "The script")
    path = safe_path(folder, relative, "The script")
    _not_studio_file(folder, path, relative, "The script")
    if path.is_dir():
        raise ProjectError(f'"{relative}" is a folder, not a script. Choose a .md or .txt file; nothing was changed.')
    return path, Path(relative).as_posix(), path.is_file()


# The studio's own output and tool folders: never the creator's media.
STUDIO_FOLDERS = (".stitch", "renders", "exports", ".git", ".venv", "node_modules")


def creator_files(folder: Path, suffixes) -> list[str]:
    """The creator's files in the project folder with these suffixes (posix, relative, sorted).

    The studio's own folders and anything hidden are left out.
    """
    folder = Path(folder)
    suffixes = {s.lower() for s in suffixes}
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0] in STUDIO_FOLDERS or any(p.startswith(".") for p in relative.parts):
            continue
        if path.suffix.lower() in suffixes and path.is_file():
            found.append(relative.as_posix())
    return found


def starter_script(title: str) -> str:
    return STARTER.format(title=title.strip() or "My video")


def check_writable(folder: Path) -> None:
    """Try to write, the only reliable test (permissions, read-only disks, sync folders)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".stitch-", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
        (folder / ".stitch").mkdir(exist_ok=True)
    except OSError as exc:
        reason = (exc.strerror or "permission denied").lower()
        raise ProjectError(
            f"Stitch Studio cannot write to {folder.name} ({reason}). Copy the folder somewhere you "
            "can write, or change its permissions; nothing was changed.",
            detail=repr(exc),
        ) from exc
