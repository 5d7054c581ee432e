"""The verdict: who wins each row of a comparison ("a", "b" or "tie"), and overall.

Voices: the creator's picks, words misheard, naturalness, real-time factor, the whole
project's cost. Images: picks, seconds per image, peak memory, cost. The overall row
counts the rows each side won.
"""

from __future__ import annotations

from decimal import Decimal


def better(va, vb, lower: bool) -> str:
    """"a", "b" or "tie": which of two figures wins (a missing figure loses)."""
    if va is None and vb is None:
        return "tie"
    if va is None:
        return "b"
    if vb is None:
        return "a"
    if abs(va - vb) < 1e-9:
        return "tie"
    return ("a" if va < vb else "b") if lower else ("a" if va > vb else "b")


def verdict(data: dict) -> dict:
    """Who wins on picks, intelligibility, naturalness, speed and cost ("a", "b" or "tie")."""
    if data.get("task") == "image":
        return image_verdict(data)
    lines = data.get("lines", [])
    ta, tb = data.get("totals", {}).get("a", {}), data.get("totals", {}).get("b", {})
    picks = {side: sum(1 for e in lines if e.get("pick") == side) for side in "ab"}
    cost_a = Decimal(data.get("price", {}).get("a", {}).get("project", "0"))
    cost_b = Decimal(data.get("price", {}).get("b", {}).get("project", "0"))
    rows = {
        "picks": {"a": picks["a"], "b": picks["b"], "better": better(picks["a"], picks["b"], False) if any(picks.values()) else "tie"},
        "intelligibility": {"a": ta.get("wer"), "b": tb.get("wer"), "better": better(ta.get("wer"), tb.get("wer"), True)},
        "naturalness": {"a": ta.get("naturalness"), "b": tb.get("naturalness"),
                        "better": better(ta.get("naturalness"), tb.get("naturalness"), False)},
        "speed": {"a": ta.get("rtf"), "b": tb.get("rtf"), "better": better(ta.get("rtf"), tb.get("rtf"), True)},
        "cost": {"a": str(cost_a), "b": str(cost_b), "better": better(float(cost_a), float(cost_b), True)},
    }
    score = {side: sum(1 for row in rows.values() if row["better"] == side) for side in "ab"}
    rows["overall"] = {"a": score["a"], "b": score["b"], "better": better(score["a"], score["b"], False)}
    return rows


def image_verdict(data: dict) -> dict:
    """Who wins on picks, seconds per image, peak memory and cost ("a", "b" or "tie")."""
    ta, tb = data.get("totals", {}).get("a", {}), data.get("totals", {}).get("b", {})
    picks = {side: sum(1 for e in data.get("lines", []) if e.get("pick") == side) for side in "ab"}
    cost_a = Decimal(data.get("price", {}).get("a", {}).get("project", "0"))
    cost_b = Decimal(data.get("price", {}).get("b", {}).get("project", "0"))
    rows = {
        "picks": {"a": picks["a"], "b": picks["b"],
                  "better": better(picks["a"], picks["b"], False) if any(picks.values()) else "tie"},
        "seconds": {"a": ta.get("seconds"), "b": tb.get("seconds"), "better": better(ta.get("seconds"), tb.get("seconds"), True)},
        "memory": {"a": ta.get("peak_memory_mb"), "b": tb.get("peak_memory_mb"),
                   "better": better(ta.get("peak_memory_mb"), tb.get("peak_memory_mb"), True)},
        "cost": {"a": str(cost_a), "b": str(cost_b), "better": better(float(cost_a), float(cost_b), True)},
    }
    score = {side: sum(1 for row in rows.values() if row["better"] == side) for side in "ab"}
    rows["overall"] = {"a": score["a"], "b": score["b"], "better": better(score["a"], score["b"], False)}
    return rows


