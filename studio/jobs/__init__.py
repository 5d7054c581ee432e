"""Jobs: background work with progress and cancel, and the pipelines that use the engines.

`runner.py` (`JobRunner`: worker threads, lanes, supersede, cancel) and `task.py`;
the voice pipeline (`pipeline.py`: request, cache lookup, render, commit, and
`render_recorded`, the ledger line of every voice render), final renders (`premium.py`),
streaming previews (`streaming.py`), images (`imaging.py`, `image_final.py`) and
listening (`selfcheck.py`, `check.py`, `listen.py`). It may import engines, models,
money, the project and the base; never render, cli or Qt.
"""
