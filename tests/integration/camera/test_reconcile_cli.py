"""``tracseq reconcile`` as a person runs it: a subprocess on a photo and a database file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2

from tests.integration.camera.scenario import build
from tracseq_desktop.services.boxscans import BoxScanService
from tracseq_desktop.services.facade import Services

TRACSEQ = [sys.executable, "-m", "tracseq_desktop.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRACSEQ, *args], capture_output=True, text=True, timeout=90, check=False)


def test_reconcile_prints_json_then_accepts(services: Services, db_path: Path, tmp_path: Path) -> None:
    s = build(services, tmp_path)
    before = services.queries.get(s.from_other[0]).where
    shown = run("reconcile", str(s.image_path), "--box", s.box, "--db", str(db_path), "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    wells = {w["position"]: w for w in data["wells"]}
    assert len(wells) == 96 and data["box"] == s.box
    assert wells[s.from_other[1]] == {
        "position": s.from_other[1],
        "outcome": "moved",
        "barcode": s.from_other[0],
        "recorded": None,
        "recorded_at": {"box": s.other, "position": "C1"},
        "qa": [{"kind": "unexpected", "message": "a tube, but nothing is recorded here"}],
    }
    assert wells[s.unknown[1]]["outcome"] == "unknown" and wells[s.missing[1]]["outcome"] == "missing"
    assert {m["barcode"] for m in data["moves"]} >= {s.swap[0][0], s.swap[1][0], s.from_other[0]}
    assert data["summary"]["match"] == len(s.matches)
    assert services.queries.get(s.from_other[0]).where == before  # showing changes nothing

    accepted = run("reconcile", str(s.image_path), "--box", s.box, "--db", str(db_path), "--json", "--accept")
    assert accepted.returncode == 0, accepted.stderr
    result = json.loads(accepted.stdout)
    scan = BoxScanService(services).get(result["scan_id"])
    assert scan.operation_id == result["operation_id"] is not None
    assert services.queries.get(s.from_other[0]).where == f"{s.box}:{s.from_other[1]}"
    entry = services.queries.history(s.from_other[0])[-1]
    assert entry.operation_id == result["operation_id"] and f"box scan {result['scan_id']}" in (entry.reason or "")
    assert BoxScanService(services).image(scan.id) == s.image_path.read_bytes()
    assert result["skipped"] == [
        {"barcode": s.blocked[0], "position": s.blocked[1], "why": f"{s.blocked[1]} is still recorded for TS-GONE-1"}
    ]


def test_reconcile_text_output_turned_picture_and_errors(services: Services, db_path: Path, tmp_path: Path) -> None:
    s = build(services, tmp_path)
    turned = tmp_path / "turned.jpg"
    cv2.imwrite(str(turned), cv2.rotate(cv2.imread(str(s.image_path)), cv2.ROTATE_90_COUNTERCLOCKWISE))
    text = run("reconcile", str(turned), "--box", s.box, "--db", str(db_path), "--rotate", "90")
    assert text.returncode == 0, text.stderr
    assert f"Box {s.box}:" in text.stdout
    assert f"{s.from_other[1]}\trecorded elsewhere\t{s.from_other[0]} (recorded at {s.other}:C1)" in text.stdout
    unturned = run("reconcile", str(turned), "--box", s.box, "--db", str(db_path))
    assert unturned.returncode == 1 and "not 8 x 12" in unturned.stderr
    unknown_box = run("reconcile", str(s.image_path), "--box", "NO-SUCH-BOX", "--db", str(db_path))
    assert unknown_box.returncode == 1 and len(unknown_box.stderr.strip().splitlines()) == 1
    bad_rows = run("reconcile", str(s.image_path), "--box", s.box, "--db", str(db_path), "--rows", "99")
    assert bad_rows.returncode == 2
