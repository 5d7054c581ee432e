"""The standard library modules the bundle carries: all of it, less a short list.

PyInstaller keeps only the stdlib modules the light app imports. The torch add-on
(studio/models/addons.py) is plain Python outside the bundle, run by the bundle's
interpreter, and torch, transformers, diffusers and kokoro import stdlib modules the
light app never does (`timeit`, `cProfile`, `unittest.mock`, ...): without them
`import torch` fails inside the frozen app. So the spec (stitch-studio.spec) collects
every stdlib module that exists on the build machine, except SKIP: GUI toolkits and
demos, the test suite, and tools for building Python itself. tests/test_packaging.py
checks that none of the add-on's stdlib imports are in SKIP.
"""

from __future__ import annotations

import importlib.util
import sys

SKIP = frozenset({
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib",  # Tk GUI (not in the bundle)
    "test", "lib2to3", "ensurepip", "venv",  # test suite, removed tools, environment makers
    "antigravity", "this", "__phello__",  # jokes and demos
})
SKIP_PREFIXES = ("_test", "xx", "_xx", "_ctypes_test")


def top_level() -> list[tuple[str, bool]]:
    """(name, is a package) for every stdlib top-level module importable here, less SKIP (other
    systems' modules drop out)."""
    names = []
    for name in sorted(sys.stdlib_module_names):
        if name in SKIP or name.startswith(SKIP_PREFIXES):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None:
            names.append((name, spec.submodule_search_locations is not None))
    return names


def skipped(module: str) -> bool:
    """Whether the bundle leaves this module (or its package) out."""
    head = module.split(".")[0]
    return head in SKIP or head.startswith(SKIP_PREFIXES) or ".test." in f".{module}." or ".tests." in f".{module}."
