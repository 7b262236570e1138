"""Puts the camera into the main window: a dock with the camera panel and the box-scan dialog.

The window calls :func:`install_camera` once; everything else is wired here, so the
window stays a composition of panels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QDockWidget

from tracseq_desktop.i18n import _
from ui.camera.boxscandialog import BoxScanDialog
from ui.camera.panel import CameraPanel
from ui.scanning import normalise_scan

if TYPE_CHECKING:
    from ui.window import MainWindow


class CameraDock(QObject):
    """Owns the dock and the panel; ``shutdown()`` stops the camera threads."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.panel = CameraPanel(window.services, window.tasks, self.handle_code, window)
        self.dock = QDockWidget(window)
        self.dock.setObjectName("camera_dock")
        self.dock.setWidget(self.panel)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.panel.box_scan_requested.connect(self.open_box_scan)
        window.language.language_changed.connect(self._on_language_changed)
        actions = window.actions_
        if "camera_panel" in actions.actions:
            actions.connect("camera_panel", self.show_panel)
        if "box_scan" in actions.actions:
            actions.connect("box_scan", lambda: self.open_box_scan(self.panel.feed.latest_frame()))
        self.retranslate()

    def handle_code(self, code: str) -> None:
        """A code the camera accepted goes the same way as a keyboard scan."""
        normal = normalise_scan(code)
        if normal:
            self._window.bench.handle(normal)

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.chooser.setFocus()

    @Slot(object)
    def open_box_scan(self, frame: np.ndarray | None = None) -> BoxScanDialog:
        window = self._window
        box = window.box_panel.box
        dialog = BoxScanDialog(
            window.services,
            window.tasks,
            box.box.label if box else None,
            frame,
            self.panel.feed.latest_frame if self.panel.feed.running else None,
            window,
        )
        window._open_dialog(dialog)
        return dialog

    @Slot(str)
    def _on_language_changed(self, _lang: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.dock.setWindowTitle(_("Camera"))
        self.panel.retranslate()

    def shutdown(self) -> None:
        self.panel.shutdown()


def install_camera(window: MainWindow) -> CameraDock:
    return CameraDock(window)
