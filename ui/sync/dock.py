"""Puts sync into the main window: the worker, the status-bar field, sign-in, the conflict inbox dock.

The window calls :func:`install_sync` once, ``start()`` when it is up and ``shutdown()``
when it closes. Nothing here blocks the GUI thread on the network or the keyring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QStyle, QSystemTrayIcon

from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.store.database import Change
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.service import ConflictView, SyncService
from tracseq_desktop.sync.tokens import TokenStore, default_token_store
from ui.sync.controller import RetrySchedule, SyncController
from ui.sync.inbox import ConflictInboxPanel, announcement
from ui.sync.resolvedialog import ResolveConflictDialog
from ui.sync.signin import SignInDialog
from ui.sync.text import SyncIndicator
from ui.sync.worker import Outcome, Step

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.window import MainWindow

#: Seconds an HTTP request may take before the sync counts as offline (and shutdown waits at most).
CLIENT_TIMEOUT_S = 20.0


class SyncDock(QObject):
    """Owns the controller (and its thread), the inbox dock and the notifications.

    ``token_store`` and ``schedule`` may be set before ``start()`` (tests, headless runs).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.token_store: TokenStore | None = None
        self.remembered = True  #: the sign-in survives the session (a keyring exists)
        self.controller = SyncController(self._make_service, parent=self)
        self.inbox = ConflictInboxPanel(window)
        self.dock = QDockWidget(window)
        self.dock.setObjectName("sync_dock")
        self.dock.setWidget(self.inbox)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.dialog: QDialog | None = None
        self.notices: list[tuple[str, str]] = []  #: (title, message) of each notification, oldest first
        self.tray: QSystemTrayIcon | None = None
        self._closed = False
        self._asked = False  #: the user asked for the sync in flight (its outcome is worth a message)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(250)
        self._reload_timer.timeout.connect(self.refresh)
        controller = self.controller
        controller.indicator_changed.connect(self._on_indicator_changed)
        controller.conflicts_arrived.connect(self._on_conflicts_arrived)
        controller.password_needed.connect(self.open_sign_in)
        controller.outcome_arrived.connect(self._on_outcome)
        self.inbox.resolve_requested.connect(self.open_resolve)
        self.inbox.sync_requested.connect(self.sync_now)
        self.inbox.filter_changed.connect(self._on_filter_changed)
        window.bridge.changed.connect(self._on_changed)
        window.language.language_changed.connect(self._on_language_changed)
        window.status.sync_clicked.connect(self._on_status_clicked)
        actions = window.actions_
        for key, slot in (
            ("sync_sign_in", self.open_sign_in),
            ("sync_now", self.sync_now),
            ("sync_conflicts", self.show_inbox),
        ):
            if key in actions.actions:
                actions.connect(key, slot)
        self.retranslate()

    @property
    def schedule(self) -> RetrySchedule:
        return self.controller.schedule

    @schedule.setter
    def schedule(self, value: RetrySchedule) -> None:
        self.controller.schedule = value

    @property
    def service(self) -> SyncService | None:
        return self.controller.service

    # -- runs in the sync thread ------------------------------------------------------------
    def _make_service(self) -> SyncService:
        store = self.token_store or default_token_store()
        self.remembered = store.persistent
        return SyncService(self._window.services, token_store=store, client_factory=_client)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        if not self._closed:
            self.controller.start()

    def shutdown(self) -> bool:
        """Stop syncing; True when the sync thread ended."""
        if self._closed:
            return True
        self._closed = True
        self._reload_timer.stop()
        if self.tray is not None:
            self.tray.hide()
            self.tray.deleteLater()
            self.tray = None
        return self.controller.shutdown()

    # -- commands -------------------------------------------------------------------------
    @Slot()
    def sync_now(self) -> None:
        """Sync in the background; offers the sign-in dialog when there is nobody to sync as."""
        if self._closed:
            return
        if self.controller.request_sync():
            self._asked = True
            return
        status = self.controller.status()
        if status is None:
            self._window.status.showMessage(_("Sync is still starting; try again in a moment."), 5000)
            return
        self.open_sign_in()

    @Slot()
    def open_sign_in(self) -> None:
        if self._closed or isinstance(self.dialog, SignInDialog):
            return
        status = self.controller.status()
        dialog = SignInDialog(
            self._sign_in,
            server=(status.server if status else None) or "",
            user=(status.user if status else None) or self._window.services.actor.user,
            remembered=self.remembered,
            parent=self._window,
        )
        self._show_dialog(dialog)

    def _sign_in(
        self, server: str, user: str, password: str, done: Callable[[], None], failed: Callable[[str], None]
    ) -> None:
        self.controller.sign_in(server, user, password, done, failed)

    @Slot()
    def show_inbox(self) -> None:
        self.refresh()
        self.dock.show()
        self.dock.raise_()
        self.inbox.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot(object)
    def open_resolve(self, conflict: ConflictView) -> ResolveConflictDialog:
        dialog = ResolveConflictDialog(conflict, self._resolve, parent=self._window)
        dialog.succeeded.connect(self._on_resolved)
        self._show_dialog(dialog)
        return dialog

    def _resolve(
        self,
        conflict_id: str,
        option: str,
        reason: str | None,
        done: Callable[[ConflictView], None],
        failed: Callable[[str], None],
    ) -> None:
        service = self.controller.service
        if service is None:
            failed(_("Sync is still starting; try again in a moment."))
            return
        self._window.tasks.submit(
            _("Recording the decision on a sync conflict"),
            lambda _state: service.resolve(conflict_id, option, reason),
            done,
            failed,
        )

    @Slot(object)
    def _on_resolved(self, view: ConflictView) -> None:
        self.refresh()
        self.inbox.select(view.id)
        self._window.status.showMessage(_("Decision recorded; it goes to the server with the next sync."), 8000)
        self.controller.request_sync()

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _code, d=dialog: self._on_dialog_finished(d))
        self._window._open_dialog(dialog)

    def _on_dialog_finished(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    # -- reactions ------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Status bar and inbox from the local database (quick indexed reads)."""
        if self._closed:
            return
        self.controller.refresh()
        service = self.controller.service
        if service is not None:
            self.inbox.set_conflicts(service.conflicts(include_resolved=self.inbox.include_resolved))

    @Slot(object)
    def _on_changed(self, _change: Change) -> None:
        if not self._closed:
            self._reload_timer.start()

    @Slot(bool)
    def _on_filter_changed(self, _include_resolved: bool) -> None:
        self.refresh()

    @Slot(object)
    def _on_indicator_changed(self, indicator: SyncIndicator | None) -> None:
        self._window.status.set_sync(indicator)

    @Slot(object)
    def _on_outcome(self, outcome: Outcome) -> None:
        if outcome.step in (Step.OPENED, Step.SIGNED_IN, Step.SYNCED):
            self.refresh()
        if outcome.step not in (Step.SYNCED, Step.OFFLINE, Step.FAILED, Step.SIGN_IN_NEEDED):
            return
        status_bar = self._window.status
        asked, self._asked = self._asked, False
        if outcome.step is Step.SYNCED and outcome.result is not None:
            result = outcome.result
            if result.new_conflicts or not (asked or result.pushed or result.pulled):
                return  # the conflict notice stays; a quiet periodic sync leaves the bench's messages alone
            status_bar.showMessage(
                _("Synced: {sent}, {received}.").format(
                    sent=ngettext("{count} change sent", "{count} changes sent", result.pushed).format(
                        count=result.pushed
                    ),
                    received=ngettext("{count} change received", "{count} changes received", result.pulled).format(
                        count=result.pulled
                    ),
                ),
                5000,
            )
        elif outcome.step is Step.OFFLINE and asked:
            status_bar.showMessage(
                _("The server cannot be reached; changes are kept here and sent later."),
                8000,
            )
        elif outcome.step is Step.FAILED and outcome.message:
            status_bar.showMessage(outcome.message, 10_000)  # in words, never a dialog: work goes on offline

    @Slot(object)
    def _on_conflicts_arrived(self, conflicts: tuple[ConflictView, ...]) -> None:
        title, message = announcement(conflicts)
        self.notices.append((title, message))
        self.inbox.banner.announce(message)
        self._window.status.showMessage(message, 15_000)
        if self._tray() is not None and QSystemTrayIcon.supportsMessages():
            assert self.tray is not None
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Warning, 15_000)
        self.refresh()
        if not self.dock.isVisible():
            self.dock.show()  # worth the space; the focus stays where it was
        QApplication.alert(self._window)

    def _tray(self) -> QSystemTrayIcon | None:
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(self)
            app = QApplication.instance()
            if isinstance(app, QApplication):
                self.tray.setIcon(app.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            self.tray.setToolTip(_("TracSeq sync conflicts"))
            self.tray.messageClicked.connect(self.show_inbox)
            self.tray.show()
        return self.tray

    @Slot()
    def _on_status_clicked(self) -> None:
        status = self.controller.status()
        if status is not None and (not status.signed_in or self.controller.sign_in_needed):
            self.open_sign_in()
        else:
            self.show_inbox()

    @Slot(str)
    def _on_language_changed(self, _lang: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.dock.setWindowTitle(_("Sync conflicts"))
        self.inbox.retranslate()
        self.controller.refresh()


def _client(server: str, workstation: str, tokens: TokenStore) -> SyncClient:
    return SyncClient(server, workstation, tokens, timeout=CLIENT_TIMEOUT_S)


def install_sync(window: MainWindow) -> SyncDock:
    return SyncDock(window)
