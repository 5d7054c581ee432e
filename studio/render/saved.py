"""Checks on values read back from a saved timeline: a hand-edited or damaged file raises
ValueError, which `Timeline.from_dict` turns into one sentence for the creator."""

from __future__ import annotations

MAX_TIME = 24 * 3600.0  # a saved time beyond a day is a damaged file, not a narrated video


def number(value, low: float, high: float) -> float:
    """A number read from a saved timeline; ValueError for text, true/false, NaN or one out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{value!r} is not a number from {low:g} to {high:g}")
    return float(value)
