"""Importing the image modules costs nothing: torch, diffusers, cv2 and PIL load on first use."""

from __future__ import annotations

import subprocess
import sys


def test_image_modules_import_without_heavy_libraries():
    code = (
        "import sys\n"
        "import studio.engines.images, studio.engines.diffusers_engine, studio.engines.cleanup, "
        "studio.engines.pngmeta\n"
        "from studio.engines.diffusers_engine import DiffusersEngine\n"
        "DiffusersEngine(None).estimate  # constructing an engine loads nothing either\n"
        "heavy = {'torch', 'diffusers', 'transformers', 'cv2', 'PIL', 'PySide6'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
