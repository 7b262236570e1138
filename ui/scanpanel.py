"""The scan bar: the always-ready scan field, the bench mode, the target box and undo."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from tracseq_desktop.i18n import _
from ui.bench import BenchController, ScanMode
from ui.scanning import normalise_scan

#: Feedback backgrounds with dark text (>= 4.5:1, checked by the accessibility test) plus a symbol.
FEEDBACK_STYLES = {
    "ok": ("#d4efdc", "#0f3d1c", "✓"),
    "error": ("#fbdad6", "#5c0f08", "✗"),
    "info": ("#e3ecf7", "#14293f", "ℹ"),
}


class ScanField(QLineEdit):
    """Takes keyboard-wedge input (code then Enter) or typing; emits the normalised code."""

    code_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefix = ""
        self.suffix = ""
        self.returnPressed.connect(self._on_return_pressed)

    @Slot()
    def _on_return_pressed(self) -> None:
        code = normalise_scan(self.text(), self.prefix, self.suffix)
        self.clear()
        if code:
            self.code_entered.emit(code)


class ScanPanel(QWidget):
    def __init__(self, bench: BenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bench = bench
        self.caption = QLabel(self)
        self.field = ScanField(self)
        self.caption.setBuddy(self.field)
        self.field.setMinimumWidth(260)
        self.mode = QComboBox(self)
        for mode in ScanMode:
            self.mode.addItem(mode.display_name, mode.value)
        self.target = QLabel(self)
        self.undo = QPushButton(self)
        self.feedback = QLabel(self)
        self.feedback.setMinimumWidth(360)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.field, 2)
        layout.addWidget(self.mode)
        layout.addWidget(self.target)
        layout.addWidget(self.undo)
        layout.addWidget(self.feedback, 3)
        self.field.code_entered.connect(bench.handle)
        self.mode.currentIndexChanged.connect(self._on_mode_index_changed)
        self.undo.clicked.connect(bench.undo_last)
        bench.state_changed.connect(self._update_state)
        bench.feedback.connect(self.show_feedback)
        self.retranslate()

    def retranslate(self) -> None:
        self.caption.setText(_("&Scan:"))
        self.field.setPlaceholderText(_("Scan or type a barcode, then Enter (F2)"))
        self.field.setAccessibleName(_("Scan field"))
        self.field.setAccessibleDescription(_("Sample barcodes select the sample; box labels open the box."))
        self.mode.setAccessibleName(_("Scan mode"))
        for row, mode in enumerate(ScanMode):
            self.mode.setItemText(row, mode.display_name)
        self.undo.setText(_("&Undo last placement"))
        self.undo.setAccessibleName(_("Undo last placement"))
        self.feedback.setAccessibleName(_("Scan result"))
        self._update_state()

    @Slot(int)
    def _on_mode_index_changed(self, row: int) -> None:
        self._bench.set_mode(ScanMode(self.mode.itemData(row)))
        self.field.setFocus()

    def set_mode(self, mode: ScanMode) -> None:
        self.mode.setCurrentIndex(list(ScanMode).index(mode))

    @Slot()
    def _update_state(self) -> None:
        bench = self._bench
        if self.mode.currentData() != bench.mode.value:
            self.mode.blockSignals(True)
            self.mode.setCurrentIndex(list(ScanMode).index(bench.mode))
            self.mode.blockSignals(False)
        if bench.mode is ScanMode.FIND:
            self.target.setText("")
        elif bench.target_box is None:
            self.target.setText(_("Box: scan one"))
        else:
            place = bench.next_place()
            self.target.setText(
                _("Box {box}, next {position}").format(box=bench.target_box, position=place or _("none free"))
            )
        self.undo.setEnabled(bench.last is not None)

    @Slot(str, str)
    def show_feedback(self, kind: str, message: str) -> None:
        background, foreground, symbol = FEEDBACK_STYLES.get(kind, FEEDBACK_STYLES["info"])
        self.feedback.setText(f"{symbol} {message}")
        self.feedback.setStyleSheet(f"QLabel {{ background: {background}; color: {foreground}; padding: 3px; }}")
        self.feedback.setAccessibleDescription(message)
