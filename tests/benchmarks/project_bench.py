"""Project layer speed: opening a 1,000-line script, matching 2,000 edited lines.

Each figure is printed with a same-run baseline: reading and splitting the file
with a bare regex (what any editor must do), and one pass of difflib over the
same pairs of lines (the matching's own yardstick).
"""

from __future__ import annotations

import difflib
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _median(fn, repeats=5):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def open_thousand_lines(work: Path) -> None:
    from studio.project.project import Project

    folder = work / "thousand"
    folder.mkdir()
    body = "".join(f"# Scene {s}\n\n" + "".join(f"Line {s}-{n} of the long script.\n\n" for n in range(50)) for s in range(20))
    (folder / "script.md").write_text(body, encoding="utf-8")
    started = time.perf_counter()
    Project.open(folder).close()
    first = time.perf_counter() - started
    again = _median(lambda: Project.open(folder).close())
    bare = _median(lambda: re.split(r"\n\s*\n", (folder / "script.md").read_text(encoding="utf-8")))
    print(f"open a 1,000-line project: first {first * 1000:.0f} ms, again {again * 1000:.0f} ms "
          f"(target < 300 ms); bare read+split {bare * 1000:.2f} ms -> ratio {again / bare:.0f}x")


def match_two_thousand() -> None:
    from studio.project.identity import match_lines

    rng = random.Random(1)
    words = "local models render every draft line voice premium studio creator script scene".split()
    old = [(f"id{i}", f"{i}: " + " ".join(rng.choices(words, k=12))) for i in range(2000)]
    new = [text + (" now reworded" if i % 2 else "") for i, (_, text) in enumerate(old)]
    for i in range(0, 2000, 50):
        new[i], new[i + 7] = new[i + 7], new[i]
    took = _median(lambda: match_lines(old, new), repeats=3)
    pairs = list(zip((t for _, t in old), new))
    bare = _median(lambda: [difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs], repeats=3)
    print(f"match 2,000 edited and moved lines: {took * 1000:.0f} ms (target < 1 s); "
          f"one difflib ratio per line pair {bare * 1000:.0f} ms -> ratio {took / bare:.2f}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        open_thousand_lines(Path(tmp))
        match_two_thousand()
