"""Runs: branches, retries, timers, a restart in the middle, signatures, versions, and one transaction per step."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from tracseq_desktop.domain.errors import BoxFull, InvalidState, PositionOccupied
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.workflows.service import RunInputs, WorkflowService
from tracseq_desktop.workflows.steps import ScanMismatch, SignatureRefused, StillWaiting
from tracseq_desktop.workflows.views import RunStatus

from .conftest import PASSWORD, Clock


def audit(svc: Services, run_id: int) -> list[tuple[str, dict[str, object] | None, str | None]]:
    return [(e.action, e.after, e.reason) for e in svc.queries._history("workflow_run", str(run_id))]


def test_receipt_pass_and_fail_branches(lab: Services, flows: WorkflowService) -> None:
    run = flows.start("sample-receipt", ["TS-003", "TS-002"])
    assert run.prompt is not None and run.prompt.step_id == "scan" and run.prompt.barcodes == ("TS-003",)
    run = flows.submit(run.id, {"code": "ts-003"})
    run = flows.submit(run.id, {"code": "TS-002"})
    assert run.prompt is not None and run.prompt.step_id == "inspect"
    run = flows.submit(run.id, {"decision": "pass"})
    run = flows.submit(run.id, {"decision": "fail", "note": "cracked tube"})
    lanes = {lane.barcode: (lane.step_id, lane.outcome) for lane in run.lanes}
    assert lanes["TS-002"] == ("rejected", "failed")
    assert run.prompt is not None and run.prompt.step_id == "store" and run.prompt.barcodes == ("TS-003",)
    run = flows.submit(run.id, {"box": "BOX-B"})
    assert lab.queries.get("TS-003").where == "BOX-B:A1"
    assert run.prompt is not None and run.prompt.step_id == "receipt" and run.prompt.barcodes == ("TS-003",)
    run = flows.sign(run.id, "alice", PASSWORD)
    assert run.status is RunStatus.COMPLETED
    assert {lane.barcode: lane.outcome for lane in run.lanes} == {"TS-003": "completed", "TS-002": "failed"}
    assert lab.queries.verify_audit().ok


def test_retry_loop_runs_up_to_its_limit_then_fails_the_sample(
    lab: Services, flows: WorkflowService, clock: Clock
) -> None:
    run = flows.start("aliquoting", ["TS-001"])
    run = flows.submit(run.id, {"code": "TS-001"})
    assert lab.queries.get("TS-001").status.value == "checked_out"
    assert run.prompt is not None and run.prompt.step_id == "thaw"
    with pytest.raises(StillWaiting):
        flows.submit(run.id, {})
    clock.advance(31)
    run = flows.advance(run.id)  # the timer has run out: the wait ends by itself
    for value in ("1", "2", "3"):  # first reading and two retries, all below the passing 10
        assert run.prompt is not None and run.prompt.step_id == "measure"
        run = flows.submit(run.id, {"value": value})
    assert run.status is RunStatus.COMPLETED
    assert run.lanes[0].outcome == "failed"
    outcomes = [(r.step_id, r.outcome) for r in run.results if r.step_id in ("qc", "measure")]
    assert outcomes[-2:] == [("qc", "fail"), ("qc", "exhausted")]
    assert [r.outcome for r in run.results if r.step_id == "qc"].count("fail") == 3


def test_run_survives_a_restart_in_the_middle(lab: Services, clock: Clock) -> None:
    path = lab.db.path
    flows = WorkflowService(lab)
    run = flows.start("aliquoting", ["TS-001", "TS-002"])
    run = flows.submit(run.id, {"code": "TS-001"})
    run = flows.submit(run.id, {"code": "TS-002"})
    run_id = run.id
    lab.close()  # the app stops here, mid-run
    again = open_services(path, actor=Actor("tech2", "bench-2"), clock=clock)
    try:
        flows = WorkflowService(again)
        run = flows.run(run_id)
        assert [lane.step_id for lane in run.lanes] == ["thaw", "thaw"]
        clock.advance(30)
        run = flows.advance(run_id, RunInputs(common={"measure": {"value": 42}, "split": {"box": "BOX-B"}}))
        assert run.prompt is not None and run.prompt.step_id == "review"
        assert run.prompt.barcodes == ("TS-001", "TS-002")
        run = flows.sign(run_id, "alice", PASSWORD)
        assert run.status is RunStatus.COMPLETED
        assert {r.actor for r in run.results} == {"tech", "tech2"}
        assert len(again.queries.lineage("TS-002")[1]) == 4
        assert again.queries.get("TS-002").status.value == "available"
    finally:
        again.close()


def test_wrong_password_is_refused_and_audited(lab: Services, flows: WorkflowService) -> None:
    run = flows.start("box-retrieval", ["TS-001"])
    run = flows.advance(run.id, RunInputs(common={"pick": {"code": "TS-001"}, "pack": {"box": "BOX-B"}}))
    assert run.prompt is not None and run.prompt.step_id == "approve"
    with pytest.raises(SignatureRefused):
        flows.sign(run.id, "alice", "not the password")
    with pytest.raises(SignatureRefused):
        flows.sign(run.id, "mallory", PASSWORD)
    run = flows.run(run.id)
    assert run.prompt is not None and run.prompt.step_id == "approve"
    refused = [(after, reason) for action, after, reason in audit(lab, run.id) if action == "workflow_step_refused"]
    assert len(refused) == 2
    assert (
        refused[0][0] is not None and refused[0][0]["user"] == "alice" and refused[0][0]["code"] == "signature_refused"
    )
    assert all(PASSWORD not in str(a) and "not the password" not in str(a) for a, _r in refused)
    run = flows.sign(run.id, "Alice", PASSWORD)
    assert run.status is RunStatus.COMPLETED
    signs = [after for action, after, _reason in audit(lab, run.id) if action == "sign"]
    assert signs and signs[0] is not None
    assert (signs[0]["full_name"], signs[0]["meaning"]) == ("Alice Able", "approved")
    assert lab.queries.verify_audit().ok


def test_refused_step_changes_nothing(lab: Services, flows: WorkflowService) -> None:
    run = flows.start("sample-receipt", ["TS-003"])
    with pytest.raises(ScanMismatch):
        flows.submit(run.id, {"code": "TS-001"})
    run = flows.submit(run.id, {"code": "TS-003"})
    run = flows.submit(run.id, {"decision": "pass"})
    before = len(flows.run(run.id).results)
    with pytest.raises((PositionOccupied, BoxFull)):
        flows.submit(run.id, {"box": "BOX-A", "position": "A1"})  # TS-001 is there
    assert lab.queries.get("TS-003").where == ""
    assert len(flows.run(run.id).results) == before
    actions = [a for a, _after, _r in audit(lab, run.id)]
    assert actions.count("workflow_step_refused") == 2


def test_published_versions_are_immutable_and_runs_keep_theirs(lab: Services, flows: WorkflowService) -> None:
    workflow, info = flows.load("box-retrieval")
    run = flows.start("box-retrieval", ["TS-001"])
    changed = workflow.with_step(replace(workflow.step("pack"), title="Pack it"))
    draft = flows.save(changed)
    assert (draft.version, draft.published) == (2, False)
    assert flows.save(changed).version == 2  # an unchanged draft is not a new version
    with pytest.raises(InvalidState):
        flows.start("box-retrieval", ["TS-002"], version=2)
    published = flows.publish("box-retrieval")
    assert (published.version, published.published) == (2, True)
    assert flows.run(run.id).version == 1
    newer = flows.start("box-retrieval", ["TS-002"])
    assert newer.version == 2
    with sqlite3.connect(lab.db.path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE workflow_version SET definition = '{}' WHERE id = ?", (info.version_id,))
