"""A third-party engine package, really installed, is discovered and renders a take."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "tests" / "plugin_example"


@pytest.mark.slow
def test_an_installed_plugin_engine_is_discovered_and_renders(tmp_path, demo_project):
    site = tmp_path / "site"
    source = tmp_path / "plugin"
    shutil.copytree(PLUGIN, source)  # building writes beside the sources: keep the checkout clean
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(source)],
        capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stderr
    assert list(site.glob("stitch_echo_engine-*.dist-info"))

    manifest = demo_project / "stitch.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('draft = "kokoro-onnx"', 'draft = "echo"'), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    listed = subprocess.run(
        [sys.executable, "-c", "from studio.engines.registry import EngineRegistry; print(EngineRegistry().ids('tts'))"],
        capture_output=True, text=True, env=env,
    )
    assert "'echo'" in listed.stdout, listed.stderr
    rendered = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(demo_project), "--json"],
        capture_output=True, text=True, env=env,
    )
    assert rendered.returncode == 0, rendered.stderr
    records = [json.loads(line) for line in rendered.stdout.splitlines()]
    assert len(records) == 5 and {r["engine"] for r in records} == {"echo"}
    assert all((demo_project / r["take"]).stat().st_size > 1000 for r in records)


def test_without_the_package_the_engine_is_unknown_and_says_so():
    from studio.engines.registry import EngineRegistry
    from studio.errors import EngineError

    with pytest.raises(EngineError, match="echo"):
        EngineRegistry().get("echo")
