"""The whole-box scan: a picture of tube bottoms read well by well, compared with the box's records, accepted.

The scan and the comparison run on workers; the picture is shown turned as chosen,
with every well marked read (solid ring, ✓), empty (dashed ring, ○) or tube present
but unreadable (hatched cross, ?): shape, pattern, symbol and colour each tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QItemSelection, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hardware.vision.boxscan import WellDetail
from tracseq_desktop.domain.scanning import (
    BoxScan,
    Outcome,
    WellResult,
    WellState,
    best_rotation,
)
from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.services.boxscans import AcceptResult, BoxScanService
from tracseq_desktop.services.facade import Services
from ui.camera.feed import to_qimage

#: Well marks: each differs in shape and line pattern as well as colour.
from ui.camera.wellmap import (
    Comparison,
    WellMapView,
)
from ui.camera.wellmodel import ReconciliationModel, rows_for
from ui.scanpanel import FEEDBACK_STYLES
from ui.tasks import TaskRunner, TaskState


class BoxScanDialog(QDialog):
    """Scan a box from a picture, compare it with the records of the chosen box, accept the differences."""

    scan_accepted = Signal(object)  #: AcceptResult

    def __init__(
        self,
        services: Services,
        tasks: TaskRunner,
        box: str | None = None,
        image: np.ndarray | None = None,
        frame_source: Callable[[], np.ndarray | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self._boxscans = BoxScanService(services)
        self._frame_source = frame_source
        self.image: np.ndarray | None = None
        self.image_file: Path | None = None
        self.comparison: Comparison | None = None
        self.typed: dict[str, str] = {}
        self.scan_id: int | None = None
        self.last_result: AcceptResult | None = None
        self._version = 0
        self._stored_version = -1
        self.model = ReconciliationModel(self)
        self._build()
        self._wire()
        self.box_field.setText(box or "")
        self.retranslate()
        self._update_buttons()
        if image is not None:
            self.set_image(image)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.setWindowTitle(_("Scan a whole box"))
        self.resize(1280, 760)
        self.box_caption = QLabel(self)
        self.box_field = QLineEdit(self)
        self.box_caption.setBuddy(self.box_field)
        self.open_button = QPushButton(self)
        self.camera_button = QPushButton(self)
        self.camera_button.setEnabled(self._frame_source is not None)
        self.scan_button = QPushButton(self)
        self.turn_button = QPushButton(self)
        self.half_turn_button = QPushButton(self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.view = WellMapView(self)
        self.legend = QLabel(self)
        self.legend.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.only_differences = QCheckBox(self)
        self.only_differences.setChecked(True)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.code_caption = QLabel(self)
        self.code_field = QLineEdit(self)
        self.code_caption.setBuddy(self.code_field)
        self.code_button = QPushButton(self)
        self.register_button = QPushButton(self)
        self.accept_selected = QPushButton(self)
        self.accept_all = QPushButton(self)
        self.close_button = QPushButton(self)
        self.feedback = QLabel(self)
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._arrange()

    def _arrange(self) -> None:
        top = QHBoxLayout()
        for widget in (self.box_caption, self.box_field, self.open_button, self.camera_button, self.scan_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.turn_button)
        top.addWidget(self.half_turn_button)
        top.addWidget(self.progress)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addWidget(self.legend)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.only_differences)
        right_layout.addWidget(self.table, 1)
        typed = QHBoxLayout()
        typed.addWidget(self.code_caption)
        typed.addWidget(self.code_field, 1)
        typed.addWidget(self.code_button)
        typed.addWidget(self.register_button)
        right_layout.addLayout(typed)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([620, 640])
        bottom = QHBoxLayout()
        bottom.addWidget(self.feedback, 1)
        bottom.addWidget(self.accept_selected)
        bottom.addWidget(self.accept_all)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

    def _wire(self) -> None:
        self.open_button.clicked.connect(self._on_open_clicked)
        self.camera_button.clicked.connect(self._on_camera_clicked)
        self.scan_button.clicked.connect(self.rescan)
        self.turn_button.clicked.connect(lambda: self.turn(90))
        self.half_turn_button.clicked.connect(lambda: self.turn(180))
        self.box_field.editingFinished.connect(self._on_box_edited)
        self.only_differences.toggled.connect(lambda _on: self._show_comparison())
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.code_button.clicked.connect(self._on_code_clicked)
        self.code_field.returnPressed.connect(self._on_code_clicked)
        self.register_button.clicked.connect(self._on_register_clicked)
        self.accept_selected.clicked.connect(lambda: self.accept_wells(self.model.checked_positions()))
        self.accept_all.clicked.connect(lambda: self.accept_wells(None))
        self.close_button.clicked.connect(self.reject)
        self.model.dataChanged.connect(lambda *_args: self._update_buttons())

    def retranslate(self) -> None:
        self.setWindowTitle(_("Scan a whole box"))
        self.box_caption.setText(_("&Box:"))
        self.box_field.setAccessibleName(_("Box label"))
        self.box_field.setPlaceholderText(_("label of the box in the picture"))
        self.open_button.setText(_("&Open photo…"))
        self.camera_button.setText(_("Use ca&mera picture"))
        self.scan_button.setText(_("&Rescan"))
        self.turn_button.setText(_("Turn &90°"))
        self.turn_button.setAccessibleName(_("Turn the scan 90 degrees clockwise"))
        self.half_turn_button.setText(_("Turn 18&0°"))
        self.half_turn_button.setAccessibleName(_("Turn the scan 180 degrees"))
        self.progress.setAccessibleName(_("Scan progress"))
        self.view.setAccessibleName(_("Box picture with the wells marked"))
        self.legend.setText(
            _(
                "Solid ring ✓: code read · dashed ring ○: empty well · hatched cross ?: tube present, code unreadable · dotted square: differs from the records"
            )
        )
        self.only_differences.setText(_("Show only &differences"))
        self.table.setAccessibleName(_("Wells compared with the records"))
        self.code_caption.setText(_("&Code for the selected well:"))
        self.code_field.setAccessibleName(_("Code for the selected well"))
        self.code_button.setText(_("&Set code"))
        self.register_button.setText(_("Re&gister…"))
        self.register_button.setAccessibleName(_("Register the selected unknown tube"))
        self.accept_selected.setText(_("Accept &ticked wells"))
        self.accept_all.setText(_("Accept &all differences"))
        self.close_button.setText(_("Close"))
        self.feedback.setAccessibleName(_("Box scan result"))

    # -- input ------------------------------------------------------------------------------
    @property
    def box(self) -> str:
        return self.box_field.text().strip().upper()

    def set_image(self, image: np.ndarray, path: Path | None = None) -> None:
        """A new picture: scan it at once."""
        self.image = image
        self.image_file = path
        self.comparison = None
        self.typed.clear()
        self.view.set_wells(None, image)
        self.rescan()

    def load_photo(self, path: str | Path) -> None:
        from hardware.vision.capture import load_image

        try:
            image = load_image(path)
        except Exception as error:
            self.show_feedback("error", str(error))
            return
        self.set_image(image, Path(path))

    @Slot()
    def _on_open_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open photo"), "", _("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff);;All files (*)")
        )
        if path:
            self.load_photo(path)

    @Slot()
    def _on_camera_clicked(self) -> None:
        frame = self._frame_source() if self._frame_source else None
        if frame is None:
            self.show_feedback("error", _("The camera has no picture yet. Start it in the camera panel."))
            return
        self.set_image(frame)

    @Slot()
    def _on_box_edited(self) -> None:
        if self.comparison is not None and (
            self.comparison.reconciliation is None or self.comparison.reconciliation.box != self.box
        ):
            self._compare(self.comparison.rotation, keep_rotation=False)

    # -- work on workers -----------------------------------------------------------------------
    def rescan(self) -> None:
        image = self.image
        if image is None:
            return
        from hardware.vision.boxscan import BoxScanner

        box = self.box
        service = self._boxscans

        def job(state: TaskState) -> Comparison:
            state.progress(0, 3)
            rows = cols = None
            if box:
                geometry = service.box(box).geometry
                rows, cols = geometry.rows, geometry.cols
            seen, details = BoxScanner().scan(image, rows, cols)
            state.progress(2, 3)
            return self._comparison(seen, tuple(details), None, {}, box)

        self._run(_("Scanning the box"), job)

    def turn(self, degrees: int) -> None:
        if self.comparison is not None:
            self.typed.clear()
            self._compare((self.comparison.rotation + degrees) % 360)

    def _compare(self, rotation: int | None, *, keep_rotation: bool = True) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        typed, box = dict(self.typed), self.box
        turn = rotation if keep_rotation else None
        self._run(
            _("Comparing the scan"),
            lambda _state: self._comparison(comparison.seen, comparison.details, turn, typed, box),
        )

    def _comparison(
        self, seen: BoxScan, details: tuple[WellDetail, ...], rotation: int | None, typed: dict[str, str], box: str
    ) -> Comparison:
        """Turn, apply typed codes and compare (runs on a worker; only quick indexed queries)."""
        service = self._boxscans
        view = service.box(box) if box else None
        if rotation is None:
            rotation = 0
            if view is not None:
                geometry = view.geometry
                assert geometry.rows is not None and geometry.cols is not None
                try:
                    rotation = best_rotation(seen, geometry.rows, geometry.cols, service.records(view))
                except Exception:
                    rotation = 0
        scan = seen.rotated(rotation)
        if typed:
            scan = replace(
                scan,
                wells=tuple(
                    WellResult(w.position, WellState.READ, typed[w.position], w.colour) if w.position in typed else w
                    for w in scan.wells
                ),
            )
        if view is None:
            return Comparison(seen, details, rotation, scan, None, (), _("Enter the box label to compare."))
        try:
            rec = service.reconcile(scan, view)
        except Exception as error:
            return Comparison(seen, details, rotation, scan, None, (), str(error))
        return Comparison(seen, details, rotation, scan, rec, tuple(service.qa_flags(scan, view)))

    def _run(self, title: str, job: Callable[[TaskState], Comparison]) -> None:
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._set_busy(True)
        self._tasks.submit(title, job, self._on_compared, self._on_failed)

    def _on_compared(self, comparison: Comparison) -> None:
        self._set_busy(False)
        self.comparison = comparison
        self._version += 1
        self._show_comparison()
        if comparison.error:
            self.show_feedback("error", comparison.error)
        else:
            self.show_feedback("info", self._summary_text())

    def _on_failed(self, message: str) -> None:
        self._set_busy(False)
        self.show_feedback("error", message)

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        for button in (
            self.scan_button,
            self.accept_all,
            self.accept_selected,
            self.turn_button,
            self.half_turn_button,
        ):
            button.setEnabled(not busy)
        self._busy = busy
        if not busy:
            self._update_buttons()

    @property
    def busy(self) -> bool:
        return getattr(self, "_busy", False)

    # -- showing --------------------------------------------------------------------------------
    def _show_comparison(self) -> None:
        comparison = self.comparison
        self.view.set_wells(comparison, self.image)
        rec = comparison.reconciliation if comparison else None
        rows = (
            rows_for(rec, list(comparison.flags), only_differences=self.only_differences.isChecked())
            if rec and comparison
            else []
        )
        self.model.set_rows(rows)
        self.summary.setText(self._summary_text())
        self._update_buttons()

    def _summary_text(self) -> str:
        comparison = self.comparison
        if comparison is None:
            return ""
        scan = comparison.scan
        counts = _("{rows} x {cols} wells: {read} read, {unreadable} unreadable, {empty} empty.").format(
            rows=scan.rows,
            cols=scan.cols,
            read=scan.count(WellState.READ),
            unreadable=scan.count(WellState.UNREADABLE),
            empty=scan.count(WellState.EMPTY),
        )
        rec = comparison.reconciliation
        if rec is None:
            return counts
        parts = [f"{Outcome(k).display_name}: {v}" for k, v in rec.summary().items() if v]
        turned = _("turned {degrees}°").format(degrees=comparison.rotation) if comparison.rotation else ""
        return " ".join(p for p in (counts, _("Box {box}:").format(box=rec.box), ", ".join(parts) + ".", turned) if p)

    def _update_buttons(self) -> None:
        busy = self.busy
        acceptable = self.model.acceptable_positions()
        self.accept_all.setEnabled(bool(acceptable) and not busy)
        self.accept_selected.setEnabled(bool(self.model.checked_positions()) and not busy)
        row = self._selected_row()
        self.code_button.setEnabled(row is not None and row.outcome is Outcome.UNREADABLE)
        self.register_button.setEnabled(row is not None and row.outcome is Outcome.UNKNOWN)
        self.turn_button.setEnabled(self.comparison is not None and not busy)
        self.half_turn_button.setEnabled(self.comparison is not None and not busy)
        self.scan_button.setEnabled(self.image is not None and not busy)

    def _selected_row(self):  # type: ignore[no-untyped-def]
        indexes = self.table.selectionModel().selectedRows()
        return self.model.row_at(indexes[0].row()) if indexes else None

    @Slot(QItemSelection, QItemSelection)
    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self._selected_row()
        self.view.selected = row.position if row else ""
        self.view.update()
        self._update_buttons()

    def select_position(self, position: str) -> None:
        row = self.model.row_of(position)
        if row >= 0:
            self.table.selectRow(row)

    def show_feedback(self, kind: str, message: str) -> None:
        background, foreground, symbol = FEEDBACK_STYLES.get(kind, FEEDBACK_STYLES["info"])
        self.feedback.setText(f"{symbol} {message}")
        self.feedback.setStyleSheet(f"QLabel {{ background: {background}; color: {foreground}; padding: 3px; }}")
        self.feedback.setAccessibleDescription(message)

    # -- typing and registering -------------------------------------------------------------------
    @Slot()
    def _on_code_clicked(self) -> None:
        row = self._selected_row()
        code = self.code_field.text().strip().upper()
        if row is None or row.outcome is not Outcome.UNREADABLE or not code:
            return
        self.set_typed_code(row.position, code)

    def set_typed_code(self, position: str, code: str) -> None:
        """A code typed for an unreadable well (read off the tube's side label, for instance)."""
        self.typed[position] = code
        self.code_field.clear()
        if self.comparison is not None:
            self._compare(self.comparison.rotation)

    @Slot()
    def _on_register_clicked(self) -> None:
        row = self._selected_row()
        window = self.parent()
        opener = getattr(window, "open_register", None)
        if row is None or row.seen is None or opener is None:
            return
        self.show_feedback("info", _("Register {code}, then rescan or compare again.").format(code=row.seen))
        opener(row.seen, self.box, row.position)

    # -- accepting -----------------------------------------------------------------------------
    def accept_wells(self, positions: list[str] | None) -> None:
        """Keep the scan (once per version) and make the records follow it at ``positions`` (all when None)."""
        comparison = self.comparison
        if comparison is None or comparison.reconciliation is None or self.image is None:
            return
        service = self._boxscans
        box = comparison.reconciliation.box
        scan = comparison.scan
        image, path = self.image, self.image_file
        scan_id = self.scan_id if self._stored_version == self._version else None
        version = self._version
        typed = dict(self.typed)

        def job(state: TaskState) -> tuple[int, AcceptResult, Comparison]:
            state.progress(0, 2)
            kept = scan_id
            if kept is None:
                picture, fmt = _picture_bytes(image, path)
                kept = service.record(box, scan, picture, fmt).id
            result = service.accept(kept, positions)
            state.progress(1, 2)
            again = self._comparison(comparison.seen, comparison.details, comparison.rotation, typed, box)
            return kept, result, again

        def done(outcome: tuple[int, AcceptResult, Comparison]) -> None:
            kept, result, again = outcome
            self.scan_id, self._stored_version = kept, version  # a later acceptance of this scan reuses it
            self.last_result = result
            self._set_busy(False)
            self.comparison = again
            self._show_comparison()
            self.show_feedback("ok" if not result.skipped else "error", self._accept_text(result))
            self.scan_accepted.emit(result)

        self.progress.setRange(0, 0)
        self._set_busy(True)
        self.progress.setVisible(True)
        self._tasks.submit(_("Accepting the box scan"), job, done, self._on_failed)

    @staticmethod
    def _accept_text(result: AcceptResult) -> str:
        text = ngettext(
            "Kept as box scan {id}; moved {count} sample",
            "Kept as box scan {id}; moved {count} samples",
            len(result.moved),
        ).format(id=result.scan_id, count=len(result.moved))
        if result.checked_in:
            text += "; " + _("checked in {barcodes}").format(barcodes=", ".join(s.barcode for s in result.checked_in))
        text += "."
        for skipped in result.skipped:
            text += " " + _("Not moved: {barcode} to {position} ({why}).").format(
                barcode=skipped.barcode, position=skipped.position, why=skipped.why
            )
        return text


def _picture_bytes(image: np.ndarray, path: Path | None) -> tuple[bytes, str]:
    """The photo file as it was (PNG or JPEG), or the camera frame as JPEG."""
    if path is not None:
        fmt = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}.get(path.suffix.lower())
        if fmt:
            return path.read_bytes(), fmt
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    to_qimage(image).save(buffer, b"JPG", 90)
    buffer.close()
    return bytes(data.data()), "jpeg"
