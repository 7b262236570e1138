"""Fail a Qt test that leaves windows, threads, pool jobs, running timers or garbage Qt objects behind.

Each Qt suite's conftest runs :func:`watch_qt_leaks` as an autouse fixture (as napari's
``src/napari/conftest.py`` checks for dangling threads and timers). What a test leaves
behind does not fail where it was left: it is torn down later, in the middle of another
test. pytest-qt only *schedules* the deletion of the windows it closes (``deleteLater``
runs at the next event loop, which may be several tests later), and a Qt object that only
Python's garbage collector frees is destroyed whenever a collection happens to run, on
whatever thread allocates at that moment. A QObject destroyed off its thread leaves its
running timers registered with the GUI thread, whose next event processing then crashes
(tests/unit/ui/test_ui_leak_check.py shows it). So, with the collector off during the test,
after the test's own teardown this module

* waits for the thread pools that ran jobs during the test (and Qt's global pool), for the
  ``QThread`` objects and the Python threads started during the test, at most
  :data:`GRACE_S` in all;
* names every ``QTimer`` started during the test that still runs once the windows are
  closed;
* delivers pending events and the scheduled deletions, so they happen now;
* runs the garbage collector on this (the GUI) thread and names every live Qt object it
  had to free;
* names every top-level widget made during the test that is still alive (visible, or
  hidden but not deleted);
* fails the test with that list, after cleaning up, so one leak does not break the next test.

It imports PySide6: use it only from the conftests of the Qt suites.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

#: Seconds given to threads and pool jobs to end after the test's own teardown.
GRACE_S = 10.0

_HERE = __file__


def _where() -> str:
    """``file:line`` of the first caller outside this module and outside Qt/pytest internals."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name != _HERE and "/site-packages/" not in name and "/lib/python" not in name:
            return f"{name.rsplit('/', 2)[-2]}/{name.rsplit('/', 1)[-1]}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _alive(obj: QObject) -> bool:
    return bool(shiboken6.isValid(obj))


def _describe(obj: QObject) -> str:
    """Class, object name and owner chain of a Qt object, e.g. ``QTimer 'x' in SyncController < SyncDock``."""
    words = type(obj).__name__
    if obj.objectName():
        words += f" {obj.objectName()!r}"
    owners = []
    parent = obj.parent()
    while parent is not None and len(owners) < 4:
        owners.append(type(parent).__name__)
        parent = parent.parent()
    if owners:
        words += " in " + " < ".join(owners)
    return words


def _describe_widget(widget: QWidget) -> str:
    state = "visible" if widget.isVisible() else "hidden, not deleted"
    title = widget.windowTitle()
    return f"{_describe(widget)}{f' {title!r}' if title else ''} ({state})"


