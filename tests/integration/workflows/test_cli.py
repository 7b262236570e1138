"""The command line, as a subprocess: validate, import, export, list, user add, and the three examples run to completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.services.lab import build_small_lab

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "resources" / "workflows"


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "cli.db"
    svc = open_services(db, actor=Actor("tech", "ws"))
    build_small_lab(svc)
    svc.close()
    env = {**os.environ, "TRACSEQ_DB": str(db), "TRACSEQ_USER": "tech", "TRACSEQ_LANG": "en"}

    def run(*args: str, stdin: str = "", ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tracseq_desktop.cli.main", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_validate_reports_each_problem_and_exits_1(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = cli("workflow", "validate", str(EXAMPLES / "aliquoting.json"), "--json")
    assert json.loads(good.stdout)["valid"] is True
    bad = tmp_path / "bad.json"
    data = json.loads((EXAMPLES / "aliquoting.json").read_text(encoding="utf-8"))
    data["edges"] = [e for e in data["edges"] if e["from"] != "split"]
    data["edges"].append({"from": "qc", "port": "fail", "to": "measure"})
    bad.write_text(json.dumps(data), encoding="utf-8")
    done = cli("workflow", "validate", str(bad), "--json", ok=False)
    assert done.returncode == 1
    problems = json.loads(done.stdout)["problems"]
    assert {(p["step"], p["code"]) for p in problems} >= {("split", "unconnected_port"), ("measure", "cycle")}
    text = cli("workflow", "validate", str(bad), ok=False)
    assert text.returncode == 1 and "split" in text.stderr and "problems" in text.stderr


def test_examples_run_to_completion_from_the_command_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for path in sorted(EXAMPLES.glob("*.json")):
        cli("workflow", "import", str(path))
    listed = json.loads(cli("workflow", "list", "--json").stdout)
    assert [(w["name"], w["published_version"]) for w in listed] == [
        ("aliquoting", 1),
        ("box-retrieval", 1),
        ("sample-receipt", 1),
    ]
    cli("user", "add", "alice", "--full-name", "Alice Able", stdin="s3cret-pass\n")
    inputs = {
        "sample-receipt": ("TS-003", {"inspect": {"decision": "pass"}, "store": {"box": "BOX-B"}}),
        "aliquoting": (
            "TS-001",
            {"thaw": {"skip_reason": "thawed on arrival"}, "measure": {"value": 55.5}, "split": {"box": "BOX-B"}},
        ),
        "box-retrieval": ("TS-002", {"pack": {"box": "BOX-B"}}),
    }
    for name, (sample, values) in inputs.items():
        file = tmp_path / f"{name}-inputs.json"
        file.write_text(json.dumps({**values, "per_sample": {sample: {s: {"code": sample} for s in ("scan", "pick")}}}))
        started = json.loads(cli("workflow", "run", name, "--samples", sample, "--inputs", str(file), "--json").stdout)
        assert started["status"] == "active"
        assert started["stopped_at"]["kind"] == "sign_off", started
        assert started["stopped_at"]["needs"] == ["user", "password"]
        wrong = cli("workflow", "sign", str(started["run"]), "--user", "alice", stdin="nope\n", ok=False)
        assert wrong.returncode == 1 and "nothing was signed" in wrong.stderr
        signed = json.loads(
            cli("workflow", "sign", str(started["run"]), "--user", "alice", "--json", stdin="s3cret-pass\n").stdout
        )
        assert signed["status"] == "completed"
        assert signed["lanes"] == [{"sample": sample, "step": "done", "outcome": "completed"}]
    shown = json.loads(cli("workflow", "show", "2", "--json").stdout)
    assert any(r["kind"] == "aliquot" and len(r["data"]["aliquots"]) == 4 for r in shown["results"])
    exported = tmp_path / "out.json"
    cli("workflow", "export", "aliquoting", "--out", str(exported))
    assert json.loads(exported.read_text()) == json.loads((EXAMPLES / "aliquoting.json").read_text())
    cli("workflow", "import", str(exported))  # the same graph again: no new version
    assert json.loads(cli("workflow", "list", "--json").stdout)[0]["latest_version"] == 1
    assert json.loads(cli("audit", "verify", "--json").stdout)["ok"] is True


def test_run_stops_at_a_step_needing_a_person(cli) -> None:  # type: ignore[no-untyped-def]
    cli("workflow", "import", str(EXAMPLES / "sample-receipt.json"))
    done = cli("workflow", "run", "sample-receipt", "--samples", "TS-003")
    assert "Stopped at step" in done.stdout and "code" in done.stdout
