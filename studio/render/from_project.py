"""The timeline of a project: laid out from its script, takes, scene images and music.

`build_timeline(project)` lays the chosen take of every line out in script order,
each scene's chosen image (or a plain title card when it has none) under its lines,
and the manifest's `[timeline] music` bed; the saved `.stitch/timeline.json` is the
`previous` layout, so locked clips and placements made by hand survive. A recording
take is a stretch of a longer file: its clip's `in_point` counts from the file's
start, while `layout` thinks in takes, so clips are shifted into take time for the
layout and back afterwards. `timeline_cues` times captions where the words land on
this timeline, moves and trims included.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import replace
from pathlib import Path

from studio.errors import StudioError
from studio.project.manifest import safe_path
from studio.project.shapes import table_shape
from studio.storage import atomic_write_bytes, atomic_write_json, read_json
from studio.render.captions import Cue, _fix_timing, cues_from_words, line_words
from studio.render.errors import TimelineError
from studio.render.timeline import DEFAULT_GAP, Timeline, layout

TIMELINE_FILE = Path(".stitch") / "timeline.json"
CARDS = "renders/cards"
CARD_SIDE = 1600  # square: after a cover crop to any preset, the middle half is still on screen
_CARD_VERSION = "2"


class LinesWithoutTakes(StudioError):
    """Some lines have words but no take to play: the timeline would skip them."""

    def __init__(self, numbers: list[int]):
        self.numbers = numbers
        which = _numbers(numbers)
        super().__init__(
            f"{which} {'has' if len(numbers) == 1 else 'have'} no take yet: render "
            f"{'it' if len(numbers) == 1 else 'them'} first (Voice ▸ Render All Lines, or `studio render`)."
        )


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:8]) + (" …" if len(numbers) > 8 else "")
    return f"Line {shown}" if len(numbers) == 1 else f"Lines {shown}"


def lines_without_takes(project) -> list[int]:
    """Script numbers (from 1) of the lines with words whose take is missing."""
    missing = []
    for number, line in enumerate(project.lines, 1):
        if not line.text.strip():
            continue
        take = project.chosen_take(line.id)
        if take is None or not (Path(project.folder) / take.path).is_file():
            missing.append(number)
    return missing


def voice_items(project) -> tuple[list[tuple[str, str, str, float]], dict[str, tuple[str, float]]]:
    """(layout's voice items, {line id: (take path, offset)} for takes cut from a longer file)."""
    items, offsets = [], {}
    for line in project.lines:
        take = project.chosen_take(line.id)
        if take is None or not line.text.strip() or not (Path(project.folder) / take.path).is_file():
            continue
        items.append((line.id, line.scene_id, take.path, float(take.duration)))
        if getattr(take, "offset", 0.0):
            offsets[line.id] = (take.path, float(take.offset))
    return items, offsets


def scene_image(project, scene, from_folder: dict[str, str] | None = None) -> str:
    """The scene's chosen image (relative path), else the creator's own picture for it from
    the folder (by reference), else its title card."""
    take = _chosen_image(project, scene.id)
    if take is not None and getattr(take, "path", ""):
        return str(take.path)
    if from_folder is None:
        from_folder = folder_pictures_for(project)
    if scene.id in from_folder:
        return from_folder[scene.id]
    return title_card(Path(project.folder), scene.title or "")


def _chosen_image(project, scene_id: str):
    chosen = getattr(project, "chosen_image", None)
    return chosen(scene_id) if callable(chosen) else None


def folder_pictures_for(project) -> dict[str, str]:
    """{scene id: the creator's picture} for the scenes without a chosen image: by name, then order."""
    from studio.project.media import folder_pictures, pictures_for_scenes

    taken = set()
    without = []
    for scene in project.scenes:
        take = _chosen_image(project, scene.id)
        if take is not None and getattr(take, "path", ""):
            taken.add(str(take.path))
        else:
            without.append((scene.id, scene.title or ""))
    pictures = [p for p in folder_pictures(Path(project.folder)) if p not in taken]
    return pictures_for_scenes(without, pictures) if without else {}


def title_card(folder: Path, title: str) -> str:
    """A plain card with the scene's title, drawn once into renders/cards/ (named by what it shows)."""
    key = hashlib.sha256(f"{_CARD_VERSION}\n{title}".encode()).hexdigest()[:20]
    relative = f"{CARDS}/{key}.png"
    path = Path(folder) / relative
    if not path.is_file():
        atomic_write_bytes(path, _draw_card(title))
    return relative


def _draw_card(title: str) -> bytes:
    import io

    from PIL import Image, ImageDraw

    from studio.render.burned_captions import _font  # one list of fonts for every picture the studio draws

    side = CARD_SIDE
    image = Image.new("RGB", (side, side), (38, 42, 51))
    draw = ImageDraw.Draw(image)
    font = _font(96)
    lines, current = [], ""
    for word in " ".join(title.split()).split(" "):
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > side * 0.46:
            lines.append(current)
            current = word
        else:
            current = trial
    lines = [l for l in lines + [current] if l][:4]
    height = 120 * len(lines)
    for n, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        draw.text(((side - width) / 2, (side - height) / 2 + 120 * n), line, font=font, fill=(236, 236, 232))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # a flat card: light compression is as small, and 5x quicker
    return buffer.getvalue()


def scene_items(project, wanted: set[str]) -> list[tuple[str, str]]:
    from_folder = folder_pictures_for(project)
    return [(scene.id, scene_image(project, scene, from_folder)) for scene in project.scenes if scene.id in wanted]


def manifest_music(project) -> str | None:
    """`[timeline] music = "file"` from stitch.toml, read as written (the manifest class knows no timeline)."""
    path = Path(project.folder) / "stitch.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    section = data.get("timeline") if isinstance(data.get("timeline"), dict) else {}
    if "music" not in section:
        # Not named: the creator's own music file in the folder, if there is one (`music = ""`: none).
        from studio.project.media import folder_music

        found = folder_music(Path(project.folder))
        return found[0] if found else None
    music = section.get("music")
    if not isinstance(music, str) or not music.strip():
        return None
    target = safe_path(Path(project.folder), music, "The music file in stitch.toml")
    if not target.is_file():
        raise TimelineError(f"The music file {music} named in stitch.toml is not in the project folder: "
                            "put it back or remove the line.")
    return Path(music).as_posix()


def load_timeline(project) -> Timeline | None:
    data = read_json(Path(project.folder) / TIMELINE_FILE, default=None, shape=table_shape)
    return Timeline.from_dict(data) if isinstance(data, dict) else None


def save_timeline(project, timeline: Timeline) -> None:
    atomic_write_json(Path(project.folder) / TIMELINE_FILE, timeline.to_dict())


def build_timeline(project, previous: Timeline | None | bool = True, gap: float | None = None) -> Timeline:
    """The project's timeline; `previous=True` starts from the saved one, a Timeline from that one."""
    if previous is True:
        try:
            previous = load_timeline(project)
        except TimelineError:
            previous = None  # damaged: lay it out afresh rather than refuse to export
    previous = previous or None
    items, offsets = voice_items(project)
    scenes = scene_items(project, {scene_id for _line, scene_id, _p, _d in items})
    gap = float(gap if gap is not None else (previous.gap if previous else DEFAULT_GAP))
    before = _shift(previous, offsets, -1) if previous else None
    timeline = _shift(layout(items, scenes, gap=gap, previous=before, pauses=line_pauses(project, items)), offsets, +1)
    return _with_music(_with_levels(project, timeline, previous), manifest_music(project))


def line_pauses(project, items) -> dict[str, float]:
    """{line id: the gap before it} where the line before it on the timeline has its own pause after."""
    out = {}
    for (before, *_), (after, *_) in zip(items, items[1:]):
        pause = project.line_pause(before)
        if pause is not None:
            out[after] = pause
    return out


def _with_levels(project, timeline: Timeline, previous: Timeline | None) -> Timeline:
    """Each voice clip's gain_db brings its take to the project's voice loudness (the take's
    file stays as it is); a gain the creator set by hand on a clip is kept."""
    from studio.render.take_levels import known_gain, take_gain, voice_target

    folder, target = Path(project.folder), voice_target(Path(project.folder))
    old = {c.id: c for c in previous.clips} if previous else {}
    clips = []
    for c in timeline.clips:
        take = project.chosen_take(c.ref) if c.track == "voice" and c.ref else None
        before = old.get(c.id)
        by_hand = before is not None and before.gain_db not in (0.0, known_gain(folder, before.source, target))
        if take is not None and take.path == c.source and not by_hand:
            c = replace(c, gain_db=take_gain(folder, take, target))
        clips.append(c)
    return replace(timeline, clips=tuple(clips))


def relayout(project, timeline: Timeline, gap: float) -> Timeline:
    """A change of gap on a project's timeline (Timeline.set_gap knows nothing of recording offsets)."""
    return build_timeline(project, previous=timeline, gap=gap)


def _shift(timeline: Timeline, offsets: dict[str, tuple[str, float]], sign: int) -> Timeline:
    if not offsets:
        return timeline
    clips = []
    for c in timeline.clips:
        source, offset = offsets.get(c.ref, ("", 0.0))
        if c.track == "voice" and c.source == source and offset:
            d = sign * offset
            clips.append(replace(c, in_point=max(0.0, c.in_point + d),
                                 source_duration=None if c.source_duration is None else c.source_duration + d))
        else:
            clips.append(c)
    return replace(timeline, clips=tuple(clips))


def _with_music(timeline: Timeline, music: str | None) -> Timeline:
    if music is None:
        return timeline
    if any(c.track == "music" and c.source == music for c in timeline.clips):
        return timeline
    kept = tuple(c for c in timeline.clips if c.track != "music" or c.locked or c.placed)
    return replace(timeline, clips=kept).add_music(music)


def timeline_cues(project, timeline: Timeline, **options) -> list[Cue]:
    """Captions where the words are heard on this timeline: stored word timings when the
    self-check has listened, else the line's words spread evenly over its take."""
    cues: list[Cue] = []
    for clip in timeline.track("voice"):
        take = project.chosen_take(clip.ref) if clip.ref else None
        if take is None or take.path != clip.source:
            continue
        try:
            words = line_words(project, clip.ref)
        except StudioError:
            continue  # a line deleted since the layout: nothing of it is heard
        offset = float(getattr(take, "offset", 0.0) or 0.0)
        shift = clip.start + offset - clip.in_point
        timed = []
        for w in words:
            # Clamped to the clip, never dropped: a word the transcriber gave no time to
            # ("1" ",200") is still one of the line's words.
            start = min(max(clip.start, w.start + shift), clip.end)
            end = min(max(start, w.end + shift), clip.end)
            timed.append(replace(w, start=start, end=end))
        if timed:
            cues += cues_from_words(timed, **options)  # a new line, a new cue
    cues.sort(key=lambda c: c.start)
    return _fix_timing(cues, options.get("min_duration", 0.8), options.get("max_duration", 6.0))


__all__ = [
    "LinesWithoutTakes", "TIMELINE_FILE", "build_timeline", "lines_without_takes", "load_timeline",
    "manifest_music", "relayout", "save_timeline", "timeline_cues", "title_card",
]
