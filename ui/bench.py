"""The scan-first bench workflow: find, scan-to-store and scan-to-move, with undo of the last placement.

Rules (temperature, free places, states) stay in the services; this controller only
decides which service call a scan means and reports the outcome in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.domain.views import SampleView
from tracseq_desktop.i18n import N_, _
from tracseq_desktop.services.facade import Services


class ScanMode(StrEnum):
    FIND = "find"
    STORE = "store"
    MOVE = "move"

    @property
    def display_name(self) -> str:
        return _(_MODE_TITLES[self])


_MODE_TITLES = {ScanMode.FIND: N_("Find"), ScanMode.STORE: N_("Scan to store"), ScanMode.MOVE: N_("Scan to move")}


@dataclass(frozen=True)
class Placement:
    """One placement the bench made, enough to put the tube back."""

    barcode: str
    action: str  #: "store" or "move"
    from_box: str | None
    from_position: str | None
    to_where: str


class BenchController(QObject):
    """Turns normalised scans into lookups or placements and says what happened.

    ``feedback(kind, message)``: kind is "ok", "error" or "info".
    """

    sample_found = Signal(object)  #: SampleView
    box_opened = Signal(object)  #: BoxView
    location_found = Signal(object)  #: LocationView (not a box)
    unknown_code = Signal(str)
    placed = Signal(object)  #: SampleView after a placement or an undo
    feedback = Signal(str, str)
    state_changed = Signal()

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.mode = ScanMode.FIND
        self.target_box: str | None = None
        self.chosen_position: str | None = None
        self.last: Placement | None = None

    # -- state -----------------------------------------------------------------------
    def set_mode(self, mode: ScanMode) -> None:
        self.mode = mode
        self.chosen_position = None
        if mode is ScanMode.FIND:
            self.target_box = None
        self.state_changed.emit()
        if mode is not ScanMode.FIND and self.target_box is None:
            self.feedback.emit("info", _("Scan the box the tubes go into."))

    def choose_position(self, box_label: str, position: str) -> None:
        """A clicked cell of the target box: the next tube goes there instead of the next free place."""
        if self.mode is ScanMode.FIND:
            return
        self.target_box = box_label
        self.chosen_position = position
        self.state_changed.emit()
        self.feedback.emit("info", _("Next tube goes to {box}:{position}.").format(box=box_label, position=position))

    def next_place(self) -> str | None:
        """Where the next tube will go: the chosen position or the box's next free one."""
        if self.target_box is None:
            return None
        if self.chosen_position:
            return self.chosen_position
        try:
            return self._services.queries.next_free_position(self.target_box)
        except DomainError:
            return None

    # -- scans -----------------------------------------------------------------------
    def handle(self, code: str) -> None:
        if not code:
            return
        try:
            found = self._services.queries.identify(code)
        except DomainError as error:
            self.feedback.emit("error", str(error))
            return
        location = found.location
        if location is not None:
            if location.kind.value == "box":
                self._open_box(location.label)
            else:
                self.location_found.emit(location)
                self.feedback.emit("info", _("{kind} {label}").format(kind=location.kind.display_name, label=code))
            return
        if found.sample is None:
            self.unknown_code.emit(found.code)
            self.feedback.emit("error", _("{code} is not known. Register it as a new sample?").format(code=found.code))
            return
        if self.mode is ScanMode.FIND:
            self.sample_found.emit(found.sample)
            self.feedback.emit(
                "ok",
                _("{barcode} is in {where}.").format(barcode=found.sample.barcode, where=found.sample.where or "-"),
            )
            return
        self._place(found.sample)

    def _open_box(self, label: str) -> None:
        box = self._services.queries.box(label)
        if self.mode is not ScanMode.FIND:
            self.target_box = box.box.label
            self.chosen_position = None
            self.state_changed.emit()
            self.feedback.emit("info", _("Scan tubes for {box}.").format(box=box.box.label))
        else:
            self.feedback.emit("ok", _("Opened {box}.").format(box=box.box.label))
        self.box_opened.emit(box)

    def _place(self, sample: SampleView) -> None:
        if self.target_box is None:
            self.feedback.emit("error", _("Scan a box first, then the tubes."))
            return
        samples = self._services.samples
        position = self.chosen_position
        try:
            if self.mode is ScanMode.STORE:
                view = samples.store(sample.barcode, self.target_box, position)
            else:
                view = samples.move(sample.barcode, self.target_box, position, reason=_("scan-to-move at the bench"))
        except DomainError as error:
            self.feedback.emit("error", str(error))
            return
        self.last = Placement(sample.barcode, self.mode.value, sample.box_label, sample.position, view.where)
        self.chosen_position = None
        self.state_changed.emit()
        self.placed.emit(view)
        verb = _("Stored {barcode} in {where}.") if self.mode is ScanMode.STORE else _("Moved {barcode} to {where}.")
        self.feedback.emit("ok", verb.format(barcode=view.barcode, where=view.where))

    # -- undo ------------------------------------------------------------------------
    def undo_last(self) -> None:
        last = self.last
        if last is None:
            self.feedback.emit("info", _("Nothing to undo."))
            return
        try:
            if last.from_box is None:  # a first storage: take it out of the box again
                view = self._services.samples.unstore(last.barcode, reason=_("undo of the last placement"))
            else:
                view = self._services.samples.move(
                    last.barcode, last.from_box, last.from_position, reason=_("undo of the last placement")
                )
        except DomainError as error:
            self.feedback.emit("error", str(error))
            return
        self.last = None
        self.state_changed.emit()
        self.placed.emit(view)
        if view.box_label is None:
            self.feedback.emit("ok", _("Took {barcode} out of the box again.").format(barcode=view.barcode))
        else:
            self.feedback.emit("ok", _("Put {barcode} back in {where}.").format(barcode=view.barcode, where=view.where))
