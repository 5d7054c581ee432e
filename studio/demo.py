"""The bundled demo project: copied to the creator's data folder, opened from there.

The studio never writes into its install folder, so the demo in resources/ is a
template and the creator works on a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from studio.settings import data_dir

TEMPLATE = Path(__file__).resolve().parent.parent / "resources" / "demo"


def demo_folder(target: Path | None = None) -> Path:
    """The creator's copy of the demo project, made on first use."""
    target = Path(target) if target else data_dir() / "Demo project"
    if not (target / "script.md").exists():
        target.mkdir(parents=True, exist_ok=True)
        for item in TEMPLATE.iterdir():
            if item.is_file() and not (target / item.name).exists():
                shutil.copy2(item, target / item.name)
            elif item.name == ".stitch" and not (target / item.name).exists():
                # The lines' ids and a recorded plan, so Tools ▸ Plan… ▸ Apply works offline.
                shutil.copytree(item, target / item.name)
    return target
