"""The exact package versions this studio was tested with, read from `requirements.lock`.

The lock (made by `scripts/lock.py`) is the one list of pins: the development environment, the
packaging scripts and the torch add-on that the installed app downloads all take their versions
from it, so what a creator installs is what the tests ran against.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

from studio.errors import StudioError

# The repository root, or the frozen app's folder, where the spec copies the lock beside resources/.
LOCK = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1])) / "requirements.lock"
# Packages that only carry model files, installed without their dependencies (not in the frozen app).
WEIGHTS_LOCK = LOCK.with_name("requirements-weights.lock")

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def canonical(name: str) -> str:
    """A distribution name as pip compares them: lower case, runs of -_. as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text: str) -> dict[str, str]:
    """{canonical name: version} of each `name==version` line of a lock's text."""
    pins = {}
    for line in text.splitlines():
        found = _PIN.match(line.strip())
        if found:
            pins[canonical(found[1])] = found[2]
    return pins


@lru_cache(maxsize=1)
def locked() -> dict[str, str]:
    """Every pinned package: the lock's, and the model-file packages' where that file is present."""
    try:
        table = parse(LOCK.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StudioError(f"The list of tested package versions ({LOCK.name}) is missing from this "
                          "installation; reinstall Stitch Studio.", detail=repr(exc)) from exc
    try:
        table.update(parse(WEIGHTS_LOCK.read_text(encoding="utf-8")))
    except OSError:
        pass
    return table


def pins(*names: str) -> tuple[str, ...]:
    """`name==version` for each name, from the lock; a local build label (`+cpu`) is dropped, since
    the add-on takes the build that suits the machine from its own index."""
    table = locked()
    missing = [name for name in names if canonical(name) not in table]
    if missing:
        raise StudioError(f"{', '.join(missing)} not in {LOCK.name}: run `python3 scripts/lock.py`.")
    return tuple(f"{canonical(name)}=={table[canonical(name)].split('+')[0]}" for name in names)
