"""Dialogs for the sample operations: register (one or many), check out/in, discard, aliquot, edit."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.domain.quantities import format_volume, parse_volume
from tracseq_desktop.domain.views import SampleView
from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.services.drafts import SampleDraft, parse_time
from tracseq_desktop.services.facade import Services
from ui.formdialog import FormDialog
from ui.tasks import TaskRunner, TaskState


def _line(text: str = "") -> QLineEdit:
    widget = QLineEdit()
    widget.setText(text)
    return widget


def _type_combo(services: Services, current: str | None = None) -> QComboBox:
    combo = QComboBox()
    for name in services.queries.sample_types():
        combo.addItem(name)
    if current:
        combo.setCurrentText(current)
    return combo


def check_place(services: Services, box: str, position: str) -> str | None:
    """Inline check that a box exists and a position is on its grid (the write checks everything again)."""
    if not box:
        return _("A position needs a box.") if position else None
    view = services.queries.box(box)
    if position:
        view.geometry.parse_position(position)
    return None


class RegisterDialog(FormDialog):
    def __init__(
        self,
        services: Services,
        barcode: str = "",
        box: str | None = None,
        position: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("Register sample"), parent)
        self._services = services
        self.add_field("barcode", _("&Barcode"), _line(barcode))
        self.add_field("type", _("&Type"), _type_combo(services))
        self.add_field("volume", _("&Volume"), _line())
        self.add_field("project", _("&Project"), _line())
        self.add_field("owner", _("&Owner"), _line())
        self.add_field("expires", _("E&xpires"), _line())
        self.add_field("box", _("Bo&x"), _line(box or ""))
        self.add_field("position", _("Po&sition"), _line(position or ""))
        self.field("volume").setPlaceholderText(_("e.g. 1.5ml or 200ul"))  # type: ignore[attr-defined]
        self.field("expires").setPlaceholderText(_("e.g. 2027-03-31"))  # type: ignore[attr-defined]

    def check(self) -> str | None:
        barcode = self.text("barcode")
        if not barcode:
            return _("Give the barcode of the new sample.")
        if self._services.queries.find(barcode) is not None:
            return _("A sample with barcode {barcode} already exists.").format(barcode=barcode.upper())
        if self.text("volume"):
            parse_volume(self.text("volume"))
        parse_time(self.text("expires"), _("expires at"))
        return check_place(self._services, self.text("box"), self.text("position"))

    def draft(self) -> SampleDraft:
        return SampleDraft(
            barcode=self.text("barcode"),
            sample_type=self.text("type"),
            volume=self.text("volume") or None,
            project=self.text("project") or None,
            owner=self.text("owner") or None,
            expires_at=self.text("expires") or None,
            box=self.text("box") or None,
            position=self.text("position") or None,
        )

    def perform(self) -> Any:
        return self._services.samples.register(self.draft())


class RegisterManyDialog(FormDialog):
    """One barcode per line, with shared fields; registered all or none, off the GUI thread."""

    def __init__(
        self, services: Services, tasks: TaskRunner, box: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Register several samples"), parent)
        self._services = services
        self._tasks = tasks
        codes = QPlainTextEdit()
        codes.setTabChangesFocus(True)
        self.add_field("barcodes", _("&Barcodes (one per line)"), codes)
        self.add_field("type", _("&Type"), _type_combo(services))
        self.add_field("volume", _("&Volume each"), _line())
        self.add_field("project", _("&Project"), _line())
        self.add_field("box", _("Bo&x (next free places)"), _line(box or ""))

    def barcodes(self) -> list[str]:
        return [line.strip() for line in self.text("barcodes").splitlines() if line.strip()]

    def check(self) -> str | None:
        codes = self.barcodes()
        if not codes:
            return _("Scan or type at least one barcode.")
        upper = [c.upper() for c in codes]
        twice = sorted({c for c in upper if upper.count(c) > 1})
        if twice:
            return _("Listed twice: {codes}.").format(codes=", ".join(twice))
        if self.text("volume"):
            parse_volume(self.text("volume"))
        return check_place(self._services, self.text("box"), "")

    def perform(self) -> Any:
        drafts = [
            SampleDraft(
                barcode=code,
                sample_type=self.text("type"),
                volume=self.text("volume") or None,
                project=self.text("project") or None,
                box=self.text("box") or None,
            )
            for code in self.barcodes()
        ]
        samples = self._services.samples

        def job(state: TaskState) -> list[SampleView]:
            state.progress(0, len(drafts))
            result = samples.register_many(drafts)
            state.progress(len(drafts), len(drafts))
            return result

        self.ok_button.setEnabled(False)
        title = ngettext("Registering {count} sample", "Registering {count} samples", len(drafts))
        self._tasks.submit(title.format(count=len(drafts)), job, self._on_done, self._on_failed)
        return None

    def _on_done(self, result: list[SampleView]) -> None:
        self.succeeded.emit(result)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.ok_button.setEnabled(True)
        self.show_message(message)


class _SampleDialog(FormDialog):
    def __init__(self, title: str, services: Services, sample: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(title.format(barcode=sample.barcode), parent)
        self._services = services
        self.sample = sample


class CheckOutDialog(_SampleDialog):
    def __init__(self, services: Services, sample: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(_("Check out {barcode}"), services, sample, parent)
        self.add_field("reason", _("&Reason"), _line())

    def check(self) -> str | None:
        return None if self.text("reason") else _("Give a reason for taking the sample out.")

    def perform(self) -> Any:
        return self._services.samples.check_out(self.sample.barcode, reason=self.text("reason"))


class CheckInDialog(_SampleDialog):
    def __init__(self, services: Services, sample: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(_("Check in {barcode}"), services, sample, parent)
        self.add_field("box", _("Bo&x (empty: its reserved place)"), _line())
        self.add_field("position", _("Po&sition"), _line())

    def check(self) -> str | None:
        return check_place(self._services, self.text("box"), self.text("position"))

    def perform(self) -> Any:
        return self._services.samples.check_in(
            self.sample.barcode, box=self.text("box") or None, position=self.text("position") or None
        )


class DiscardDialog(_SampleDialog):
    def __init__(self, services: Services, sample: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(_("Discard {barcode}"), services, sample, parent)
        self.add_field("reason", _("&Reason"), _line())

    def check(self) -> str | None:
        return None if self.text("reason") else _("Give a reason for discarding the sample.")

    def perform(self) -> Any:
        return self._services.samples.discard(self.sample.barcode, reason=self.text("reason"))


class AliquotDialog(_SampleDialog):
    def __init__(self, services: Services, sample: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(_("Aliquot {barcode}"), services, sample, parent)
        count = QSpinBox()
        count.setRange(1, 1000)
        count.setValue(2)
        self.add_field("count", _("&Number of aliquots"), count)
        self.add_field("volume", _("&Volume each"), _line())
        self.add_field("box", _("Bo&x"), _line(sample.box_label or ""))
        self.add_field("positions", _("&Positions (optional, comma separated)"), _line())

    def _positions(self) -> list[str] | None:
        text = self.text("positions")
        return [p.strip() for p in text.split(",") if p.strip()] if text else None

    def check(self) -> str | None:
        if not self.text("volume"):
            return _("Give the volume of each aliquot.")
        each = parse_volume(self.text("volume"))
        count = self.field("count").value()  # type: ignore[attr-defined]
        if self.sample.volume_nl is not None and each * count > self.sample.volume_nl:
            return _("{count} x {each} is more than the {available} left.").format(
                count=count, each=format_volume(each), available=format_volume(self.sample.volume_nl)
            )
        positions = self._positions()
        if positions is not None and len(positions) != count:
            return _("Give one position per aliquot, or none.")
        if not self.text("box"):
            return _("Give the box the aliquots go into.")
        for position in positions or []:
            check_place(self._services, self.text("box"), position)
        return None

    def perform(self) -> Any:
        return self._services.samples.aliquot(
            self.sample.barcode,
            count=self.field("count").value(),  # type: ignore[attr-defined]
            volume=self.text("volume"),
            box=self.text("box"),
            positions=self._positions(),
        )


class EditDialog(_SampleDialog):
    def __init__(self, services: Services, sample: SampleView, parent: QWidget | None = None) -> None:
        super().__init__(_("Edit {barcode}"), services, sample, parent)
        self.add_field("sample_type", _("&Type"), _type_combo(services, sample.sample_type))
        self.add_field("volume", _("&Volume"), _line(format_volume(sample.volume_nl).replace(" ", "")))
        self.add_field("project", _("&Project"), _line(sample.project or ""))
        self.add_field("owner", _("&Owner"), _line(sample.owner or ""))
        expires = sample.expires_at.date().isoformat() if sample.expires_at else ""
        self.add_field("expires_at", _("E&xpires"), _line(expires))
        self.add_field("reason", _("&Reason for the change"), _line())

    def changes(self) -> dict[str, Any]:
        s = self.sample
        changes: dict[str, Any] = {}
        if self.text("sample_type") != s.sample_type:
            changes["sample_type"] = self.text("sample_type")
        volume = (
            parse_volume(self.text("volume").replace("µL", "ul").replace("mL", "ml")) if self.text("volume") else None
        )
        if volume != s.volume_nl:
            changes["volume"] = volume
        for key in ("project", "owner"):
            if (self.text(key) or None) != getattr(s, key):
                changes[key] = self.text(key)
        expires = parse_time(self.text("expires_at"), _("expires at"))
        current = s.expires_at.date() if s.expires_at else None
        if (expires.date() if expires else None) != current:
            changes["expires_at"] = expires
        return changes

    def check(self) -> str | None:
        try:
            changes = self.changes()
        except DomainError as error:
            return str(error)
        return None if changes else _("Nothing changed yet.")

    def perform(self) -> Any:
        return self._services.samples.edit(self.sample.barcode, self.changes(), reason=self.text("reason") or None)
