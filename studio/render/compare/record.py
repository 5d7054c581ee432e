"""A comparison's record: `.stitch/comparisons/<id>.json`, the folder of its takes, the picks.

`Comparison` is what a run returns and what the window, the command and the report
read: both sides, each line's (or scene's) figures, the creator's picks (blind or not),
the verdict and the switches made from it. Saving writes the JSON atomically and the
self-contained HTML report beside it (`compare_report.py`). Comparison takes and
pictures live in `<id>/`: they are no project takes, so they never replace a chosen take
nor count as stale work.
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from studio.errors import Cancelled, EngineError, StudioError
from studio.money.ledger import BudgetExceeded
from studio.render.compare.verdict import verdict
from studio.storage import atomic_write_json, read_json

SCHEMA = 1
COMPARISONS = Path(".stitch") / "comparisons"
TIER = "compare"  # how the ledger records a comparison's renders


def comparisons_dir(folder) -> Path:
    return Path(folder) / COMPARISONS


class CandidateFailed(EngineError):
    """The candidate engine failed during a comparison; nothing was saved."""


@contextmanager
def candidate_failure(plan, side, where: str):
    """Around one side's render of one line or scene (`where`, e.g. "line 3"): the candidate's
    failure becomes the comparison's sentence; the current route's, a cancel or the budget's
    refusal is raised as it is."""
    try:
        yield
    except (Cancelled, BudgetExceeded):
        raise
    except StudioError as exc:
        if side is plan.b:
            raise CandidateFailed(
                f"The candidate {getattr(side.engine, 'label', side.engine.id)} failed on {where}: {exc.message} "
                "Nothing was saved; the project is unchanged.", detail=getattr(exc, "detail", "")) from exc
        raise


@dataclass
class Comparison:
    """A comparison's record: what `<id>.json` holds (`to_dict`), plus where it lives."""

    data: dict
    folder: Path  # the project's comparisons folder

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def json_path(self) -> Path:
        return self.folder / f"{self.id}.json"

    @property
    def html_path(self) -> Path:
        return self.folder / f"{self.id}.html"

    @property
    def lines(self) -> list[dict]:
        return self.data["lines"]

    @property
    def status(self) -> str:
        return self.data.get("status", "done")

    def line(self, line_id: str) -> dict:
        for entry in self.lines:
            if entry["line"] == line_id:
                return entry
        raise StudioError(f"Line {line_id} is not part of this comparison.")

    def pick(self, line_id: str, side: str | None, *, blind: bool = False) -> None:
        """Record the creator's pick for a line ("a", "b", or None to clear); `blind` when the
        sides were hidden (X and Y). Saved at once."""
        if side not in ("a", "b", None):
            raise StudioError(f"A pick is 'a' or 'b', not '{side}'.")
        entry = self.line(line_id)
        entry["pick"] = side
        entry["picked_blind"] = bool(blind) if side else False
        self.data["verdict"] = verdict(self.data)
        self.save()

    def blind_label(self, line_id: str, side: str) -> str:
        """"X" or "Y": what a side is called in blind mode for this line."""
        return "X" if self.line(line_id)["blind"]["x"] == side else "Y"

    def blind_side(self, line_id: str, label: str) -> str:
        x = self.line(line_id)["blind"]["x"]
        return x if label == "X" else ("b" if x == "a" else "a")

    def save(self) -> None:
        from studio.render.compare_report import write_report

        atomic_write_json(self.json_path, self.data)
        write_report(self)

    @classmethod
    def load(cls, path) -> "Comparison":
        path = Path(path)
        data = read_json(path, default=None)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or "lines" not in data:
            raise StudioError(f"{path.name} is not a comparison this studio can read: compare again.")
        return cls(data, path.parent)


def list_comparisons(folder) -> list[Path]:
    where = comparisons_dir(folder)
    return sorted(where.glob("*.json")) if where.is_dir() else []


def comparison_json(comparison: Comparison) -> str:
    return json.dumps(comparison.data, ensure_ascii=False, indent=1)


def remove_unfinished(own: Path, finished: list[dict], key: str = "take") -> None:
    """After a stop: remove what the unfinished line (or scene) left in the comparison's folder."""
    keep = {Path(e[s][key]).name for e in finished for s in "ab"}
    if own.is_dir():
        for path in own.iterdir():
            if path.name in keep:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def remove_folder(own: Path) -> None:
    """A comparison that failed leaves nothing: its folder, and the comparisons folder if now empty."""
    shutil.rmtree(own, ignore_errors=True)
    parent = own.parent
    try:
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    except OSError:
        pass
