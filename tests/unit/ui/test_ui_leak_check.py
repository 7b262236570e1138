"""The Qt suites' leak check (tests/support/qtleaks.py) fails a test for each kind of leftover, naming it.

A small suite with one leak per test runs in its own pytest process, under this
project's pytest configuration and with the same autouse fixture as the Qt suites.
A second script shows why the check exists: a Qt object left to the garbage collector
crashes the process when the collection happens to run on a worker thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

CONFTEST = """
from collections.abc import Iterator

import pytest

import tests.support.qtleaks as qtleaks

qtleaks.GRACE_S = 0.5  # the leaks below never end: do not wait the full grace time for each


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    yield from qtleaks.watch_qt_leaks(request.node)
"""

LEAKY_TESTS = """
import threading

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QDialog, QWidget

KEPT = []
RELEASE = threading.Event()


class Blocked(QRunnable):
    def run(self):
        RELEASE.wait(5)


def test_a_closed_and_deleted_window_is_fine(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    timer = QTimer(window)
    timer.start(1000)  # stops when pytest-qt deletes the window


def test_window_left_open(qtbot):
    dialog = QDialog()
    dialog.setWindowTitle("left open")
    dialog.show()
    KEPT.append(dialog)


def test_hidden_window_kept(qtbot):
    KEPT.append(QDialog())


def test_object_in_a_cycle(qtbot):
    owner = QObject()
    owner.setObjectName("cyclic")
    owner.myself = owner


def test_timer_left_running(qtbot):
    timer = QTimer()
    timer.setObjectName("ticking")
    timer.start(1000)
    KEPT.append(timer)


def test_qthread_left_running(qtbot):
    thread = QThread()
    thread.setObjectName("spinning")
    thread.start()
    KEPT.append(thread)


def test_pool_job_left_running(qtbot):
    pool = QThreadPool()
    pool.setObjectName("busy-pool")
    pool.start(Blocked())
    KEPT.append(pool)


def test_python_thread_left_running():
    threading.Thread(target=RELEASE.wait, args=(5,), name="sleepy", daemon=True).start()


def test_z_release():
    RELEASE.set()
"""


GC_ON_A_WORKER = """
import gc
import sys
import threading
import time

import ui  # PySide6 workarounds
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
gc.disable()
owner = QObject()
owner.timer = QTimer(owner)
owner.timer.start(5)
owner.myself = owner  # a reference cycle: only the garbage collector frees it
del owner
if sys.argv[1] == "worker":
    collector = threading.Thread(target=gc.collect)
    collector.start()
    collector.join()
else:
    gc.collect()
print("collected", flush=True)
deadline = time.monotonic() + 0.5
while time.monotonic() < deadline:
    app.processEvents()
print("still running", flush=True)
"""


def _collect(where: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", GC_ON_A_WORKER, where],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        check=False,
    )


def test_an_object_collected_on_a_worker_thread_crashes_the_gui_thread_later() -> None:
    """The crash the check prevents: seen once at a test boundary, after the window suites had run."""
    crashed = _collect("worker")
    assert crashed.stdout.split() == ["collected"]  # the GUI thread's next event processing crashes
    assert crashed.returncode == -signal.SIGSEGV, crashed
    assert "Timers cannot be stopped from another thread" in crashed.stderr
    clean = _collect("gui")
    assert clean.stdout.split() == ["collected", "still", "running"] and clean.returncode == 0, clean


def test_each_kind_of_leftover_fails_its_test_by_name(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_leaky.py").write_text(LEAKY_TESTS)
    config = ["--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *config, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    # Every test body passes; the check fails the seven leaky ones at teardown, and only them.
    assert "9 passed, 7 errors" in out, out
    for clean in ("test_a_closed_and_deleted_window_is_fine", "test_z_release"):
        assert f"ERROR at teardown of {clean} " not in out, out
    expected = {
        "test_window_left_open": "top-level widget QDialog 'left open' (visible)",
        "test_hidden_window_kept": "top-level widget QDialog (hidden, not deleted)",
        "test_object_in_a_cycle": "QObject 'cyclic', freed only by the garbage collector",
        "test_timer_left_running": "QTimer 'ticking' still active after the test, every 1000 ms (started at",
        "test_qthread_left_running": "QThread 'spinning' still running (started at",
        "test_pool_job_left_running": "QThreadPool 'busy-pool' still runs 1 job(s) (started at",
        "test_python_thread_left_running": "Python thread 'sleepy' still running",
    }
    for test, words in expected.items():
        section = out.split(f"ERROR at teardown of {test} ", 1)
        assert len(section) == 2, f"{test} did not fail:\n{out}"
        assert words in section[1].split("ERROR at teardown of", 1)[0], f"{test}: {words!r} not in\n{out}"
