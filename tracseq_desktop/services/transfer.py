"""CSV import (validated whole, all or nothing) and CSV / Excel export of samples.

The export writes the columns the import reads, so a file exported from one
database imports into another that has the same boxes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tracseq_desktop.domain.errors import DomainError, InvalidInput
from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.i18n import _
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services
from tracseq_desktop.services.operation import Operation

COLUMNS = (
    "barcode",
    "type",
    "volume_ul",
    "concentration",
    "concentration_unit",
    "project",
    "owner",
    "collected_at",
    "expires_at",
    "freeze_thaw_count",
    "parent",
    "box",
    "position",
    "status",
)
REQUIRED = ("barcode", "type")
ATTRIBUTE_PREFIX = "attr:"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int
    problems: tuple[RowProblem, ...]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.problems


class _Rollback(Exception):
    """Raised inside the import transaction to undo it after collecting every problem."""


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]
    except FileNotFoundError:
        raise InvalidInput(_("There is no file {path}.").format(path=path)) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(_("{path} is not a UTF-8 CSV file: {error}").format(path=path, error=error)) from None
    return header, rows


def _draft(row: dict[str, str]) -> SampleDraft:
    status = row.get("status") or "available"
    if status != "available":
        raise InvalidInput(
            _(
                "status {status!r}: only available samples are imported; record the rest with their own commands."
            ).format(status=status)
        )
    volume = row.get("volume_ul") or None
    count = row.get("freeze_thaw_count") or "0"
    concentration = row.get("concentration") or None
    try:
        freeze_thaw = int(count)
    except ValueError:
        raise InvalidInput(_("freeze_thaw_count {value!r} is not a whole number.").format(value=count)) from None
    try:
        conc = float(concentration) if concentration else None
    except ValueError:
        raise InvalidInput(_("concentration {value!r} is not a number.").format(value=concentration)) from None
    return SampleDraft(
        barcode=row.get("barcode", ""),
        sample_type=row.get("type", ""),
        volume=f"{volume}ul" if volume else None,
        concentration=conc,
        concentration_unit=row.get("concentration_unit") or None,
        project=row.get("project") or None,
        owner=row.get("owner") or None,
        collected_at=row.get("collected_at") or None,
        expires_at=row.get("expires_at") or None,
        freeze_thaw_count=freeze_thaw,
        attributes={k[len(ATTRIBUTE_PREFIX) :]: v for k, v in row.items() if k.startswith(ATTRIBUTE_PREFIX) and v},
        parent=row.get("parent") or None,
        box=row.get("box") or None,
        position=row.get("position") or None,
    )


def import_csv(
    services: Services,
    path: Path | str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportResult:
    """Validate every row against every rule; write all rows or none.

    Rows are tried in order inside one transaction, so a later row sees earlier ones
    (duplicates within the file, taken positions). They go in chunks, each under one
    savepoint; a chunk with a bad row is rolled back and tried again row by row, each
    row under its own savepoint, so every problem is found and no half-written row is
    seen by the rows after it.
    """
    header, rows = read_rows(Path(path))
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS and not c.startswith(ATTRIBUTE_PREFIX)]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: {columns}").format(columns=", ".join(missing)))
        if unknown:
            parts.append(
                _("unknown columns: {columns} (free-form attributes are named attr:NAME)").format(
                    columns=", ".join(unknown)
                )
            )
        return ImportResult(len(rows), 0, (RowProblem(1, "; ".join(parts)),), dry_run)
    run = _ImportRun(services, len(rows), progress, cancelled)
    try:
        with services.runner.operation() as op:
            for start in range(0, len(rows), CHUNK):
                run.chunk(op, rows[start : start + CHUNK], start)
            if run.problems or dry_run:
                raise _Rollback
    except _Rollback:
        return ImportResult(len(rows), 0 if run.problems else run.imported, tuple(run.problems), dry_run)
    return ImportResult(len(rows), run.imported, (), dry_run)


#: rows tried under one savepoint; a savepoint per row cost about a fifth of an import
CHUNK = 500


class _ImportRun:
    """The rows of one import, tried chunk by chunk inside the import's operation."""

    def __init__(
        self, services: Services, total: int, progress: Progress | None, cancelled: Callable[[], bool] | None
    ) -> None:
        self._services = services
        self._total = total
        self._progress = progress
        self._cancelled = cancelled
        self._reported = -1
        self.imported = 0
        self.problems: list[RowProblem] = []

    def chunk(self, op: Operation, rows: list[tuple[int, dict[str, str]]], start: int) -> None:
        try:
            with op.session.begin_nested():
                for offset, (line, row) in enumerate(rows):
                    self._register(op, line, row)
                    self._tick(start + offset)
        except DomainError:
            for offset, (line, row) in enumerate(rows):  # again, row by row: every problem, only good rows kept
                try:
                    with op.session.begin_nested():
                        self._register(op, line, row)
                except DomainError as error:
                    self.problems.append(RowProblem(line, str(error)))
                else:
                    self.imported += 1
                self._tick(start + offset)
        else:
            self.imported += len(rows)

    def _register(self, op: Operation, line: int, row: dict[str, str]) -> None:
        if self._cancelled is not None and self._cancelled():
            self.problems.append(RowProblem(line, _("Import cancelled; nothing was imported.")))
            raise _Rollback
        self._services.samples._register_in(op, _draft(row))

    def _tick(self, index: int) -> None:
        """Report progress every 200 rows and at the last one (a retried chunk does not report twice)."""
        if self._progress is not None and index > self._reported and (index % 200 == 0 or index == self._total - 1):
            self._reported = index
            self._progress(index + 1, self._total)


