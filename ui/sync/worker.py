"""The sync thread: one long-lived worker owns every blocking sync call (keyring, network).

The GUI thread only asks (queued signals) and hears back (one ``finished`` signal with an
:class:`Outcome`); it never waits for the server. Reads of the local database that stay
well under a frame (``status()``, ``conflicts()``) run on the GUI thread, on the same
service, since they touch neither the keyring nor the network.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _
from tracseq_desktop.sync.errors import NotSignedIn, Offline, ServerRefused
from tracseq_desktop.sync.service import SyncResult, SyncService, SyncStatus

UNAUTHORISED = 401


class Step(enum.Enum):
    OPENED = "opened"  #: the service exists; ``needs_password`` says whether to ask
    SYNCED = "synced"
    OFFLINE = "offline"
    SIGN_IN_NEEDED = "sign_in_needed"
    FAILED = "failed"  #: the server refused, or something unexpected; ``message`` says what
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"


@dataclass(frozen=True)
class Outcome:
    """What one request to the worker ended with (frozen: it crosses threads)."""

    step: Step
    status: SyncStatus | None
    result: SyncResult | None = None
    message: str = ""
    needs_password: bool = False


ServiceFactory = Callable[[], SyncService]


class SyncWorker(QObject):
    """Lives in the sync thread; each slot runs one blocking call and emits ``finished``."""

    finished = Signal(object)

    def __init__(self, make_service: ServiceFactory) -> None:
        super().__init__()
        self._make_service = make_service
        self.service: SyncService | None = None

    def _status(self) -> SyncStatus | None:
        return self.service.status() if self.service is not None else None

    @Slot()
    def open(self) -> None:
        """Create the service here: finding the keyring may block."""
        try:
            self.service = self._make_service()
            status = self.service.status()
            needs = status.signed_in and self.service.needs_password()
        except Exception as error:  # a broken keyring must not take the window down
            self.finished.emit(Outcome(Step.FAILED, self._status(), message=_describe(error)))
            return
        self.finished.emit(Outcome(Step.OPENED, status, needs_password=needs))

    @Slot()
    def sync(self) -> None:
        service = self.service
        if service is None:
            self.finished.emit(Outcome(Step.FAILED, None, message=_("Sync could not start (see the last problem).")))
            return
        try:
            result = service.sync_now()
        except Offline as error:
            self.finished.emit(Outcome(Step.OFFLINE, self._status(), message=str(error)))
        except NotSignedIn as error:
            self.finished.emit(Outcome(Step.SIGN_IN_NEEDED, self._status(), message=str(error)))
        except Exception as error:
            self.finished.emit(Outcome(Step.FAILED, self._status(), message=_describe(error)))
        else:
            self.finished.emit(Outcome(Step.SYNCED, self._status(), result=result))

    @Slot(str, str, str)
    def sign_in(self, server: str, user: str, password: str) -> None:
        service = self.service
        if service is None:
            self.finished.emit(Outcome(Step.SIGN_IN_FAILED, None, message=_("Sync could not start on this computer.")))
            return
        try:
            service.login(server, user, password)
        except ServerRefused as error:
            wrong = error.status == UNAUTHORISED
            message = _("The user name or the password is wrong.") if wrong else str(error)
            self.finished.emit(Outcome(Step.SIGN_IN_FAILED, self._status(), message=message))
        except Offline:
            message = _("The server at {server} cannot be reached. Check the address and the network.").format(
                server=server
            )
            self.finished.emit(Outcome(Step.SIGN_IN_FAILED, self._status(), message=message))
        except Exception as error:
            self.finished.emit(Outcome(Step.SIGN_IN_FAILED, self._status(), message=_describe(error)))
        else:
            self.finished.emit(Outcome(Step.SIGNED_IN, self._status()))

    @Slot()
    def close(self) -> None:
        """The last request: close the HTTP client, then end the thread's event loop."""
        if self.service is not None:
            self.service.close()
        thread = QThread.currentThread()
        if thread is not None:
            thread.quit()


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError):
        return str(error)
    return _("Sync stopped on an unexpected problem: {error}").format(error=f"{type(error).__name__}: {error}")
