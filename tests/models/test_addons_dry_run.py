"""`studio models addons install --dry-run` prints a command a shell runs as it is, whatever the data folder is called."""

from __future__ import annotations

import argparse
import os
import shlex

import pytest


def test_the_dry_run_command_survives_spaces_and_quotes_in_the_folder(tmp_path, capsys):
    from studio.cli.models import addons as addons_command

    root = tmp_path / "Jo's Studio data" / "addons"
    args = argparse.Namespace(addons_action="install", flavour="cpu", yes=False, dry_run=True)
    assert addons_command(args, root=root) == 0
    printed = capsys.readouterr().out.strip()
    words = shlex.split(printed) if os.name == "posix" else None
    if words is None:
        pytest.skip("Windows quoting is checked by subprocess.list2cmdline's own rules")
    assert any(w.endswith(str(root / "torch-engines.partial")) for w in words), words
    assert not root.exists(), "a dry run writes nothing"
