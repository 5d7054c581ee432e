"""The hard sample: which of the creator's lines a comparison renders.

Not random lines: the longest and the shortest, then lines with numbers, names,
pronunciation-dictionary words and unusual punctuation, in turn, then the longest of
the rest. The image side (`compare_images.hard_scenes`) reads prompts with the same
patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.jobs.check import normalize_words

if TYPE_CHECKING:
    from studio.project.project import Project

DEFAULT_SAMPLE = 8
UNUSUAL = set(";:—–()[]{}\"“”‘’…!?/&%*#@+=~<>«»")
NUMBER = re.compile(r"\d")
CAPITAL = re.compile(r"\b[A-Z][a-z]+")


@dataclass(frozen=True)
class Pick:
    line_id: str
    reasons: tuple[str, ...]


def line_reasons(project: "Project", line_id: str) -> list[str]:
    """Why a line is hard to say: numbers, names, dictionary words, unusual punctuation."""
    text = project.line(line_id).text
    reasons = []
    if NUMBER.search(text):
        reasons.append("numbers")
    words = text.split()
    # A capital that does not start a sentence is most likely a name.
    if any(CAPITAL.fullmatch(w.strip(".,;:!?\"'()“”‘’")) and i > 0 and not words[i - 1].endswith((".", "!", "?", ":"))
           for i, w in enumerate(words)):
        reasons.append("names")
    if project.pronunciations_used(line_id):
        reasons.append("dictionary words")
    if UNUSUAL & set(text):
        reasons.append("unusual punctuation")
    return reasons


def hard_sample(project: "Project", k: int = DEFAULT_SAMPLE) -> list[Pick]:
    """Up to `k` lines chosen to be hard: the longest and the shortest, then a line with numbers,
    one with names, one with dictionary words, one with unusual punctuation, in turn; then the
    longest of the rest. In script order."""
    lines = [line for line in project.lines if line.text.strip()]
    if not lines or k <= 0:
        return []
    size = {line.id: len(normalize_words(line.text)) for line in lines}
    reasons = {line.id: line_reasons(project, line.id) for line in lines}
    by_length = sorted(lines, key=lambda line: -size[line.id])
    chosen: dict[str, list[str]] = {}

    def take(line_id: str, why: str) -> None:
        if line_id not in chosen and len(chosen) < k:
            chosen[line_id] = [why]
        elif line_id in chosen and why not in chosen[line_id]:
            chosen[line_id].append(why)

    take(by_length[0].id, "longest")
    take(by_length[-1].id, "shortest")
    kinds = ("numbers", "names", "dictionary words", "unusual punctuation")
    queues = {kind: [line.id for line in by_length if kind in reasons[line.id]] for kind in kinds}
    while len(chosen) < k and any(queues.values()):
        for kind in kinds:
            while queues[kind] and queues[kind][0] in chosen:
                queues[kind].pop(0)  # already in the sample: it counts for this kind too (below)
            if queues[kind] and len(chosen) < k:
                take(queues[kind].pop(0), kind)
    for line in by_length:
        if len(chosen) >= k:
            break
        if line.id not in chosen:
            take(line.id, "long")
    for line_id, why in chosen.items():  # every reason a chosen line has, not only the one it was picked for
        why.extend(r for r in reasons[line_id] if r not in why)
    order = {line.id: i for i, line in enumerate(lines)}
    return [Pick(line_id, tuple(chosen[line_id])) for line_id in sorted(chosen, key=order.get)]



def line_number(project: "Project", line_id: str) -> int:
    """The line's number from 1, as the editor shows it; 0 when it is not in the script."""
    for i, line in enumerate(project.lines, 1):
        if line.id == line_id:
            return i
    return 0
