"""The Qt binding must not leak or drop references on every call.

PySide6 6.12.0 drops one reference to None per call of a method that returns
nothing; on Python 3.11 the interpreter aborts after a few thousand such calls
(a real editing session makes far more). pyproject.toml excludes that release.
"""

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_leave_none_alone(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("x")
        label.hide()
    assert abs(sys.getrefcount(None) - before) < 50
