"""Workaround: PySide6 6.12 on Python 3.11 drops references to ``None`` (and to the bools).

Every ``index.data(role)`` that yields no value, and every ``None`` a Python model
returns to a view while painting, takes one reference from ``None`` without giving
it back; some paths do the same with ``True``/``False``. A window painting a table reaches zero within minutes and the interpreter
aborts ("none_dealloc: deallocating None"). Python 3.12 made ``None`` immortal, so
there the bug is harmless; on 3.11 we give these singletons the same immortal-sized
count once, at import. They are never freed either way, so a larger count changes nothing
else. Reproducer: tests/unit/ui/test_ui_pysidefix.py.
"""

from __future__ import annotations

import atexit
import ctypes
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QMimeData

IMMORTAL_COUNT = 1 << 60


def make_singletons_immortal() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is the first field of every object
        if refcount.value < IMMORTAL_COUNT // 2:
            refcount.value = IMMORTAL_COUNT


_exit_guard_registered = False


def _clear_clipboard_before_exit() -> None:
    qt_gui = sys.modules.get("PySide6.QtGui")
    if qt_gui is None:
        return
    app = qt_gui.QGuiApplication.instance()
    if app is not None:
        app.clipboard().clear()


def put_on_clipboard(mime: QMimeData) -> None:
    """Put Python-made data on the clipboard, and hand it back before the interpreter exits.

    Qt deletes clipboard data from a C++ exit handler after Python is gone; for a
    ``QMimeData`` made in Python, Shiboken's destroy hook then crashes the process
    (a segfault at exit after copying workflow steps). The guard is registered after
    PySide's own exit handler, so it runs first, while the application still exists.
    """
    global _exit_guard_registered
    from PySide6.QtGui import QGuiApplication

    if not _exit_guard_registered:
        atexit.register(_clear_clipboard_before_exit)
        _exit_guard_registered = True
    QGuiApplication.clipboard().setMimeData(mime)
