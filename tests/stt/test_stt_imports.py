"""Importing the transcription modules (and asking an engine about its weights) loads no model library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("faster_whisper", "ctranslate2", "torch", "transformers", "onnxruntime", "av", "tokenizers", "PySide6")


def test_transcription_modules_import_without_heavy_libraries():
    code = (
        "import sys\n"
        "import studio.engines.stt, studio.engines.whisper, studio.engines.media\n"
        "import studio.jobs.check, studio.render.captions\n"
        "from studio.engines.whisper import WhisperEngine\n"
        "engine = WhisperEngine()\n"
        "engine.model(); engine.estimate(60)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
