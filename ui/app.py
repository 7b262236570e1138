"""Composition root of the desktop app: parses the command line, opens the services, shows the window."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _
from tracseq_desktop.services.facade import open_services
from ui.collector import GuiThreadCollector
from ui.language import LanguageManager
from ui.scanning import normalise_scan
from ui.settings import SettingsStore
from ui.theme import apply_theme
from ui.window import MainWindow


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracseq-desktop", description=_("TracSeq Desktop: the bench window."))
    parser.add_argument(
        "--db", metavar="PATH", help=_("database file (default: TRACSEQ_DB or the user data directory)")
    )
    parser.add_argument("--lang", metavar="LANG", help=_("language for this run, e.g. de (default: preferences)"))
    parser.add_argument("--settings", metavar="FILE", help=_("read and write preferences in this INI file"))
    parser.add_argument("--screenshot", metavar="FILE.png", help=_("render the main window to a PNG and exit"))
    parser.add_argument("--select", metavar="CODE", help=_("with --screenshot: scan this box or sample first"))
    parser.add_argument("--size", default="1440x900", help=_("window size for --screenshot, e.g. 1440x900"))
    parser.add_argument(
        "--simulate", action="store_true", help=_("also poll units linked to simulated freezers (see `make run`)")
    )
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
    return parser


def make_settings(path: str | None) -> QSettings:
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "TracSeq", "desktop")


def settle(app: QCoreApplication, window: MainWindow, timeout_s: float = 120.0) -> None:
    """Let queued work finish: searches on workers, lazy pages, repaints."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if not window.tasks.busy:
            window.table.model.fetch_pending()
            app.processEvents()
            if not window.tasks.busy:
                break
        time.sleep(0.01)


def take_screenshot(app: QApplication, window: MainWindow, path: str, select: str | None, size: str) -> int:
    width, _sep, height = size.partition("x")
    window.resize(int(width), int(height))
    settle(app, window)
    if select:
        window.bench.handle(normalise_scan(select))
        box = window.box_panel.box
        if box is not None and box.samples and window.detail.sample is None:
            window.show_sample(box.samples[min(len(box.samples) - 1, 12)])
    settle(app, window)
    window.table.table.resizeColumnsToContents()
    settle(app, window)
    image = window.grab()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        sys.stderr.write(_("Could not write {path}.").format(path=target) + "\n")
        return 1
    return 0


def quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl-C or a TERM signal closes the window the normal way (monitoring and sync stop cleanly).

    Python runs signal handlers only when it gets control, so a timer hands it control
    a few times a second while Qt's event loop runs.
    """
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_args: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return timer


def main(argv: Sequence[str] | None = None) -> int:
    started = QElapsedTimer()
    started.start()
    args = build_parser().parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("TracSeq Desktop")
    app.setOrganizationName("TracSeq")
    apply_theme(app)
    settings = SettingsStore(make_settings(args.settings))
    language = LanguageManager()
    language.apply(args.lang or settings.value("language"))
    try:
        services = open_services(args.db)
    except DomainError as error:
        sys.stderr.write(str(error) + "\n")
        language.detach()
        return 1
    window = MainWindow(services, settings)
    window.freezers.simulate = args.simulate
    collector = GuiThreadCollector(app)  # Qt objects in cycles are freed on the GUI thread only
    collector.start()
    code = 0
    try:
        window.show()
        if args.screenshot:
            window.start()
            code = take_screenshot(app, window, args.screenshot, args.select, args.size)
        elif args.quit_when_shown:
            app.processEvents()
            sys.stdout.write(f"shown_ms={started.elapsed()}\n")
            sys.stdout.flush()
            window.start()
        else:
            QTimer.singleShot(0, window.start)
            quit_on_signals(app)
            code = app.exec()
    finally:
        window.shutdown()
        window.close()
        language.detach()
        services.close()
        collector.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
