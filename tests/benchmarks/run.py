"""Runs the benchmarks and prints their figures as ratios against same-run baselines.

    python tests/benchmarks/run.py            every benchmark
    python tests/benchmarks/run.py voice      only those whose file name contains "voice"
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    scripts = sorted(p for p in HERE.glob("*_bench.py") if not wanted or any(w in p.stem for w in wanted))
    if not scripts:
        print(f"no benchmark matches {wanted}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE))
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        sys.argv = [str(script), *[a for a in argv if a.startswith("-")]]
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
