"""Compare engines: the project's current route against a candidate, on the creator's own lines.

The pieces, in the order a comparison walks through them:

* `candidate.py`: the engine to try and its settings (`Candidate`, `parse_settings`).
* `sample.py`: which lines: the hard sample (`hard_sample`: the longest, the shortest,
  numbers, names, dictionary words, unusual punctuation).
* `plan.py`: both engines and every request made, the candidate priced, before anything
  renders (`plan_comparison`); a candidate that cannot be used fails there, writing nothing.
* `voices.py`: the worker side (`run_comparison`): both takes of each line rendered,
  measured (`compare_measure.py`), transcribed for the word error rate, saved.
* `record.py`: the saved comparison (`Comparison`: `<id>.json`, its takes in `<id>/`,
  the picks) and the report beside it (`compare_report.py`).
* `verdict.py`: who wins each row (`verdict`, `image_verdict`).
* `switch.py`: using the candidate for drafts or finals, and undoing it (`plan_switch`,
  `apply_switch`, `undo_switch`).

Image comparisons (`compare_images.py`) share the candidate, the record, the verdict and
the switch. Everything a caller needs is importable from `studio.render.compare`.
"""

from studio.render.compare.candidate import REQUEST_KEYS, Candidate, parse_settings
from studio.render.compare.plan import (
    Plan, Side, candidate_engine, current_engine, line_request, plan_comparison, project_cost,
)
from studio.render.compare.record import (
    COMPARISONS, SCHEMA, TIER, CandidateFailed, Comparison, comparison_json, comparisons_dir, list_comparisons,
)
from studio.render.compare.sample import DEFAULT_SAMPLE, Pick, hard_sample, line_reasons
from studio.render.compare.switch import SwitchPlan, apply_switch, plan_switch, undo_switch
from studio.render.compare.verdict import better, image_verdict, verdict
from studio.render.compare.voices import Rendered, price_summary, render_side, run_comparison, totals

__all__ = [
    "COMPARISONS", "DEFAULT_SAMPLE", "REQUEST_KEYS", "SCHEMA", "TIER",
    "Candidate", "CandidateFailed", "Comparison", "Pick", "Plan", "Rendered", "Side", "SwitchPlan",
    "apply_switch", "better", "candidate_engine", "comparison_json", "comparisons_dir", "current_engine",
    "hard_sample", "image_verdict", "line_reasons", "line_request", "list_comparisons", "parse_settings",
    "plan_comparison", "plan_switch", "price_summary", "project_cost", "render_side", "run_comparison",
    "totals", "undo_switch", "verdict",
]