class _Starts:
    """Records the Qt objects whose ``start`` a test called, with where it was called from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
        self.pools: weakref.WeakKeyDictionary[QThreadPool, str] = weakref.WeakKeyDictionary()
        self.timers: weakref.WeakKeyDictionary[QTimer, str] = weakref.WeakKeyDictionary()
        self._patch(monkeypatch, QThread, self.threads)
        self._patch(monkeypatch, QThreadPool, self.pools)
        self._patch(monkeypatch, QTimer, self.timers)

    @staticmethod
    def _patch(monkeypatch: pytest.MonkeyPatch, cls: type, seen: weakref.WeakKeyDictionary[Any, str]) -> None:
        original: Callable[..., Any] = cls.start  # type: ignore[attr-defined]

        def start(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen[self] = _where()
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "start", start)


def _top_level_widgets(app: QApplication) -> dict[int, QWidget]:
    return {shiboken6.getCppPointer(w)[0]: w for w in app.topLevelWidgets()}


def _flush(app: QCoreApplication) -> None:
    """Deliver pending events, then the deferred deletions posted outside any event loop."""
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


def _wait_threads(starts: _Starts, python_before: set[int | None], deadline: float) -> list[str]:
    left: list[str] = []
    pools = [(pool, place) for pool, place in list(starts.pools.items()) if _alive(pool)]
    pools.append((QThreadPool.globalInstance(), "Qt's global pool"))
    for pool, place in pools:
        if not pool.waitForDone(max(0, int((deadline - time.monotonic()) * 1000))):
            left.append(f"{_describe(pool)} still runs {pool.activeThreadCount()} job(s) (started at {place})")
    for thread, place in list(starts.threads.items()):
        if not _alive(thread) or not thread.isRunning():
            continue
        if not thread.wait(max(0, int((deadline - time.monotonic()) * 1000))):
            left.append(f"{_describe(thread)} still running (started at {place})")
    for pythread in threading.enumerate():
        if pythread.ident in python_before or isinstance(pythread, threading._DummyThread):
            continue
        pythread.join(max(0.0, deadline - time.monotonic()))
        if pythread.is_alive():
            left.append(f"Python thread {pythread.name!r} still running")
    return left


def _stop_leftovers(starts: _Starts, widgets: list[QWidget]) -> None:
    for thread in list(starts.threads):
        if _alive(thread) and thread.isRunning():
            thread.quit()
            thread.wait(2_000)
    for widget in widgets:
        if _alive(widget):
            widget.close()
            widget.deleteLater()


def _collect_on_this_thread() -> list[str]:
    """Run the garbage collector here (the GUI thread); name the live Qt objects only it could free.

    Such an object is destroyed whenever a collection happens to run: if that is on a worker
    thread, an active timer of it stays registered with the GUI thread's event dispatcher
    ("QObject::~QObject: Timers cannot be stopped from another thread") and the next event
    processing crashes. A test must leave none: give it a parent or delete it.
    """
    flags = gc.get_debug()
    gc.set_debug(flags | gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = [
            _describe(obj)
            for obj in gc.garbage
            if isinstance(obj, QObject) and _alive(obj) and shiboken6.ownedByPython(obj)
        ]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    gc.collect()  # now for real, on this thread
    return [f"{words}, freed only by the garbage collector" for words in sorted(found)]


def watch_qt_leaks(item: pytest.Item) -> Iterator[None]:
    """The body of an autouse fixture: ``yield from watch_qt_leaks(request.node)``.

    The garbage collector is off while the test runs, so that it cannot destroy Qt objects
    on a worker thread; what the test left to it is collected, and named, afterwards (only
    objects made during the test are looked at).
    The fixture must be torn down after the test's other fixtures: make it autouse, and make
    any other autouse fixture of the suite depend on it.
    """
    app = QApplication.instance()
    widgets_before = _top_level_widgets(app) if isinstance(app, QApplication) else {}
    python_before = {t.ident for t in threading.enumerate()}
    collecting = gc.isenabled()
    gc.disable()
    # What exists now is not this test's: frozen, it is left out of the collections below, which
    # then take a millisecond instead of a few hundred.
    gc.freeze()
    try:
        with pytest.MonkeyPatch.context() as patches:
            starts = _Starts(patches)
            yield
        # pytest drops the test's fixture values right after teardown; drop them now, so that what
        # they held (a window's Python side and everything hanging off it) is judged here.
        funcargs = getattr(item, "funcargs", None)
        if isinstance(funcargs, dict):
            funcargs.clear()
        problems = _wait_threads(starts, python_before, time.monotonic() + GRACE_S)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # Windows are closed by now (pytest-qt closed them) but not deleted yet: a timer that still
            # runs would go on running after its window closed in the app.
            app.processEvents()
            timers = [t for t in list(starts.timers) if _alive(t) and t.isActive()]
            problems += [
                f"{_describe(t)} still active after the test, every {t.interval()} ms"
                f" (started at {starts.timers.get(t, '?')})"
                for t in timers
            ]
            for timer in timers:
                timer.stop()
            _flush(app)
        problems += _collect_on_this_thread()
        if isinstance(app, QApplication):
            widgets = [w for ptr, w in _top_level_widgets(app).items() if ptr not in widgets_before]
            problems += [f"top-level widget {_describe_widget(w)}" for w in widgets]
            _stop_leftovers(starts, widgets)
            if widgets:
                _flush(app)
                gc.collect()
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
    if problems:
        pytest.fail("Qt test left objects behind:\n  " + "\n  ".join(problems), pytrace=False)
