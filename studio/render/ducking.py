"""Ducking: music dips under speech. The settings, and the gain curve the mix applies."""

from __future__ import annotations

from dataclasses import dataclass

from studio.render.spans import overlaps


@dataclass(frozen=True)
class Ducking:
    """How far music dips under speech, and how fast it goes down and comes back."""

    amount_db: float = -12.0
    attack: float = 0.15
    release: float = 0.4
    # The music bed is levelled to this many LU under the speech, whatever its own level
    # (a quiet file is raised, a loud one lowered), before it dips; 0 leaves it as the file is.
    under_speech_lu: float = 18.0


def duck_envelope(music, voice_clips, amount_db: float = -12.0, attack: float = 0.15,
                  release: float = 0.4) -> list[tuple[float, float]]:
    """A music clip's gain in dB as (time, gain) breakpoints, straight lines between them.

    The music starts going down `attack` seconds before a line (the mix is made
    offline, so it can look ahead), is `amount_db` lower while the line speaks and
    comes back over `release` seconds; lines closer than attack + release apart
    keep it down between them.
    """
    speech: list[list[float]] = []
    for s, e in sorted((c.start, c.end) for c in voice_clips if overlaps(c.start, c.end, music.start, music.end)):
        if speech and s - attack <= speech[-1][1] + release:
            speech[-1][1] = max(speech[-1][1], e)
        else:
            speech.append([s, e])
    raw = [(float("-inf"), 0.0)]
    for s, e in speech:
        raw += [(s - attack, 0.0), (s, amount_db), (e, amount_db), (e + release, 0.0)]
    raw.append((float("inf"), 0.0))

    inner = [(t, g) for t, g in raw if music.start < t < music.end]
    return [(music.start, _interpolate(raw, music.start)), *inner, (music.end, _interpolate(raw, music.end))]


def _interpolate(points: list[tuple[float, float]], t: float) -> float:
    for (t0, g0), (t1, g1) in zip(points, points[1:]):
        if t0 <= t <= t1:
            if t1 - t0 <= 1e-12 or t1 == float("inf") or t0 == float("-inf"):
                return g1 if t >= t1 else g0
            return g0 + (g1 - g0) * (t - t0) / (t1 - t0)
    return points[-1][1]
