"""The creator's own pictures and music in the project folder, offered and used by reference.

Nothing is moved or copied: a picture is used where it lies, for a scene that has no
image of its own, matched by name ("scene-2.jpg", "harbour.png" for "Arrival at the
harbour") or else by order (the first picture for the first scene). A sound file in a
folder or with a name that says music ("audio/bed.mp3", "music-theme.wav") is the
music bed when stitch.toml names none; `[timeline] music = ""` says "no music".
"""

from __future__ import annotations

import re
from pathlib import Path

from studio.project.conventions import scene_name
from studio.project.folder import creator_files

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
MUSIC_SUFFIXES = (".mp3", ".wav", ".flac", ".ogg", ".m4a", ".aac", ".opus")
_MUSIC_WORDS = re.compile(r"music|audio|sound|bgm|bed|theme|score|soundtrack|loop|song|track", re.IGNORECASE)
_STOP = set("a an the of and to in on at for with by from scene part chapter".split())


def folder_pictures(folder: Path) -> list[str]:
    """The creator's pictures (posix, relative), the studio's own folders left out."""
    return creator_files(folder, PICTURE_SUFFIXES)


def folder_music(folder: Path) -> list[str]:
    """Sound files that are music by where they are or what they are called, best first."""
    found = [p for p in creator_files(folder, MUSIC_SUFFIXES) if _MUSIC_WORDS.search(p)]
    return sorted(found, key=lambda p: (p.count("/") == 0, p.lower()))


def pictures_for_scenes(scenes: list[tuple[str, str]], pictures: list[str]) -> dict[str, str]:
    """{scene id: picture} for `scenes` [(id, title)]: by number or title words in the
    picture's name first, then the pictures left over in order for the scenes left over."""
    chosen: dict[str, str] = {}
    left = list(pictures)
    for n, (scene_id, title) in enumerate(scenes, 1):
        best = _best_by_name(n, title, left)
        if best is not None:
            chosen[scene_id] = best
            left.remove(best)
    for scene_id, _ in scenes:
        if scene_id not in chosen and left:
            chosen[scene_id] = left.pop(0)
    return chosen


def _best_by_name(number: int, title: str, pictures: list[str]) -> str | None:
    words = {w for w in re.findall(r"[a-z0-9]+", scene_name(title).lower()) if w not in _STOP and len(w) > 2}
    best, best_score = None, 0
    for picture in pictures:
        stem = Path(picture).stem.lower()
        parts = set(re.findall(r"[a-z]+", stem))
        numbers = [int(n) for n in re.findall(r"\d+", stem)]
        score = 3 * len(words & parts)
        if re.search(r"(?:scene|part|s)[ _-]?0*%d(?!\d)" % number, stem) or numbers == [number]:
            score += 5
        if score > best_score:
            best, best_score = picture, score
    return best
