"""Stitch Studio: a desktop studio for narrated videos, local models first.

The folders name the capabilities. The base (`storage.py` atomic writes and checksums,
`errors.py` sentences a creator can act on, `progress.py` progress and cancel,
`settings.py` studio-wide choices, `demo.py`) imports nothing else; above it come
`project/`, then `models/` and `money/`, `engines/`, `jobs/` (and `plan/`), `render/`,
and at the top `cli/` and `ui/`. A room imports only rooms below it (the contracts in
pyproject.toml check it); docs/ARCHITECTURE.md draws the map.
"""

__version__ = "0.1.0"
