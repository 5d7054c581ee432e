"""The one guard every recorded path goes through (in the spirit of Mercurial's pathauditor).

A path the studio finds in its records (a take's audio, a picture, a trash entry, a
leftover) is only read, written, moved or deleted after `inside_project` has said it is
relative, has no drive or UNC form, does not climb out with `..`, and, symlinks followed,
still resolves inside the project folder. Anything else is refused with a sentence.

The studio's own folders (`.stitch/`, `renders/`, `exports/` and those inside them) must be
real folders: a link there would send the studio's writes, or worse its deletes, to the
link's target. `studio_link` finds such a link; deletion never goes through one.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from studio.errors import ProjectError

# The folders the studio writes into, outermost first (a link at any of them is refused).
STUDIO_DIRS = (
    ".stitch",
    ".stitch/preview",
    ".stitch/timings",
    ".stitch/checks",
    ".stitch/trash",
    ".stitch/trash/images",
    ".stitch/locks",
    "renders",
    "renders/cards",
    "renders/images",
    "exports",
)


class OutsideProject(ProjectError):
    """A recorded path leads outside the project folder (or through a link out of it)."""


def inside_project(root, recorded, what: str = "A recorded path") -> Path:
    """The file `recorded` names inside the project folder `root`, or OutsideProject.

    Refused: anything not a non-empty string, absolute paths, drive (`C:\\x`, `C:x`) and
    UNC (`\\\\server\\share`) forms, NUL bytes, `..` that climbs out, and paths that a
    symlink somewhere along them carries outside the folder."""
    root = Path(root)
    if not isinstance(recorded, str) or not recorded.strip():
        raise OutsideProject(f"{what} is empty or not a file name ({_shown(recorded)}); the studio ignores it.")
    text = recorded
    if "\x00" in text:
        raise OutsideProject(f"{what} holds a NUL character, which no file name can; the studio ignores it.")
    windows = PureWindowsPath(text)
    if PurePosixPath(text).is_absolute() or windows.drive or windows.root or text.startswith(("\\", "/", "~")):
        raise OutsideProject(
            f'{what} "{_shown(text)}" is an absolute path, and the studio only uses files inside the project '
            f"folder {root.name}; it was left alone. Use a path inside {root.name}."
        )
    parts = PurePosixPath(text.replace("\\", "/")).parts
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            break
    if depth < 0 or not parts:
        raise OutsideProject(
            f'{what} "{_shown(text)}" leads outside the project folder {root.name} (through ".."); it was left alone. '
            f"Use a path inside {root.name}."
        )
    target = root.joinpath(*parts)
    # Resolving follows every symlink, so a link pointing out of the folder is refused as well.
    try:
        inside = target.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a name the system refuses
        inside = False
    if not inside:
        raise OutsideProject(
            f'{what} "{_shown(text)}" leads outside the project folder {root.name} (through a link); '
            "it was left alone. Use a file inside the folder."
        )
    return target


def is_inside(root, recorded) -> bool:
    try:
        inside_project(root, recorded)
    except OutsideProject:
        return False
    return True


def studio_link(root, relative: str = "") -> str | None:
    """The first of the studio's folders on the way to `relative` (a studio folder, or a file
    in one) that is a symlink, as a relative posix name; None when every step is a real folder."""
    root = Path(root)
    here = root
    steps = PurePosixPath(relative.replace("\\", "/")).parts if relative else ()
    names = []
    for part in steps:
        names.append(part)
        here = here / part
        if os.path.islink(here) or _is_junction(here):
            return "/".join(names)
    return None


def studio_links(root) -> list[str]:
    """Every studio folder of the project that is a symlink (outermost ones only), and every
    record file directly in `.stitch/` that is one (reading it would read another place)."""
    found = []
    for relative in STUDIO_DIRS:
        if relative == "exports":
            continue  # a creator may keep exports elsewhere on purpose: checked when one is written
        link = studio_link(root, relative)
        if link is not None and link not in found and not any(link.startswith(f + "/") for f in found):
            found.append(link)
    if ".stitch" not in found:
        for folder in (".stitch", ".stitch/trash"):
            try:
                entries = list(os.scandir(Path(root) / folder))
            except OSError:
                continue
            found += [f"{folder}/{e.name}" for e in entries if e.is_symlink() and f"{folder}/{e.name}" not in found]
    return found


def refuse_studio_links(root, relative: str | None = None) -> None:
    """ProjectError, with a sentence, when the studio's folders (or the one on the way to
    `relative`) pass through a symlink: the studio never writes or deletes through one."""
    links = [studio_link(root, relative)] if relative is not None else studio_links(root)
    links = [link for link in links if link]
    if links:
        shown = ", ".join(name if "." in Path(name).name[1:] else f"{name}/" for name in links)
        raise ProjectError(
            f"{shown} in {Path(root).name} {'is a link' if len(links) == 1 else 'are links'} to another place; "
            "the studio keeps its records and renders only in real folders inside the project, so nothing "
            "was written or deleted there. Replace the link with a folder (move its files in) and open the "
            "project again."
        )


def refuse_writing_through_link(root, target) -> None:
    """Before writing `target` (an export): when it lies in the project folder, no folder on
    the way may be a link (`exports/` linked elsewhere would get the file); a target outside
    the folder is the creator's own choice (`--out`) and is left to them."""
    root, target = Path(root).absolute(), Path(target).absolute()
    try:
        relative = target.parent.relative_to(root)
    except ValueError:
        return
    link = studio_link(root, relative.as_posix())
    if link is not None:
        raise ProjectError(
            f"{link}/ in {root.name} is a link to another place, so {target.name} was not written there "
            "(the studio writes only into real folders of the project). Replace the link with a folder, "
            "or choose where the file goes (--out, or Save as…)."
        )


def may_delete(root, path: Path) -> bool:
    """Whether the studio may delete `path`: a plain file (not a link), inside the project, and
    reached without passing through a link in the studio's folders."""
    root = Path(root)
    path = Path(path)
    try:
        relative = path.relative_to(root)
    except ValueError:
        return False
    if studio_link(root, relative.as_posix()) is not None:
        return False
    return not os.path.islink(path) and is_inside(root, relative.as_posix()) and path.is_file()


def delete_own(root, path: Path) -> int:
    """Delete one of the studio's files when `may_delete` allows it; the bytes freed (0 if not)."""
    if not may_delete(root, path):
        return 0
    try:
        size = os.lstat(path).st_size
        os.unlink(path)
    except OSError:
        return 0  # open in a player on some systems: the next clean takes it
    return size


def _is_junction(path: Path) -> bool:
    is_junction = getattr(os.path, "isjunction", None)  # Windows directory junctions (Python 3.12+)
    return bool(is_junction and is_junction(path))


def _shown(value) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\x00", "\\0")
    return text if len(text) <= 80 else text[:77] + "..."
