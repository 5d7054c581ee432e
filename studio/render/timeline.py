"""The timeline: clips on four tracks, laid out from the script and edited by the creator.

Plain values, no Qt, no ffmpeg. A `Timeline` never changes: every edit returns a new
one, so undo keeps the old value and an export on a worker thread holds a timeline
nobody can change under it. Times are seconds on the timeline; `in_point` is seconds
into the clip's own file. A still's pan/zoom is in `framing`, the music's dip under
speech in `ducking`; both are importable from here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from studio.render.ducking import Ducking, duck_envelope
from studio.render.errors import TimelineError
from studio.render.framing import DIRECTIONS, MAX_ZOOM, PanZoom, Rect, centred
from studio.render.saved import MAX_TIME, number
from studio.render.spans import first_free, overlaps, subtract

TRACKS = ("voice", "image", "music", "caption")
DEFAULT_GAP = 0.35
MIN_CLIP = 1 / 30  # one frame of the presets
MAX_GAP = 10.0  # seconds of silence before a line, at most


@dataclass(frozen=True)
class Clip:
    id: str
    track: str  # one of TRACKS
    source: str  # path relative to the project folder
    start: float
    duration: float
    in_point: float = 0.0
    locked: bool = False
    ref: str = ""  # the line id (voice) or scene id (image) it stands for
    gain_db: float = 0.0
    pan_zoom: PanZoom | None = None
    source_duration: float | None = None  # length of the file; None for stills and loops
    fade_in: float = 0.0
    fade_out: float = 0.0
    placed: bool = False  # moved or trimmed by hand: a re-layout keeps it where it still fits

    @property
    def end(self) -> float:
        return self.start + self.duration

    def timeline_time(self, source_time: float) -> float | None:
        """Where a moment of the clip's file (e.g. a word of a take) lands; None if trimmed away."""
        if not self.in_point <= source_time <= self.in_point + self.duration:
            return None
        return self.start + source_time - self.in_point

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in _CLIP_FIELDS}
        d["pan_zoom"] = self.pan_zoom.to_dict() if self.pan_zoom else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Clip":
        """A saved clip; a hand-edited one with a wrong type, NaN or an absurd time raises ValueError."""
        d = {k: v for k, v in d.items() if k in _CLIP_FIELDS}
        if d.get("track") not in TRACKS or any(not isinstance(d.get(k, ""), str) for k in ("id", "source", "ref")):
            raise ValueError(f"not a clip: {d!r}")
        for k in ("start", "duration", "in_point", "fade_in", "fade_out"):
            if k in d:
                d[k] = number(d[k], 0.0, MAX_TIME)
        if d.get("source_duration") is not None:
            d["source_duration"] = number(d["source_duration"], 0.0, MAX_TIME)
        if "gain_db" in d:
            d["gain_db"] = number(d["gain_db"], -200.0, 200.0)
        if any(not isinstance(d.get(k, False), bool) for k in ("locked", "placed")):
            raise ValueError(f"not a clip: {d!r}")
        if d.get("pan_zoom"):
            d["pan_zoom"] = PanZoom.from_dict(d["pan_zoom"])
        return cls(**d)


_CLIP_FIELDS = tuple(Clip.__dataclass_fields__)


VoiceItem = tuple[str, str, str, float]  # line id, scene id, wav path, duration
SceneItem = tuple[str, "str | None"]  # scene id, image path or None


