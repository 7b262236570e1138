"""CSV import validates every row first and writes all or nothing; export round-trips."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.core.test_cli import tracseq
from tracseq_desktop.services.facade import Services
from tracseq_desktop.services.transfer import export_samples, import_csv

GOOD = """barcode,type,volume_ul,project,owner,box,position,attr:visit
IMP-1,plasma,500,P7,dana,BOX-A,B1,baseline
IMP-2,serum,250,P7,dana,BOX-A,,week 4
IMP-3,DNA,100,P7,dana,,,
"""

BAD = """barcode,type,volume_ul,box,position
IMP-1,plasma,500,BOX-A,B1
IMP-2,plasma,five hundred,BOX-A,B2
IMP-3,plasma,500,BOX-A,B1
IMP-4,unobtainium,500,,
IMP-1,plasma,500,,
IMP-6,plasma,500,BOX-A,Z9
"""


def test_good_file_imports_every_row(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    result = import_csv(services, path)
    assert result.ok and result.imported == 3
    assert services.queries.get("IMP-1").where == "BOX-A:B1"
    assert services.queries.get("IMP-2").where == "BOX-A:A3"
    assert services.queries.get("IMP-1").attributes == {"visit": "baseline"}


def test_dry_run_writes_nothing(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    before = services.queries.statistics()
    result = import_csv(services, path, dry_run=True)
    assert result.ok and result.imported == 3
    assert services.queries.statistics() == before


def test_every_bad_row_is_reported_and_nothing_imported(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    before = services.queries.statistics()
    result = import_csv(services, path)
    lines = {p.line: p.message for p in result.problems}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "not a volume" in lines[3]
    assert "taken by IMP-1" in lines[4]
    assert "Unknown sample type" in lines[5]
    assert "already exists" in lines[6]
    assert "does not exist" in lines[7]
    assert services.queries.statistics() == before
    assert services.queries.find("IMP-1") is None


def test_unknown_columns_are_refused(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("barcode,kind\nX,plasma\n")
    result = import_csv(services, path)
    assert not result.ok
    assert "missing columns: type" in result.problems[0].message
    assert "unknown columns: kind" in result.problems[0].message


def test_cli_import_reports_lines_and_exit_code(services: Services, db_path: Path, tmp_path: Path) -> None:
    services.close()
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    result = tracseq(db_path, "import", str(path))
    assert result.returncode == 1
    assert f"{path}:3:" in result.stderr
    assert "nothing was imported" in result.stderr.splitlines()[-1]
    ok = tmp_path / "good.csv"
    ok.write_text(GOOD)
    dry = json.loads(tracseq(db_path, "import", str(ok), "--dry-run", "--json").stdout)
    assert dry == {"file": str(ok), "rows": 3, "imported": 3, "dry_run": True, "problems": []}


def test_export_then_import_into_a_fresh_lab(services: Services, tmp_path: Path, empty_services: Services) -> None:
    path = tmp_path / "out.csv"
    services.samples.edit("TS-001", {"attributes": {"visit": "v1"}})
    count = export_samples(services, path)
    assert count == 4
    text = path.read_text()
    assert text.splitlines()[0].endswith("attr:visit")
    # the second database gets the same locations, then the file
    from tracseq_desktop.services.lab import build_small_lab

    other_dir = tmp_path / "other"
    other_dir.mkdir()
    from tracseq_desktop.services.facade import open_services

    other = open_services(other_dir / "db.sqlite")
    try:
        other.locations.create("site", "SITE-1")
        for kind, label, parent, extra in (
            ("room", "ROOM-1", "SITE-1", {}),
            ("unit", "FRZ-80", "ROOM-1", {"unit_type": "freezer-80"}),
            ("unit", "FRIDGE-4", "ROOM-1", {"unit_type": "fridge"}),
            ("rack", "RACK-1", "FRZ-80", {}),
            ("shelf", "SHELF-1", "FRIDGE-4", {}),
            ("box", "BOX-A", "RACK-1", {"geometry": "9x9"}),
            ("box", "BOX-F", "SHELF-1", {"geometry": "8x12"}),
        ):
            other.locations.create(kind, label, parent=parent, **extra)
        result = import_csv(other, path)
        assert result.ok, result.problems
        for code in ("TS-001", "TS-002", "TS-003", "TS-004"):
            a, b = services.queries.get(code), other.queries.get(code)
            assert (a.where, a.volume_nl, a.project, a.attributes) == (b.where, b.volume_nl, b.project, b.attributes)
    finally:
        other.close()
    assert build_small_lab is not None


def test_xlsx_export(services: Services, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    assert export_samples(services, path, "xlsx") == 4
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("barcode", "type")
    assert {r[0] for r in rows[1:]} == {"TS-001", "TS-002", "TS-003", "TS-004"}
