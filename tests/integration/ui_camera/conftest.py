"""The main window with its camera dock on the small test lab (``services`` from the root conftest)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from tests.support.qtleaks import watch_qt_leaks
from tracseq_desktop.i18n import set_language
from tracseq_desktop.services.facade import Services
from ui.settings import SettingsStore
from ui.theme import apply_theme
from ui.window import MainWindow


@pytest.fixture
def window(qtbot, services: Services, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    settings = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(services, settings)
    settings.setParent(win)  # the test's settings go with its window
    win.camera.panel.cache_dir = tmp_path / "cache"
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=10_000)
    yield win
    win.close()
    assert win.tasks.wait(5_000), "a worker job was still running after the window closed"
    assert not win.camera.panel.feed.running, "the camera thread outlived the window"


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads, pool jobs or timers behind (see tests/support/qtleaks.py)."""
    yield from watch_qt_leaks(request.node)


@pytest.fixture(autouse=True)
def _english_again(_qt_leaks: None) -> Iterator[None]:
    """A test that switched the language leaves English for the next one (before the leak check)."""
    yield
    set_language("en")
