"""report.py turns every suite's record into the table of docs/RELIABILITY.md."""

from __future__ import annotations

import json

import pytest

from .report import BEGIN, END, rewrite


def test_the_table_is_rewritten_from_every_record(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    for suite, cases in (("fuzz_scripts", 300), ("kill9", 120)):
        (results / f"{suite}.json").write_text(json.dumps(
            {"suite": suite, "cases": cases, "faults_injected": cases, "survived": cases, "lost": 0, "long": True}))
    doc = tmp_path / "RELIABILITY.md"
    doc.write_text(f"# Promises\n\n{BEGIN}\nold table\n{END}\n\nAfter.\n")
    rewrite(doc, results, when="2026-12-04 21:00 UTC")
    text = doc.read_text()
    assert "old table" not in text and text.endswith(f"{END}\n\nAfter.\n")
    assert "| fuzz_scripts | long | 300 | 300 | 300 | 0 |" in text
    assert "| kill9 | long | 120 | 120 | 120 | 0 |" in text
    assert "| **all** | | **420** | **420** | **420** | **0** |" in text
    rewrite(doc, results, when="later")  # again: one table, not two
    assert text.count(BEGIN) == 1 and doc.read_text().count("| kill9 |") == 1


def test_a_damaged_record_is_a_sentence(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "x.json").write_text('{"suite": "x", "cases": "many"}')
    doc = tmp_path / "RELIABILITY.md"
    doc.write_text(f"{BEGIN}\n{END}\n")
    with pytest.raises(SystemExit, match="x.json is not a suite's record"):
        rewrite(doc, results)
