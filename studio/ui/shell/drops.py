"""Files dragged from the media bin (or a file manager) onto the Images panel or the timeline.

A drag carries the files as local file URLs, the common form every file manager also
uses; a drop takes only files inside the project folder, by the path relative to it:
they are used where they lie, never copied or moved.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl


def media_mime(folder, relatives: list[str]) -> QMimeData:
    """What a drag of these files of the project folder carries."""
    mime = QMimeData()
    # URLs only: no text, which the prompt box would take and paste in as words.
    mime.setUrls([QUrl.fromLocalFile(str(Path(folder) / relative)) for relative in relatives])
    return mime


def dropped_files(mime: QMimeData, folder, suffixes) -> tuple[list[str], str]:
    """(the dropped files inside `folder` with one of `suffixes`, posix and relative; a sentence
    about the ones that cannot be used, "" when all can)."""
    if folder is None or not mime.hasUrls():
        return [], ""
    root = Path(folder).resolve()
    found, outside, other = [], [], []
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile()).resolve()
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            outside.append(path.name)
            continue
        (found if path.suffix.lower() in suffixes and path.is_file() else other).append(relative)
    if outside:
        return found, (f"{outside[0]} is outside the project folder. Files are used where they lie, never "
                       f"copied: put it in {root.name} and drag it again.")
    if other:
        return found, f"{Path(other[0]).name} is not a file this lane takes: use one ending in {', '.join(suffixes)}."
    return found, ""


def accepts(mime: QMimeData, folder, suffixes) -> bool:
    """Whether a drag holds at least one file a drop here would use."""
    return bool(dropped_files(mime, folder, suffixes)[0])


__all__ = ["accepts", "dropped_files", "media_mime"]
