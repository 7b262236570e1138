"""The `tracseq` command line as a user runs it: a real process, exit codes, JSON, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracseq_desktop.services.facade import Services


def tracseq(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACSEQ_LANG": "en", "TRACSEQ_USER": "cli-user"}
    return subprocess.run(
        [sys.executable, "-m", "tracseq_desktop.cli.main", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=60,
        check=False,
    )


@pytest.fixture
def lab(services: Services, db_path: Path) -> Path:
    services.close()
    return db_path


def test_find_prints_json(lab: Path) -> None:
    result = tracseq(lab, "find", " ts-001 ", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["barcode"] == "TS-001"
    assert data["box"] == "BOX-A" and data["position"] == "A1"
    assert data["volume_ul"] == 1500
    assert data["path"] == ["SITE-1", "ROOM-1", "FRZ-80", "RACK-1", "BOX-A"]


def test_domain_error_is_one_line_and_exit_1(lab: Path) -> None:
    result = tracseq(lab, "move", "TS-001", "--to", "BOX-A:A2")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "A2 in BOX-A is taken by TS-002" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2(lab: Path) -> None:
    assert tracseq(lab, "move", "TS-001").returncode == 2
    assert tracseq(lab, "no-such-command").returncode == 2
    bad_target = tracseq(lab, "move", "TS-001", "--to", ":A1")
    assert bad_target.returncode == 2
    assert "BOX:POSITION" in bad_target.stderr


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = tracseq(tmp_path / "none.db", "find", "X")
    assert result.returncode == 1
    assert "tracseq init" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_workflow_of_a_bench_day(lab: Path) -> None:
    assert (
        tracseq(
            lab, "store", "NEW-1", "--box", "BOX-A", "--type", "plasma", "--volume", "2ml", "--project", "P9"
        ).returncode
        == 0
    )
    stored = json.loads(tracseq(lab, "find", "NEW-1", "--json").stdout)
    assert stored["position"] == "A3"  # the next free position
    assert tracseq(lab, "move", "NEW-1", "--to", "BOX-B:H12", "--reason", "sorting").returncode == 0
    assert tracseq(lab, "checkout", "NEW-1", "--reason", "PCR").returncode == 0
    assert tracseq(lab, "checkin", "NEW-1").returncode == 0
    aliquots = json.loads(
        tracseq(lab, "aliquot", "NEW-1", "--count", "2", "--volume", "0.5ml", "--box", "BOX-B", "--json").stdout
    )
    assert [a["barcode"] for a in aliquots] == ["NEW-1-01", "NEW-1-02"]
    assert tracseq(lab, "consume", "NEW-1-01", "--volume", "100ul").returncode == 0
    assert tracseq(lab, "discard", "NEW-1-02", "--reason", "tube cracked").returncode == 0
    assert tracseq(lab, "move-box", "BOX-B", "--to", "RACK-L").returncode == 0
    assert tracseq(lab, "unstore", "TS-002", "--reason", "wrong box").returncode == 0
    assert json.loads(tracseq(lab, "find", "TS-002", "--json").stdout)["box"] is None
    history = json.loads(tracseq(lab, "history", "NEW-1", "--json").stdout)
    assert [e["action"] for e in history["entries"]] == ["register", "move", "check_out", "check_in", "aliquot"]
    assert history["children"] == ["NEW-1-01", "NEW-1-02"]
    assert all(e["actor"] == "cli-user" for e in history["entries"])
    box = json.loads(tracseq(lab, "box", "BOX-B", "--json").stdout)
    assert box["grid"]["H12"] == "NEW-1"
    assert box["path"][-2] == "RACK-L"
    verify = json.loads(tracseq(lab, "audit", "verify", "--json").stdout)
    assert verify["ok"] is True


def test_search_finds_by_type_project_and_place(lab: Path) -> None:
    by_type = json.loads(tracseq(lab, "search", "plasma", "--json").stdout)
    assert [s["barcode"] for s in by_type] == ["TS-001"]
    by_place = json.loads(tracseq(lab, "search", "frz-80", "--json").stdout)
    assert [s["barcode"] for s in by_place] == ["TS-001", "TS-002"]
    by_two_words = json.loads(tracseq(lab, "search", "P2 ann", "--json").stdout)
    assert [s["barcode"] for s in by_two_words] == ["TS-003"]
    by_prefix = json.loads(tracseq(lab, "search", "TS-00", "--limit", "2", "--json").stdout)
    assert len(by_prefix) == 2


def test_location_commands(lab: Path) -> None:
    assert tracseq(lab, "location", "add", "box", "BOX-N", "--parent", "RACK-1", "--geometry", "8x12").returncode == 0
    assert tracseq(lab, "location", "rename", "BOX-N", "--name", "New box").returncode == 0
    retire = tracseq(lab, "location", "retire", "BOX-N", "--reason", "never used", "--json")
    assert json.loads(retire.stdout)["retired"] is True
    listed = json.loads(tracseq(lab, "location", "list", "--kind", "box", "--json").stdout)
    assert "BOX-N" not in [x["label"] for x in listed]
    box_a = next(x for x in listed if x["label"] == "BOX-A")
    assert (box_a["occupied"], box_a["places"]) == (2, 81)


def test_audit_verify_fails_on_tampering(lab: Path) -> None:
    import sqlite3

    with sqlite3.connect(lab) as conn:
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("UPDATE audit_entry SET actor = 'mallory' WHERE id = 2")
    result = tracseq(lab, "audit", "verify")
    assert result.returncode == 1
    assert "Entry 2 was changed" in result.stderr


def test_inventory_commands_load_no_qt_or_opencv(lab: Path) -> None:
    code = (
        "import sys\n"
        "from tracseq_desktop.cli.main import main\n"
        f"rc = main(['--db', {str(lab)!r}, 'find', 'TS-001', '--json'])\n"
        "heavy = sorted(m for m in ('PySide6', 'cv2', 'pyqtgraph', 'serial', 'pymodbus', 'numpy') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


def test_init_and_demo(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert tracseq(db, "init").returncode == 0
    demo = tracseq(db, "demo", "--samples", "500", "--seed", "3", "--json")
    assert demo.returncode == 0, demo.stderr
    report = json.loads(demo.stdout)
    assert report["samples"] == 500
    again = tracseq(db, "demo", "--samples", "10")
    assert again.returncode == 1 and "empty database" in again.stderr
    verify = json.loads(tracseq(db, "audit", "verify", "--json").stdout)
    assert verify["ok"] and verify["checked"] == report["audit_entries"]
