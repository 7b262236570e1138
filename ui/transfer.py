"""Import and export from the File menu: a worker does the work, the window shows progress and the result."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.services.facade import Services
from tracseq_desktop.services.transfer import ImportResult, export_samples, import_csv
from ui.tasks import TaskRunner, TaskState


class ImportResultDialog(QDialog):
    """What an import did, or every row it refused with its line number and reason."""

    def __init__(self, path: Path, result: ImportResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Import {file}").format(file=path.name))
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(_("Rows with problems"))
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(_("Close"))
        layout.addWidget(buttons)
        if result.problems:
            self.summary.setText(
                ngettext(
                    "{count} row has problems; nothing was imported. Correct the file and import it again.",
                    "{count} rows have problems; nothing was imported. Correct the file and import it again.",
                    len(result.problems),
                ).format(count=len(result.problems))
            )
            self.details.setPlainText(
                "\n".join(_("line {line}: {message}").format(line=p.line, message=p.message) for p in result.problems)
            )
        else:
            self.summary.setText(
                ngettext("Imported {count} sample.", "Imported {count} samples.", result.imported).format(
                    count=result.imported
                )
            )
            self.details.hide()
        self.resize(640, 360 if result.problems else 120)


def start_import(services: Services, tasks: TaskRunner, parent: QWidget, path: Path | None = None) -> None:
    """Ask for a CSV file and import it on a worker, all rows or none."""
    if path is None:
        name, _filter = QFileDialog.getOpenFileName(
            parent, _("Import samples from CSV"), "", _("CSV files (*.csv);;All files (*)")
        )
        if not name:
            return
        path = Path(name)
    chosen = path

    def job(state: TaskState) -> ImportResult:
        return import_csv(services, chosen, progress=state.progress, cancelled=lambda: state.cancelled)

    def done(result: ImportResult) -> None:
        ImportResultDialog(chosen, result, parent).open()

    tasks.submit(
        _("Importing {file}").format(file=chosen.name), job, done, lambda message: _show_error(parent, message)
    )


def start_export(services: Services, tasks: TaskRunner, parent: QWidget, path: Path | None = None) -> None:
    """Ask where to write, then export every sample on a worker (CSV or Excel by the file's ending)."""
    if path is None:
        name, _filter = QFileDialog.getSaveFileName(
            parent, _("Export samples"), "tracseq-samples.csv", _("CSV files (*.csv);;Excel workbooks (*.xlsx)")
        )
        if not name:
            return
        path = Path(name)
    chosen = path
    fmt = "xlsx" if chosen.suffix.lower() == ".xlsx" else "csv"

    def done(count: int) -> None:
        parent.statusBar().showMessage(  # type: ignore[attr-defined]
            _("Wrote {count} samples to {file}.").format(count=count, file=chosen), 10000
        )

    tasks.submit(
        _("Exporting to {file}").format(file=chosen.name),
        lambda _state: export_samples(services, chosen, fmt),
        done,
        lambda message: _show_error(parent, message),
    )


def _show_error(parent: QWidget, message: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(parent, _("TracSeq"), message)
