"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, a collection runs in whichever thread happens to allocate when a
threshold is crossed: a camera, freezer or sync worker. If it frees a Qt object caught in
a reference cycle (a widget with a running timer, say), Qt destroys that object on the
wrong thread, prints "Timers cannot be stopped from another thread" and may crash the
next time the GUI thread handles events. So automatic collection is switched off while
the window runs, and a timer on the GUI thread collects instead, with the same
thresholds and generations the interpreter would use.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

#: how often the GUI thread looks whether a collection is due
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """While started: automatic collection off, collections on this (the GUI) thread instead."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()
        self.collections = [0, 0, 0]  #: collections run, by generation

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    @Slot()
    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold, as the interpreter would."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                self.collections[generation] += 1
                return
