"""Rewrite the table of the last reliability run in docs/RELIABILITY.md.

Reads every artifacts/reliability/*.json a suite wrote ({"suite", "cases", "faults_injected",
"survived", "lost", "long"}) and replaces what lies between the two table markers in the doc.
Run after the suites: `python tests/reliability/report.py` (`./run-tests reliability` does).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "artifacts" / "reliability"
DOC = ROOT / "docs" / "RELIABILITY.md"
BEGIN = "<!-- reliability table: written by tests/reliability/report.py -->"
END = "<!-- end of reliability table -->"
FIELDS = ("cases", "faults_injected", "survived", "lost")


def read_results(folder: Path = RESULTS) -> list[dict]:
    results = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SystemExit(f"report: {path.name} could not be read ({exc}); run the suites again.") from None
        if not isinstance(record, dict) or not all(isinstance(record.get(k), int) for k in FIELDS):
            raise SystemExit(f"report: {path.name} is not a suite's record; run the suites again.")
        results.append({"suite": str(record.get("suite") or path.stem), **{k: record[k] for k in FIELDS},
                        "long": bool(record.get("long"))})
    return results


def table(results: list[dict], when: str) -> str:
    rows = ["| Suite | Run | Cases tried | Faults injected | Survived | Lost |", "|---|---|---:|---:|---:|---:|"]
    for r in results:
        rows.append(f"| {r['suite']} | {'long' if r['long'] else 'normal'} | {r['cases']:,} | "
                    f"{r['faults_injected']:,} | {r['survived']:,} | {r['lost']:,} |")
    total = {k: sum(r[k] for r in results) for k in FIELDS}
    rows.append(f"| **all** | | **{total['cases']:,}** | **{total['faults_injected']:,}** | "
                f"**{total['survived']:,}** | **{total['lost']:,}** |")
    return f"Last run: {when}.\n\n" + "\n".join(rows)


def rewrite(doc: Path = DOC, results_folder: Path = RESULTS, when: str | None = None) -> str:
    results = read_results(results_folder)
    if not results:
        raise SystemExit("report: no results in artifacts/reliability/; run the reliability suites first.")
    text = doc.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"report: {doc.name} has lost its table markers; put back {BEGIN} and {END}.")
    when = when or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{table(results, when)}\n{END}{tail}"
    doc.write_text(new, encoding="utf-8")
    lost = sum(r["lost"] for r in results)
    return f"{len(results)} suites, {sum(r['cases'] for r in results):,} cases, {lost} lost: {doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc} rewritten."


if __name__ == "__main__":
    print(rewrite())
    sys.exit(0)