@dataclass(frozen=True)
class Timeline:
    clips: tuple[Clip, ...] = ()
    gap: float = DEFAULT_GAP
    ducking: Ducking = field(default_factory=Ducking)
    # What it was laid out from, so a change of gap can lay it out again.
    voice_items: tuple[VoiceItem, ...] = ()
    scene_items: tuple[SceneItem, ...] = ()
    line_gaps: tuple[tuple[str, float], ...] = ()  # (line id, gap before it) set by hand on the timeline
    # (line id, gap before it) from the script's direction: the pause after the line before it.
    pauses: tuple[tuple[str, float], ...] = ()
    # (line id, the pause in force when its gap was set by hand): that gap holds while the pause does.
    gap_pauses: tuple[tuple[str, float], ...] = ()

    @property
    def duration(self) -> float:
        """The end of the last clip: the length of the exported video."""
        return max((c.end for c in self.clips), default=0.0)

    def track(self, name: str) -> list[Clip]:
        return sorted((c for c in self.clips if c.track == name), key=lambda c: (c.start, c.id))

    def clip(self, clip_id: str) -> Clip:
        for c in self.clips:
            if c.id == clip_id:
                return c
        raise TimelineError("That clip is no longer on the timeline: it may have been removed by a re-layout.")

    def clip_at(self, track: str, t: float) -> Clip | None:
        """The clip of `track` showing at time t (the latest-starting one where they overlap)."""
        hits = [c for c in self.track(track) if c.start <= t < c.end]
        return hits[-1] if hits else None

    def clip_for(self, ref: str, track: str = "voice") -> Clip | None:
        return next((c for c in self.track(track) if c.ref == ref), None)

    # -- edits: each returns a new timeline --------------------------------------------
    def _with(self, clip: Clip) -> "Timeline":
        return replace(self, clips=tuple(clip if c.id == clip.id else c for c in self.clips))

    def _editable(self, clip_id: str) -> Clip:
        clip = self.clip(clip_id)
        if clip.locked:
            raise TimelineError("This clip is locked: unlock it before moving or trimming it.")
        return clip

    def move(self, clip_id: str, start: float) -> "Timeline":
        clip = self._editable(clip_id)
        return self._with(replace(clip, start=max(0.0, float(start)), placed=True))

    def trim(self, clip_id: str, in_point: float, duration: float, start: float | None = None) -> "Timeline":
        clip = self._editable(clip_id)
        in_point = max(0.0, float(in_point))
        if clip.source_duration is not None:
            in_point = min(in_point, clip.source_duration - MIN_CLIP)
            duration = min(float(duration), clip.source_duration - in_point)
        duration = max(MIN_CLIP, float(duration))
        new_start = clip.start if start is None else max(0.0, float(start))
        return self._with(replace(clip, in_point=in_point, duration=duration, start=new_start, placed=True))

    def lock(self, clip_id: str, locked: bool = True) -> "Timeline":
        return self._with(replace(self.clip(clip_id), locked=bool(locked)))

    def set_gain(self, clip_id: str, gain_db: float) -> "Timeline":
        return self._with(replace(self.clip(clip_id), gain_db=float(gain_db)))

    def set_pan_zoom(self, clip_id: str, pan_zoom: PanZoom | None) -> "Timeline":
        return self._with(replace(self.clip(clip_id), pan_zoom=pan_zoom))

    def set_ducking(self, amount_db: float, attack: float, release: float) -> "Timeline":
        if not (amount_db <= 0 and attack >= 0 and release >= 0):
            raise TimelineError("Ducking lowers the music: use an amount of 0 dB or less and times of 0 s or more.")
        return replace(self, ducking=replace(self.ducking, amount_db=float(amount_db), attack=float(attack),
                                             release=float(release)))

    def set_gap(self, gap: float) -> "Timeline":
        gap = _checked_gap(gap)
        if not self.voice_items:
            return replace(self, gap=gap)
        return layout(self.voice_items, self.scene_items, gap=gap, previous=self)

    def gap_before(self, line_id: str) -> float:
        """The silence the layout leaves before a line: its own gap, else the pause after the line
        before it, else the timeline's (none before the first)."""
        return _gap_before(line_id, dict(self.line_gaps), dict(self.gap_pauses), dict(self.pauses),
                           self._usual_gap(line_id))

    def _usual_gap(self, line_id: str) -> float:
        first = self.voice_items[0][0] if self.voice_items else None
        return 0.0 if line_id == first else dict(self.pauses).get(line_id, self.gap)

    def with_line_gap(self, line_id: str, gap: float | None) -> "Timeline":
        """The gap before one line recorded (None: back to the timeline's gap), not yet laid out;
        the line goes back into the flow if it was placed by hand, so the gap shows."""
        clip = self.clip_for(line_id)
        if clip is not None and clip.locked:
            raise TimelineError("This line is locked: unlock it before changing the gap before it.")
        gaps, against = dict(self.line_gaps), dict(self.gap_pauses)
        gaps.pop(line_id, None)
        against.pop(line_id, None)
        if gap is not None and abs(_checked_gap(gap) - self._usual_gap(line_id)) > 1e-9:
            gaps[line_id] = float(gap)
            if line_id in dict(self.pauses):
                against[line_id] = dict(self.pauses)[line_id]
        timeline = replace(self, line_gaps=tuple(sorted(gaps.items())), gap_pauses=tuple(sorted(against.items())))
        return timeline._with(replace(clip, placed=False)) if clip is not None else timeline

    def set_line_gap(self, line_id: str, gap: float | None) -> "Timeline":
        """Change the gap before one line and lay the lines after it out again."""
        return layout(self.voice_items, self.scene_items, gap=self.gap, previous=self.with_line_gap(line_id, gap))

    def trim_edge(self, clip_id: str, edge: str, t: float) -> "Timeline":
        """Drag a clip's start or end edge to time t: the other edge stays where it is.

        A sound's start cannot go before the start of its file, nor its end past the file's
        end; a still has no such limit (its picture is the same at every moment).
        """
        clip = self._editable(clip_id)
        t, still = float(t), clip.track == "image"
        if edge == "start":
            earliest = 0.0 if still else max(0.0, clip.start - clip.in_point)
            t = min(max(t, earliest), clip.end - MIN_CLIP)
            in_point = clip.in_point if still else clip.in_point + (t - clip.start)
            return self._with(replace(clip, start=t, in_point=max(0.0, in_point), duration=clip.end - t, placed=True))
        if edge == "end":
            latest = float("inf") if clip.source_duration is None else clip.start + clip.source_duration - clip.in_point
            t = min(max(t, clip.start + MIN_CLIP), latest)
            return self._with(replace(clip, duration=t - clip.start, placed=True))
        raise TimelineError(f"A clip has a start edge and an end edge, not {edge!r}.")

    def set_fades(self, clip_id: str, fade_in: float, fade_out: float) -> "Timeline":
        clip = self.clip(clip_id)
        if fade_in < 0 or fade_out < 0:
            raise TimelineError("A fade lasts 0 seconds or more.")
        if fade_in + fade_out > clip.duration + 1e-9:
            raise TimelineError(f"The fades are longer than the clip ({clip.duration:.1f} s): shorten one of them.")
        return self._with(replace(clip, fade_in=float(fade_in), fade_out=float(fade_out)))

    def remove(self, clip_id: str) -> "Timeline":
        self.clip(clip_id)
        return replace(self, clips=tuple(c for c in self.clips if c.id != clip_id))

    def add_music(self, source: str, gain_db: float = 0.0, fade_in: float = 1.0, fade_out: float = 2.0) -> "Timeline":
        """A music bed under the whole narration; it follows the narration's length until moved or trimmed."""
        n = sum(1 for c in self.clips if c.track == "music")
        clip = Clip(
            id=f"music:{n + 1}", track="music", source=str(source), start=0.0,
            duration=max(MIN_CLIP, _narration_end(self.clips)), gain_db=gain_db,
            fade_in=fade_in, fade_out=fade_out,
        )
        return replace(self, clips=self.clips + (clip,))

    def snap_move(self, clip_id: str, start: float, threshold: float = 0.1, extra: tuple[float, ...] = ()) -> float:
        """The start to use when dragging a clip: its start or its end clings to a nearby edge."""
        clip = self.clip(clip_id)
        points = [0.0, *extra]
        for c in self.clips:
            if c.id != clip_id:
                points += [c.start, c.end]
        best, best_distance = max(0.0, start), threshold
        for p in points:
            for candidate in (p, p - clip.duration):
                if candidate >= 0 and abs(candidate - start) < best_distance:
                    best, best_distance = candidate, abs(candidate - start)
        return best

    def snap_time(self, t: float, threshold: float = 0.1, extra: tuple[float, ...] = (),
                  exclude: str | None = None) -> float:
        """The time to use for a dragged edge: the nearest clip edge (or extra point) within threshold."""
        points = [0.0, *extra] + [e for c in self.clips if c.id != exclude for e in (c.start, c.end)]
        near = min(points, key=lambda p: abs(p - t))
        return near if abs(near - t) < threshold else max(0.0, t)

    # -- saving --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "version": 1,
            "gap": self.gap,
            "ducking": vars(self.ducking).copy(),
            "voice_items": [list(i) for i in self.voice_items],
            "scene_items": [list(i) for i in self.scene_items],
            "line_gaps": dict(self.line_gaps),
            "pauses": dict(self.pauses),
            "gap_pauses": dict(self.gap_pauses),
            "clips": [c.to_dict() for c in self.clips],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Timeline":
        try:
            return cls(
                clips=tuple(Clip.from_dict(c) for c in d.get("clips", [])),
                gap=number(d.get("gap", DEFAULT_GAP), 0.0, MAX_GAP),
                ducking=Ducking(**{k: number(v, -200.0, MAX_TIME) for k, v in d.get("ducking", {}).items()}),
                voice_items=tuple((str(a), str(b), str(p), number(t, 0.0, MAX_TIME))
                                  for a, b, p, t in d.get("voice_items", [])),
                scene_items=tuple((str(a), p) for a, p in d.get("scene_items", [])),
                line_gaps=tuple(sorted((str(k), number(v, 0.0, MAX_GAP)) for k, v in d.get("line_gaps", {}).items())),
                pauses=tuple(sorted((str(k), number(v, 0.0, MAX_GAP)) for k, v in d.get("pauses", {}).items())),
                gap_pauses=tuple(sorted((str(k), number(v, 0.0, MAX_GAP)) for k, v in d.get("gap_pauses", {}).items())),
            )
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise TimelineError(
                "The saved timeline is damaged and could not be read: lay it out again from the script.",
                detail=repr(exc),
            ) from exc


