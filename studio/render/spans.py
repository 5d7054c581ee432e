"""Spans of time (start, end) on a track: whether two overlap, the first free place, what is left around holes."""

from __future__ import annotations


def overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    return a0 < b1 - 1e-9 and b0 < a1 - 1e-9


def first_free(taken: list[tuple[float, float]], t: float, duration: float, gap: float) -> float:
    """The earliest start at or after t where `duration` fits between the taken spans."""
    moved = True
    while moved:
        moved = False
        for s, e in taken:
            if overlaps(t, t + duration, s, e):
                t, moved = e + gap, True
    return t


def subtract(span: tuple[float, float], holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    pieces = [span]
    for h0, h1 in sorted(holes):
        nxt = []
        for s, e in pieces:
            if not overlaps(s, e, h0, h1):
                nxt.append((s, e))
                continue
            if s < h0:
                nxt.append((s, h0))
            if h1 < e:
                nxt.append((h1, e))
        pieces = nxt
    return pieces