_EXPORT_SQL = text(
    "SELECT s.id, s.barcode, s.sample_type, s.volume_nl, s.concentration, s.concentration_unit, s.project, s.owner,"
    " s.collected_at, s.expires_at, s.freeze_thaw_count, p.barcode AS parent, b.label AS box, s.pos_row, s.pos_col,"
    " s.status, s.attributes FROM sample s LEFT JOIN sample p ON p.id = s.parent_id"
    " LEFT JOIN location b ON b.id = s.box_id WHERE s.id > :after ORDER BY s.id LIMIT 5000"
)


def iter_export_rows(services: Services) -> Iterator[dict[str, Any]]:
    """Every sample as a row of ``COLUMNS`` plus ``attr:`` columns, in registration order."""
    import json

    after = 0
    while True:
        with services.db.reading() as session:
            batch = session.execute(_EXPORT_SQL, {"after": after}).all()
        if not batch:
            return
        for r in batch:
            row: dict[str, Any] = {
                "barcode": r.barcode,
                "type": r.sample_type,
                "volume_ul": "" if r.volume_nl is None else _plain_number(r.volume_nl / 1000),
                "concentration": "" if r.concentration is None else r.concentration,
                "concentration_unit": r.concentration_unit or "",
                "project": r.project or "",
                "owner": r.owner or "",
                "collected_at": r.collected_at or "",
                "expires_at": r.expires_at or "",
                "freeze_thaw_count": r.freeze_thaw_count,
                "parent": r.parent or "",
                "box": r.box or "",
                "position": position_label(r.pos_row, r.pos_col) if r.pos_row is not None else "",
                "status": r.status,
            }
            for key, value in (json.loads(r.attributes) if r.attributes else {}).items():
                row[ATTRIBUTE_PREFIX + key] = value
            yield row
        after = batch[-1].id


def _plain_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def export_samples(services: Services, out: Path | str, fmt: str = "csv") -> int:
    """Write every sample to ``out``; returns the number of rows."""
    target = Path(out)
    rows = list(iter_export_rows(services)) if fmt == "xlsx" else None
    if fmt == "csv":
        count = 0
        attr_keys = _attribute_keys(services)
        with target.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=[*COLUMNS, *attr_keys], extrasaction="ignore")
            writer.writeheader()
            for row in iter_export_rows(services):
                writer.writerow(row)
                count += 1
        return count
    if fmt == "xlsx":
        from openpyxl import Workbook

        assert rows is not None
        attr_keys = _attribute_keys(services)
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Samples"))
        sheet.append([*COLUMNS, *attr_keys])
        for row in rows:
            sheet.append([row.get(c, "") for c in (*COLUMNS, *attr_keys)])
        book.save(target)
        return len(rows)
    raise InvalidInput(_("Unknown export format {fmt!r}; use csv or xlsx.").format(fmt=fmt))


def _attribute_keys(services: Services) -> list[str]:
    with services.db.reading() as session:
        keys = session.execute(
            text("SELECT DISTINCT j.key FROM sample s, json_each(s.attributes) j ORDER BY j.key")
        ).scalars()
        return [ATTRIBUTE_PREFIX + k for k in keys]