def _gap_before(line_id: str, gaps: dict, against: dict, pauses: dict, usual: float) -> float:
    """A gap set by hand while the pause before the line was what it is now; else `usual`."""
    if line_id in gaps and against.get(line_id) == pauses.get(line_id):
        return gaps[line_id]
    return usual


def _checked_gap(gap: float) -> float:
    gap = float(gap)
    if not 0.0 <= gap <= MAX_GAP:
        raise TimelineError("The gap between lines must be between 0 and 10 seconds.")
    return gap


def _narration_end(clips) -> float:
    return max((c.end for c in clips if c.track in ("voice", "image")), default=0.0)


def _carry(old: Clip, wav: str, duration: float) -> Clip:
    """The previous clip of a line, updated for its current take."""
    same_take = old.source == wav and old.source_duration is not None and abs(old.source_duration - duration) < 1e-6
    if same_take:
        return old
    return replace(old, source=wav, in_point=0.0, duration=max(MIN_CLIP, duration), source_duration=duration)


def layout(voice_items, scene_items, gap: float = DEFAULT_GAP, previous: Timeline | None = None,
           pauses: dict[str, float] | None = None) -> Timeline:
    """Lay the script out: lines back to back with `gap`, each scene's image under its lines.

    `pauses` (line id: the gap before it) is the script's direction, the pause after the
    line before; None keeps the previous timeline's. A gap set by hand on the timeline wins
    while the pause it was set against stands: the newer of the two is what the creator
    wants, and undoing a new pause brings the hand gap back.
    With `previous`, locked clips stay where they are and push the lines that would
    overlap them; a line moved by hand stays where it was put while it still fits (a
    new take included); trims of an unchanged take, pan/zoom, gains and music are kept.
    An image moved or trimmed by hand stays as it was put, like a locked one; the gap
    before a line is its own where the creator set one (`Timeline.line_gaps`).
    """
    voice_items = tuple((str(a), str(b), str(p), float(d)) for a, b, p, d in voice_items)
    scene_items = tuple((str(s), None if p is None else str(p)) for s, p in scene_items)
    old = {c.id: c for c in previous.clips} if previous else {}
    ducking = previous.ducking if previous else Ducking()

    voice: dict[str, Clip] = {}
    taken: list[tuple[float, float]] = []
    for line_id, _scene, wav, duration in voice_items:
        before = old.get(f"voice:{line_id}")
        if before is not None and before.locked:
            voice[line_id] = _carry(before, wav, duration)
            taken.append((voice[line_id].start, voice[line_id].end))

    gaps = dict(previous.line_gaps) if previous else {}
    against = dict(previous.gap_pauses) if previous else {}
    was = dict(previous.pauses) if previous else {}
    pauses = was if pauses is None else {str(k): _checked_gap(v) for k, v in pauses.items()}
    said = None  # where the last line laid out so far ends
    for line_id, _scene, wav, duration in voice_items:
        if line_id in voice:  # locked
            said = max(said or 0.0, voice[line_id].end)
            continue
        cursor = (gaps.get(line_id, 0.0) if said is None
                  else said + _gap_before(line_id, gaps, against, pauses, pauses.get(line_id, gap)))
        before = old.get(f"voice:{line_id}")
        if before is not None:
            clip = _carry(before, wav, duration)
        else:
            clip = Clip(id=f"voice:{line_id}", track="voice", source=wav, start=0.0,
                        duration=max(MIN_CLIP, duration), ref=line_id, source_duration=duration)
        fits = clip.placed and not any(overlaps(clip.start, clip.end, s, e) for s, e in taken)
        start = clip.start if fits else first_free(taken, cursor, clip.duration, gap)
        clip = replace(clip, start=start)
        voice[line_id] = clip
        taken.append((clip.start, clip.end))
        said = max(said or 0.0, clip.end)

    clips: list[Clip] = list(voice.values())
    clips += _image_clips(voice_items, scene_items, voice, old)
    end = _narration_end(clips)
    for c in old.values():
        if c.track == "music" and not (c.locked or c.placed) and c.start == 0.0:
            c = replace(c, duration=max(MIN_CLIP, end))
        if c.track in ("music", "caption"):
            clips.append(c)
    known = {line_id for line_id, *_ in voice_items}
    line_gaps = tuple((k, v) for k, v in sorted(gaps.items()) if k in known)
    gap_pauses = tuple((k, v) for k, v in sorted(against.items()) if k in known and k in gaps)
    return Timeline(tuple(clips), gap=float(gap), ducking=ducking, voice_items=voice_items, scene_items=scene_items,
                    line_gaps=line_gaps, pauses=tuple(sorted(pauses.items())), gap_pauses=gap_pauses)


