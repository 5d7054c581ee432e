"""Which line is which after an edit: line ids survive rewording, reorders and other editors.

A line's id is what its takes, voice and speed hang on. When the script changes
(in the studio, in another editor, or while the studio was closed) the new lines
are matched to the old ones: identical text first, then text that is still
recognisably the same line (difflib's similarity of at least 0.6).
"""

from __future__ import annotations

import bisect
import uuid
from collections import Counter, defaultdict, deque
from difflib import SequenceMatcher

# A reworded line whose similarity to an old line is at least this keeps its id.
SIMILARITY = 0.6

# difflib's ratio() costs about 0.2 ms for a typical line. These bounds keep a script
# of a few thousand lines, however much of it changed, well under a second; past them
# a changed line simply gets a new id (its old takes stay, retired, not lost).
_RATIO_CALLS = 1500
_COMPARISONS = 30_000
_LONG = 2000  # characters (both lines together) above which ratio() is too slow to use
_SMALL_GAP = 400  # pairs in a gap between unchanged lines that are all compared
_WINDOW = 4  # otherwise, old lines this close to a new line's own place
_FAR_ALL_PAIRS = 10_000
_FAR_WINDOW = 12


def new_id() -> str:
    """A fresh, short id for a line or a scene."""
    return uuid.uuid4().hex[:12]


def match_lines(old: list[tuple[str, str]], new: list[str]) -> list[str | None]:
    """Give each new line the id of the old line it continues, or None for a new line.

    `old` is (id, text) in old order; `new` is texts in new order. Deterministic:
    the same input always gives the same answer.
    """
    result: list[str | None] = [None] * len(new)
    taken = [False] * len(old)

    # Identical text keeps its id; duplicates pair up in order of appearance.
    by_text: dict[str, deque[int]] = defaultdict(deque)
    for i, (_, text) in enumerate(old):
        by_text[text].append(i)
    matched_old = [-1] * len(new)
    for j, text in enumerate(new):
        queue = by_text.get(text)
        if queue:
            i = queue.popleft()
            result[j], taken[i], matched_old[j] = old[i][0], True, i

    budget = _Budget()
    # Most edits reword a line where it stands: look between the unchanged lines first.
    _assign(_near_pairs(old, new, matched_old, taken, budget), old, result, taken)
    # Then lines that moved and changed.
    _assign(_far_pairs(old, new, result, taken, budget), old, result, taken)
    return result


def _assign(pairs: list[tuple[float, int, int]], old, result, taken) -> None:
    # Best match first; among equals, the one that moved least, then by position.
    pairs.sort(key=lambda p: (-p[0], abs(p[1] - p[2]), p[2], p[1]))
    for _, i, j in pairs:
        if not taken[i] and result[j] is None:
            result[j], taken[i] = old[i][0], True


def _near_pairs(old, new, matched_old, taken, budget) -> list[tuple[float, int, int]]:
    free_old = [i for i in range(len(old)) if not taken[i]]
    pairs = []
    j = 0
    while j < len(new):
        if matched_old[j] >= 0:
            j += 1
            continue
        start = j
        while j < len(new) and matched_old[j] < 0:
            j += 1
        run = list(range(start, j))
        low = matched_old[start - 1] if start > 0 else -1
        high = matched_old[j] if j < len(new) else len(old)
        if high <= low:  # the lines around the gap swapped places: look just after the one before
            high = low + len(run) + 1
        region = free_old[bisect.bisect_right(free_old, low) : bisect.bisect_left(free_old, high)]
        pairs += _compare(old, new, region, run, budget, len(run) * len(region) <= _SMALL_GAP, _WINDOW)
    return pairs


def _far_pairs(old, new, result, taken, budget) -> list[tuple[float, int, int]]:
    free_old = [i for i in range(len(old)) if not taken[i]]
    free_new = [j for j in range(len(new)) if result[j] is None]
    everything = len(free_old) * len(free_new) <= _FAR_ALL_PAIRS
    return _compare(old, new, free_old, free_new, budget, everything, _FAR_WINDOW)


class _Budget:
    """How much comparing is left; counted, not timed, so the answer stays deterministic."""

    def __init__(self):
        self.comparisons = _COMPARISONS
        self.ratios = _RATIO_CALLS
        self._counts: dict[str, Counter] = {}

    def counts(self, text: str) -> Counter:
        found = self._counts.get(text)
        if found is None:
            found = self._counts[text] = Counter(text)
        return found


def _compare(old, new, olds: list[int], news: list[int], budget: _Budget, everything: bool, window: int):
    """(similarity, old index, new index) for each pair worth keeping."""
    if not olds or not news:
        return []
    scale = len(olds) / len(news)
    candidates = []
    for rank, j in enumerate(news):
        if everything:
            near = olds
        else:
            centre = int(rank * scale)
            near = olds[max(0, centre - window) : centre + window + 1]
        candidates += [(abs(i - j), j, i) for i in near]
    # Nearest pairs first, so that a budget running out leaves only the unlikely ones unexamined.
    candidates.sort()
    matcher = SequenceMatcher(None, autojunk=False)
    pairs = []
    for _, j, i in candidates[: budget.comparisons]:
        similarity = _similarity(matcher, old[i][1], new[j], budget)
        if similarity >= SIMILARITY:
            pairs.append((similarity, i, j))
    budget.comparisons -= min(len(candidates), budget.comparisons)
    return pairs


def _similarity(matcher: SequenceMatcher, a: str, b: str, budget: _Budget) -> float:
    total = len(a) + len(b)
    if not total:
        return 1.0
    # Upper bounds of ratio() (from the lengths, then from the letters shared): cheap ways to say no.
    if 2.0 * min(len(a), len(b)) / total < SIMILARITY:
        return 0.0
    if total <= _LONG and budget.ratios > 0:
        if 2.0 * sum((budget.counts(a) & budget.counts(b)).values()) / total < SIMILARITY:
            return 0.0
        budget.ratios -= 1
        if matcher.b is not b:
            matcher.set_seq2(b)  # SequenceMatcher caches what it learns about seq2
        matcher.set_seq1(a)
        return matcher.ratio()
    # Past the budget, or on a very long line: the shared start and end, the usual shape
    # of an edit, is a cheap stand-in for ratio() even on 20,000 characters.
    prefix = _common_prefix(a, b)
    suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
    return 2.0 * (prefix + suffix) / total


def _common_prefix(a: str, b: str) -> int:
    # Binary search on slice equality: the comparisons run in C, not character by character here.
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
