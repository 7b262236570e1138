"""Database change notifications, carried to the GUI thread as one Qt signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from tracseq_desktop.store.database import Change, Database


class ChangeBridge(QObject):
    """``changed(Change)`` on the GUI thread after every committed write, whichever thread wrote.

    The database calls listeners on the writer's thread; emitting a signal whose
    receivers live on the GUI thread queues the call there.
    """

    changed = Signal(object)

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        db.add_listener(self._on_db_change)

    def _on_db_change(self, change: Change) -> None:
        self.changed.emit(change)

    def detach(self) -> None:
        self._db.remove_listener(self._on_db_change)
