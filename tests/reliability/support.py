"""Helpers of the bad-input, fuzzing and hosted-fault suites: the long-run flag, a copy of the demo
rendered by the sine engine, and the record every suite writes to artifacts/reliability/ for report.py."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "artifacts" / "reliability"
# `./run-tests reliability` sets this: every suite tries many more cases.
LONG = os.environ.get("STITCH_RELIABILITY_LONG", "") not in ("", "0")


def examples(normal: int, long: int) -> int:
    """How many cases a property tries: `normal` in the everyday run, `long` in the long one."""
    return long if LONG else normal


def record_run(suite: str, cases: int, faults_injected: int, survived: int, lost: int = 0) -> None:
    """Write this suite's figures where `tests/reliability/report.py` reads them."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"suite": suite, "cases": cases, "faults_injected": faults_injected, "survived": survived,
              "lost": lost, "long": LONG}
    (RESULTS / f"{suite}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def creator_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of the creator's (everything outside the studio's own folders), by path."""
    own = (".stitch", "renders", "exports")
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] not in own}


@pytest.fixture
def rendered_demo(tmp_path, sine_registry) -> Path:
    """A copy of the demo whose lines were rendered by the sine engine (the project closed)."""
    import io

    from studio.cli.command import render_project

    folder = tmp_path / "demo"
    shutil.copytree(ROOT / "resources" / "demo", folder)
    assert render_project(folder, registry=sine_registry, out=io.StringIO()) == 0
    return folder