def _image_clips(voice_items, scene_items, voice: dict[str, Clip], old: dict[str, Clip]) -> list[Clip]:
    images = dict(scene_items)
    first: dict[str, float] = {}
    for line_id, scene_id, _wav, _duration in voice_items:
        first[scene_id] = min(first.get(scene_id, float("inf")), voice[line_id].start)
    order = sorted(first, key=first.get)
    end = max((c.end for c in voice.values()), default=0.0)

    locked = []
    for scene_id in order:
        before = old.get(f"image:{scene_id}")
        if before is not None and (before.locked or before.placed) and images.get(scene_id):
            locked.append(replace(before, source=images[scene_id]))
    locked_scenes = {c.ref for c in locked}
    clips = list(locked)
    for i, scene_id in enumerate(order):
        if scene_id in locked_scenes or not images.get(scene_id):
            continue
        span_start = 0.0 if i == 0 else first[scene_id]
        span_end = first[order[i + 1]] if i + 1 < len(order) else end
        before = old.get(f"image:{scene_id}")
        pan_zoom = before.pan_zoom if before is not None else PanZoom()
        pieces = subtract((span_start, span_end), [(c.start, c.end) for c in locked])
        for n, (s, e) in enumerate(p for p in pieces if p[1] - p[0] >= MIN_CLIP):
            clips.append(Clip(
                id=f"image:{scene_id}" + (f"~{n + 1}" if n else ""), track="image", source=images[scene_id],
                start=s, duration=e - s, ref=scene_id, pan_zoom=pan_zoom,
            ))
    return clips


# Framing and ducking live in their own modules; importing them from here keeps working.
__all__ = [
    "TRACKS", "DEFAULT_GAP", "MIN_CLIP", "MAX_GAP", "MAX_TIME", "MAX_ZOOM", "DIRECTIONS", "Rect", "centred",
    "PanZoom", "Clip", "Ducking", "VoiceItem", "SceneItem", "Timeline", "layout", "duck_envelope",
]
