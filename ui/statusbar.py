"""The status bar: database, user, connection and alarms, and the progress of long work."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from tracseq_desktop.i18n import _, ngettext
from ui.sync.text import SyncIndicator, link, sync_line
from ui.tasks import TaskHandle, TaskRunner


class StatusBarPanel(QStatusBar):
    """``sync_clicked`` opens the conflict inbox (or sign-in); ``alarms_clicked`` opens the freezer dashboard."""

    alarms_clicked = Signal()
    sync_clicked = Signal()

    def __init__(self, db_path: Path, user: str, workstation: str, tasks: TaskRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self._db_path = db_path
        self._user = user
        self._workstation = workstation
        self.demo = QLabel(self)
        self.demo.setObjectName("demoBadge")
        # black on amber: contrast 13:1
        self.demo.setStyleSheet(
            "QLabel#demoBadge { background: #ffd54f; color: #000000; font-weight: bold;"
            " padding: 1px 6px; border: 1px solid #7a5c00; }"
        )
        self.demo.hide()
        self.database = QLabel(self)
        self.user = QLabel(self)
        self.sync = QLabel(self)
        self._sync_state: SyncIndicator | None = None
        self.sync.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.sync.linkActivated.connect(lambda _link: self.sync_clicked.emit())
        self.alarms = QLabel(self)
        self._alarm_count: int | None = None  #: open freezer alarms; None while monitoring is not configured
        self.alarms.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.alarms.linkActivated.connect(lambda _link: self.alarms_clicked.emit())
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.cancel = QPushButton(self)
        self.task_label = QLabel(self)
        for widget in (self.task_label, self.progress, self.cancel):
            widget.hide()
        for widget in (
            self.task_label,
            self.progress,
            self.cancel,
            self.demo,
            self.database,
            self.user,
            self.sync,
            self.alarms,
        ):
            self.addPermanentWidget(widget)
        for label in (self.task_label, self.database, self.user, self.sync, self.alarms):
            # Long texts (German, a long database path) may be cut rather than widen the
            # window past a laptop screen; the tooltip and the accessible text stay whole.
            label.setMinimumWidth(48)
        self._handle: TaskHandle | None = None
        self.cancel.clicked.connect(self._on_cancel_clicked)
        tasks.busy_changed.connect(self._on_busy_changed)
        self.retranslate()

    def set_alarm_count(self, count: int | None) -> None:
        """Open freezer alarms (``None``: monitoring not configured); the count links to the dashboard."""
        self._alarm_count = count
        self._show_alarms()

    def _show_alarms(self) -> None:
        count = self._alarm_count
        if count is None:
            self.alarms.setText(_("Alarms: freezer monitoring not configured"))
            return
        if count:
            text = ngettext("Alarms: {count} open", "Alarms: {count} open", count).format(count=count)
        else:
            text = _("Alarms: none open")
        self.alarms.setText(f'<a href="#alarms">{text}</a>')
        self.alarms.setAccessibleName(text)
        self.alarms.setToolTip(_("Open the freezer dashboard"))

    def set_sync(self, indicator: SyncIndicator | None) -> None:
        """Online or offline, changes to send, last sync, open conflicts (``None``: sync not set up)."""
        self._sync_state = indicator
        self._show_sync()

    def _show_sync(self) -> None:
        text, tip = sync_line(self._sync_state)
        self.sync.setText(link(text, "sync"))
        self.sync.setAccessibleName(text)
        self.sync.setToolTip(tip)

    def set_demo(self, demo: bool) -> None:
        """Demo data is always labelled as such."""
        self.demo.setVisible(demo)

    def retranslate(self) -> None:
        self.demo.setText(_("DEMO DATA"))
        self.demo.setToolTip(_("This database holds generated demo data, not real samples."))
        self.demo.setAccessibleName(_("This database holds demo data"))
        self.database.setText(_("Database: {name}").format(name=self._db_path.name))
        self.database.setToolTip(str(self._db_path))
        self.user.setText(_("User: {user}@{workstation}").format(user=self._user, workstation=self._workstation))
        self._show_sync()
        self._show_alarms()
        self.cancel.setText(_("Cancel"))
        self.cancel.setAccessibleName(_("Cancel the running task"))
        self.progress.setAccessibleName(_("Progress"))

    @Slot(object)
    def _on_busy_changed(self, handle: TaskHandle | None) -> None:
        if self._handle is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._handle.progressed.disconnect(self._on_progressed)
        self._handle = handle
        busy = handle is not None
        for widget in (self.task_label, self.progress, self.cancel):
            widget.setVisible(busy)
        if handle is not None:
            self.task_label.setText(handle.title)
            self.progress.setRange(0, 0)  # busy until the job reports numbers
            handle.progressed.connect(self._on_progressed)

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
