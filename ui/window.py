"""The main window: composes the panels and routes their signals; holds no rules of its own."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QSplitter, QToolBar, QWidget

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.domain.views import BoxView, SampleView
from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.services.demo import is_demo
from tracseq_desktop.services.facade import Services
from tracseq_desktop.store.database import Change
from ui.actions import ActionSet
from ui.bench import BenchController, ScanMode
from ui.boxpanel import BoxMapPanel
from ui.bridge import ChangeBridge
from ui.camera.dock import install_camera
from ui.detailpanel import DetailPanel
from ui.freezer.dock import install_freezers
from ui.language import LanguageManager
from ui.preferences import PreferencesDialog
from ui.sampledialogs import (
    AliquotDialog,
    CheckInDialog,
    CheckOutDialog,
    DiscardDialog,
    EditDialog,
    RegisterDialog,
    RegisterManyDialog,
)
from ui.samplepanel import SampleTablePanel
from ui.scanpanel import ScanPanel
from ui.settings import SettingsStore
from ui.statusbar import StatusBarPanel
from ui.sync.dock import install_sync
from ui.tasks import TaskRunner, TaskState
from ui.transfer import start_export, start_import
from ui.treepanel import StorageTreePanel

Placements = list[tuple[str, str, str | None]]


class MainWindow(QMainWindow):
    def __init__(self, services: Services, settings: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.settings = settings
        self.tasks = TaskRunner(self)
        self.bridge = ChangeBridge(services.db, self)
        self.language = LanguageManager(self)
        self.bench = BenchController(services, self)
        self.scan_panel = ScanPanel(self.bench, self)
        self.tree = StorageTreePanel(services.queries, self)
        self.box_panel = BoxMapPanel(self)
        self.table = SampleTablePanel(services.queries, self.tasks, self)
        self.detail = DetailPanel(services.queries, self)
        self.status = StatusBarPanel(
            services.db.path, services.actor.user, services.actor.workstation, self.tasks, self
        )
        self.demo = is_demo(services)
        self.status.set_demo(self.demo)
        self.setStatusBar(self.status)
        self._layout()
        self.actions_ = ActionSet(self)
        self.camera = install_camera(self)
        self.freezers = install_freezers(self)
        self.sync = install_sync(self)
        self._dialog: QDialog | None = None
        self._closed = False
        self._workflow_windows: list[QWidget] = []
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(300)
        self._fill_timer.timeout.connect(self._refresh_fill)
        self._wire()
        self._apply_settings()
        self.retranslate()

    def _layout(self) -> None:
        self.toolbar = QToolBar(self)
        self.toolbar.setMovable(False)
        self.toolbar.addWidget(self.scan_panel)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        middle = QSplitter(Qt.Orientation.Vertical, self)
        middle.addWidget(self.box_panel)
        middle.addWidget(self.table)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 2)
        main = QSplitter(Qt.Orientation.Horizontal, self)
        main.addWidget(self.tree)
        main.addWidget(middle)
        main.addWidget(self.detail)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 4)
        main.setStretchFactor(2, 2)
        main.setSizes([260, 760, 380])
        self.setCentralWidget(main)
        self.resize(1440, 900)

    def _wire(self) -> None:
        a = self.actions_
        a.connect("focus_scan", self.focus_scan)
        a.connect("mode_find", lambda: self.scan_panel.set_mode(ScanMode.FIND))
        a.connect("mode_store", lambda: self.scan_panel.set_mode(ScanMode.STORE))
        a.connect("mode_move", lambda: self.scan_panel.set_mode(ScanMode.MOVE))
        a.connect("undo", self.bench.undo_last)
        a.connect("register", self.open_register)
        a.connect("register_many", self.open_register_many)
        a.connect("import_csv", lambda: start_import(self.services, self.tasks, self))
        a.connect("export", lambda: start_export(self.services, self.tasks, self))
        for key, dialog in (
            ("check_out", CheckOutDialog),
            ("check_in", CheckInDialog),
            ("discard", DiscardDialog),
            ("aliquot", AliquotDialog),
            ("edit", EditDialog),
        ):
            a.connect(key, partial(self.open_sample_dialog, dialog))
        a.connect("focus_tree", self.tree.view.setFocus)
        a.connect("focus_box", lambda: self.box_panel.view().setFocus())
        a.connect("focus_search", self.table.search_field.setFocus)
        a.connect("focus_detail", self.detail.tabs.setFocus)
        a.connect("preferences", self.open_preferences)
        a.connect("workflow_runner", self.open_workflow_runner)
        a.connect("workflow_resume", self.open_workflow_runner)
        a.connect("workflow_designer", self.open_workflow_designer)
        a.connect("quit", self.close)
        self.bench.sample_found.connect(self.show_sample)
        self.bench.box_opened.connect(self._on_bench_box_opened)
        self.bench.location_found.connect(self.tree.reveal)
        self.bench.unknown_code.connect(self._on_bench_unknown_code)
        self.bench.placed.connect(self._on_bench_placed)
        self.bench.feedback.connect(self._on_bench_feedback)
        self.box_panel.sample_selected.connect(self._on_box_sample_selected)
        self.box_panel.position_clicked.connect(self.bench.choose_position)
        self.box_panel.move_requested.connect(self.move_samples)
        self.tree.model.samples_dropped.connect(self._on_tree_samples_dropped)
        self.tree.box_chosen.connect(self.open_box_by_id)
        self.table.sample_selected.connect(lambda s: self.show_sample(s, from_table=True))
        self.detail.lineage_chosen.connect(self._on_lineage_chosen)
        self.bridge.changed.connect(self._on_changed)
        self.language.language_changed.connect(self._on_language_changed)
        self.settings.setting_changed.connect(self._on_setting_changed)

    # -- settings and language -----------------------------------------------------------
    def _apply_settings(self) -> None:
        self.scan_panel.field.prefix = self.settings.value("scanner/prefix")
        self.scan_panel.field.suffix = self.settings.value("scanner/suffix")
        self.box_panel.set_warning_days(self.settings.value("display/expiry_warning_days"))

    @Slot(str, object)
    def _on_setting_changed(self, key: str, value: Any) -> None:
        if key == "language":
            self.language.apply(value)
        self._apply_settings()
        self.box_panel.show_box(self.box_panel.box)

    @Slot(str)
    def _on_language_changed(self, _lang: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        title = _("TracSeq Desktop")
        self.setWindowTitle(_("{title} — DEMO DATA").format(title=title) if self.demo else title)
        self.toolbar.setWindowTitle(_("Scan bar"))
        self.actions_.retranslate()
        for panel in (self.scan_panel, self.tree, self.box_panel, self.table, self.detail, self.status):
            panel.retranslate()

    # -- showing things ------------------------------------------------------------------
    def focus_scan(self) -> None:
        self.scan_panel.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scan_panel.field.selectAll()

    def show_sample(self, sample: SampleView, from_table: bool = False) -> None:
        """Select ``sample`` everywhere: details, its box with the position highlighted, the table row."""
        self.detail.show_sample(sample)
        if sample.box_id is not None:
            self.open_box_by_id(sample.box_id)
            self.box_panel.mark({sample.position or sample.barcode: "highlight"})
            self.box_panel.focus_position(sample.position, sample.barcode)
        if not from_table:
            self.table.select_sample(sample)

    @Slot(int)
    def open_box_by_id(self, box_id: int) -> None:
        box = self.box_panel.box
        if box is None or box.box.id != box_id:
            self._show_box(self.services.queries.box_by_id(box_id))

    def open_box(self, label: str) -> BoxView:
        box = self.services.queries.box(label)
        self._show_box(box)
        return box

    def _show_box(self, box: BoxView) -> None:
        self.box_panel.show_box(box)
        self.box_panel.mark(self._bench_marks(box))
        self.tree.reveal(box.box)

    def _bench_marks(self, box: BoxView) -> dict[str, str]:
        if self.bench.mode is ScanMode.FIND or self.bench.target_box != box.box.label:
            return {}
        place = self.bench.next_place()
        return {place: "target"} if place else {}

    @Slot(object)
    def _on_bench_box_opened(self, box: BoxView) -> None:
        self._show_box(box)

    @Slot(object)
    def _on_box_sample_selected(self, sample: SampleView | None) -> None:
        if sample is not None:
            self.detail.show_sample(sample)
            self.table.select_sample(sample)

    def _on_lineage_chosen(self, barcode: str) -> None:
        sample = self.services.queries.find(barcode)
        if sample is not None:
            self.show_sample(sample)

    @Slot(object)
    def _on_bench_placed(self, sample: SampleView) -> None:
        box = self.services.queries.box_by_id(sample.box_id) if sample.box_id is not None else None
        if box is None and self.box_panel.box is not None:  # taken out again: show the freed place
            self.box_panel.show_box(self.services.queries.box_by_id(self.box_panel.box.box.id))
            self.box_panel.mark(self._bench_marks(self.box_panel.box))
        if box is not None:
            self.box_panel.show_box(box)
            self.tree.reveal(box.box)
            marks = self._bench_marks(box)
            marks[sample.position or sample.barcode] = "placed"
            self.box_panel.mark(marks)
            self.box_panel.focus_position(sample.position, sample.barcode)
        self.detail.show_sample(sample)

    @Slot(str, str)
    def _on_bench_feedback(self, kind: str, message: str) -> None:
        self.status.showMessage(message, 8000)
        if kind in ("ok", "error") and self.settings.value("scanner/beep"):
            QApplication.beep()

    @Slot(str)
    def _on_bench_unknown_code(self, code: str) -> None:
        box = self.bench.target_box if self.bench.mode is ScanMode.STORE else None
        self.open_register(code, box, self.bench.chosen_position if box else None)

    # -- writes -----------------------------------------------------------------------
    @Slot(list)
    def move_samples(self, placements: Placements) -> None:
        """Moves from drag and drop or cut and paste: one inline, several on a worker (one transaction)."""
        reason = _("moved in the box map")
        if len(placements) == 1:
            barcode, box, position = placements[0]
            try:
                view = self.services.samples.move(barcode, box, position, reason=reason)
            except DomainError as error:
                self.scan_panel.show_feedback("error", str(error))
                return
            self.scan_panel.show_feedback(
                "ok", _("Moved {barcode} to {where}.").format(barcode=barcode, where=view.where)
            )
            return
        samples = self.services.samples

        def job(state: TaskState) -> int:
            state.progress(0, len(placements))
            moved = samples.move_many(placements, reason=reason)
            state.progress(len(moved), len(placements))
            return len(moved)

        title = ngettext("Moving {count} sample", "Moving {count} samples", len(placements))
        self.tasks.submit(
            title.format(count=len(placements)),
            job,
            lambda n: self.scan_panel.show_feedback(
                "ok", ngettext("Moved {count} sample.", "Moved {count} samples.", n).format(count=n)
            ),
            lambda message: self.scan_panel.show_feedback("error", message),
        )

    def _on_tree_samples_dropped(self, barcodes: list[str], box_label: str) -> None:
        self.move_samples([(b, box_label, None) for b in barcodes])

    def current_sample(self) -> SampleView | None:
        return self.detail.sample

    def open_register(self, barcode: str = "", box: str | None = None, position: str | None = None) -> None:
        self._open_dialog(RegisterDialog(self.services, barcode, box, position, self))

    def open_register_many(self) -> None:
        box = self.box_panel.box
        self._open_dialog(RegisterManyDialog(self.services, self.tasks, box.box.label if box else None, self))

    def open_sample_dialog(self, dialog_class: Any) -> None:
        sample = self.current_sample()
        if sample is None:
            self.scan_panel.show_feedback("info", _("Scan or pick a sample first."))
            self.focus_scan()
            return
        self._open_dialog(dialog_class(self.services, sample, self))

    def open_preferences(self) -> None:
        self._open_dialog(PreferencesDialog(self.settings, self))

    def _open_dialog(self, dialog: QDialog) -> None:
        """Window-modal and non-blocking (tests and the event loop keep running); the scan field gets focus back."""
        self._dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if hasattr(dialog, "succeeded"):
            dialog.succeeded.connect(self._on_dialog_succeeded)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    @property
    def dialog(self) -> QDialog | None:
        return self._dialog

    def _on_dialog_succeeded(self, result: Any) -> None:
        view = result[0] if isinstance(result, list) and result else result
        if isinstance(view, SampleView):
            self.show_sample(view)
            self.scan_panel.show_feedback("ok", _("Saved {barcode}.").format(barcode=view.barcode))

    def _on_dialog_finished(self, _code: int) -> None:
        self._dialog = None
        self.activateWindow()
        self.focus_scan()

    # -- changes from anywhere --------------------------------------------------------------
    @Slot(object)
    def _on_changed(self, change: Change) -> None:
        if self._closed:
            return
        box = self.box_panel.box
        if box is not None:
            in_box = {s.id for s in box.samples}
            if box.box.id in change.locations or in_box & change.samples:
                try:
                    fresh = self.services.queries.box_by_id(box.box.id)
                except DomainError:
                    fresh = None
                self.box_panel.show_box(fresh)
        sample = self.detail.sample
        if sample is not None and sample.id in change.samples:
            self.detail.show_sample(self.services.queries.find(sample.barcode))
        self.table.on_change(change)
        if "location" in change.kinds:
            self.tree.model.reload()
        self._fill_timer.start()
        self.scan_panel._update_state()

    def _refresh_fill(self) -> None:
        queries = self.services.queries
        self.tasks.submit(_("Updating fill levels"), lambda _state: queries.fill_levels(), self.tree.model.update_fill)

    def start(self) -> None:
        """First search once the window is up (the id list of a million samples takes a moment)."""
        self.table.run_search()
        self._refresh_fill()  # fill levels of the tree, counted on a worker
        self.freezers.start()
        self.sync.start()
        self.focus_scan()

    def open_workflow_runner(self) -> None:
        """The bench runner, with the selected sample ready to start a run on."""
        from ui.workflows import open_runner
        from ui.workflows.runner import RunnerWindow

        sample = self.current_sample()
        window = open_runner(self, self.services)
        if sample is not None and isinstance(window, RunnerWindow):
            window.samples_field.setText(sample.barcode)
        self._workflow_windows.append(window)

    def open_workflow_designer(self) -> None:
        from ui.workflows import open_designer

        self._workflow_windows.append(open_designer(self, self.services))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._fill_timer.stop()
        self.table.stop()
        for window in self._workflow_windows:
            window.close()
        self.camera.shutdown()
        self.freezers.shutdown()
        self.sync.shutdown()
        self.bridge.detach()
        self.language.detach()
        self.tasks.shutdown()
