"""Stored workflows and their runs: the one entry point the UI and the command line use.

Versions: saving changes the newest version while it is a draft; once published a
version is immutable (the database refuses to change it) and the next save starts
version n+1. A run is bound to the published version it started with.

Runs: each sample of a run is a lane with its place in the graph. The current task
is the open lane whose step comes earliest in the graph, so samples move through
the steps together. Every step is one transaction: the inventory change (the
sample services join it), the step result, the run's new state and the audit
entries are committed together, so a run survives a crash or restart after any
step. A refused step (wrong tube, wrong password, full box) is audited on its own.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracseq_desktop.domain.errors import DomainError, InvalidInput, InvalidState, NotFound
from tracseq_desktop.i18n import _
from tracseq_desktop.services.facade import Services
from tracseq_desktop.services.operation import Operation, OperationRunner
from tracseq_desktop.services.records import get_sample
from tracseq_desktop.services.samples import SampleService
from tracseq_desktop.store.models import (
    WorkflowRecord,
    WorkflowRunRecord,
    WorkflowStepResultRecord,
    WorkflowVersionRecord,
)
from tracseq_desktop.store.types import canonical_json
from tracseq_desktop.workflows.accounts import UserAccounts
from tracseq_desktop.workflows.model import Step, StepKind, Workflow
from tracseq_desktop.workflows.serial import from_dict, from_json, to_dict
from tracseq_desktop.workflows.steps import (
    EXECUTORS,
    MissingInput,
    StepContext,
    StillWaiting,
    prompt_for,
    timer_end,
)
from tracseq_desktop.workflows.validation import check
from tracseq_desktop.workflows.views import (
    Lane,
    Prompt,
    RunStatus,
    RunView,
    StepResult,
    VersionInfo,
    WorkflowSummary,
)

#: Errors that only say "not yet" (no input, timer running): not a refused step, so not audited.
_NOT_YET = (MissingInput, StillWaiting)


def examples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "resources" / "workflows"


def checksum(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


class _JoinedRunner(OperationRunner):
    """Hands the sample services the step's open operation, so their writes join its transaction."""

    def __init__(self, base: OperationRunner, op: Operation) -> None:
        super().__init__(base.db, base.actor, base.clock)
        self._op = op

    @contextmanager
    def operation(self) -> Iterator[Operation]:
        yield self._op


@dataclass
class RunInputs:
    """Values for steps run without a person (command line): for every sample, or per sample."""

    common: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_sample: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def for_step(self, step_id: str, barcode: str) -> dict[str, Any]:
        return {**self.common.get(step_id, {}), **self.per_sample.get(barcode.upper(), {}).get(step_id, {})}

    @classmethod
    def from_data(cls, data: Any) -> RunInputs:
        """``{"step-id": {...}, "per_sample": {"TS-001": {"step-id": {...}}}}``."""
        if not isinstance(data, dict):
            raise InvalidInput(_("The inputs file holds one JSON object of step ids."))
        per_sample = data.get("per_sample", {})
        common = {k: v for k, v in data.items() if k != "per_sample"}
        if not all(isinstance(v, dict) for v in common.values()) or not isinstance(per_sample, dict):
            raise InvalidInput(_("Each step's inputs must be an object of named values."))
        return cls(common, {str(k).upper(): v for k, v in per_sample.items()})

    @classmethod
    def from_json(cls, text: str) -> RunInputs:
        try:
            return cls.from_data(json.loads(text))
        except json.JSONDecodeError as error:
            raise InvalidInput(_("The inputs file is not valid JSON: {error}.").format(error=error.msg)) from None


def _ranks(workflow: Workflow) -> dict[str, int]:
    """Topological order of the steps over ordinary edges (retry edges lead back)."""
    indegree = {s.id: 0 for s in workflow.steps}
    for edge in workflow.edges:
        if not edge.is_retry and edge.target in indegree:
            indegree[edge.target] += 1
    order: dict[str, int] = {}
    ready = [s.id for s in workflow.steps if indegree[s.id] == 0]
    while ready:
        node = ready.pop(0)
        order[node] = len(order)
        for edge in workflow.edges:
            if edge.source == node and not edge.is_retry and edge.target in indegree:
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    ready.append(edge.target)
    for step in workflow.steps:
        order.setdefault(step.id, len(order))
    return order


@dataclass(frozen=True)
class _Task:
    step: Step
    lanes: tuple[int, ...]
    barcodes: tuple[str, ...]


class WorkflowService:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._runner = services.runner
        self._db = services.db
        self.accounts = UserAccounts(services.runner)
        self._graphs: dict[int, Workflow] = {}
        self._ranks: dict[int, dict[str, int]] = {}

    # == definitions =========================================================================
    def save(self, workflow: Workflow, *, publish: bool = False) -> VersionInfo:
        """Save as the newest draft (or publish it); an unchanged graph makes no new version."""
        if publish:
            check(workflow)
        data = to_dict(workflow)
        digest = checksum(data)
        with self._runner.operation() as op:
            session = op.session
            record = session.scalar(select(WorkflowRecord).where(WorkflowRecord.name == workflow.name))
            if record is None:
                record = WorkflowRecord(name=workflow.name, title=workflow.title, created_at=op.now, updated_at=op.now)
                session.add(record)
                session.flush()
            latest = self._latest(session, record.id)
            if latest is not None and latest.checksum == digest and (latest.published_at is not None or not publish):
                return self._info(record, latest)
            if latest is not None and latest.published_at is None:
                version = latest
                version.definition, version.checksum = data, digest
            else:
                version = WorkflowVersionRecord(
                    workflow_id=record.id,
                    version=(latest.version + 1) if latest else 1,
                    definition=data,
                    checksum=digest,
                    created_at=op.now,
                    created_by=op.actor.user,
                )
                session.add(version)
            if publish:
                version.published_at = op.now
            record.title, record.updated_at = workflow.title, op.now
            session.flush()
            op.record(
                "publish_workflow" if publish else "save_workflow",
                "workflow",
                workflow.name,
                None,
                {"version": version.version, "checksum": digest, "published": publish},
            )
            return self._info(record, version)

    def publish(self, name: str) -> VersionInfo:
        workflow, _info = self.load(name)
        return self.save(workflow, publish=True)

    def import_json(self, text: str) -> VersionInfo:
        """Validate and publish a workflow file (a new version unless the same graph is already published)."""
        return self.save(from_json(text), publish=True)

    def install_examples(self) -> list[VersionInfo]:
        """Publish the example workflows that this database does not have yet."""
        known = {s.name for s in self.workflows()}
        installed = []
        for path in sorted(examples_dir().glob("*.json")):
            workflow = from_json(path.read_text(encoding="utf-8"))
            if workflow.name not in known:
                installed.append(self.save(workflow, publish=True))
        return installed

    def load(self, name: str, version: int | None = None) -> tuple[Workflow, VersionInfo]:
        """The given version, or the newest one (a draft if there is one)."""
        with self._db.reading() as session:
            record = session.scalar(select(WorkflowRecord).where(WorkflowRecord.name == name.strip()))
            if record is None:
                raise NotFound(_("There is no workflow named {name}.").format(name=name))
            query = select(WorkflowVersionRecord).where(WorkflowVersionRecord.workflow_id == record.id)
            if version is not None:
                row = session.scalar(query.where(WorkflowVersionRecord.version == version))
            else:
                row = self._latest(session, record.id)
            if row is None:
                raise NotFound(_("Workflow {name} has no version {version}.").format(name=name, version=version))
            return from_dict(row.definition), self._info(record, row)

    def workflows(self) -> list[WorkflowSummary]:
        with self._db.reading() as session:
            summaries = []
            for record in session.scalars(select(WorkflowRecord).order_by(WorkflowRecord.name)):
                rows = session.scalars(
                    select(WorkflowVersionRecord).where(WorkflowVersionRecord.workflow_id == record.id)
                ).all()
                published = [r.version for r in rows if r.published_at is not None]
                summaries.append(
                    WorkflowSummary(
                        name=record.name,
                        title=record.title,
                        latest_version=max((r.version for r in rows), default=0),
                        published_version=max(published) if published else None,
                        has_draft=any(r.published_at is None for r in rows),
                    )
                )
            return summaries

    @staticmethod
    def _latest(session: Session, workflow_id: int) -> WorkflowVersionRecord | None:
        return session.scalar(
            select(WorkflowVersionRecord)
            .where(WorkflowVersionRecord.workflow_id == workflow_id)
            .order_by(WorkflowVersionRecord.version.desc())
            .limit(1)
        )

    @staticmethod
    def _info(record: WorkflowRecord, version: WorkflowVersionRecord) -> VersionInfo:
        return VersionInfo(
            record.name, record.title, version.version, version.id, version.published_at is not None, version.checksum
        )

    def _graph(self, session: Session, version_id: int) -> Workflow:
        """Published versions never change, so their parsed graphs are kept."""
        if version_id not in self._graphs:
            row = session.get(WorkflowVersionRecord, version_id)
            if row is None:
                raise NotFound(_("Workflow version {id} is missing.").format(id=version_id))
            self._graphs[version_id] = from_dict(row.definition)
            self._ranks[version_id] = _ranks(self._graphs[version_id])
        return self._graphs[version_id]

    # == runs ================================================================================
    def start(self, name: str, barcodes: Sequence[str], *, version: int | None = None) -> RunView:
        """Start a run of the newest published version (or ``version``) on the samples, then run what needs nobody."""
        if not barcodes:
            raise InvalidInput(_("Give at least one sample."))
        with self._runner.operation() as op:
            session = op.session
            record = session.scalar(select(WorkflowRecord).where(WorkflowRecord.name == name.strip()))
            if record is None:
                raise NotFound(_("There is no workflow named {name}.").format(name=name))
            query = select(WorkflowVersionRecord).where(
                WorkflowVersionRecord.workflow_id == record.id, WorkflowVersionRecord.published_at.is_not(None)
            )
            if version is not None:
                query = query.where(WorkflowVersionRecord.version == version)
            row = session.scalar(query.order_by(WorkflowVersionRecord.version.desc()).limit(1))
            if row is None:
                raise InvalidState(
                    _("Workflow {name} has no published version to run; publish it first.").format(name=name)
                )
            workflow = self._graph(session, row.id)
            codes = [get_sample(session, b).barcode for b in barcodes]
            if len(set(codes)) != len(codes):
                raise InvalidInput(_("A sample appears twice in the run."))
            start = workflow.starts()[0]
            run = WorkflowRunRecord(
                version_id=row.id,
                status=RunStatus.ACTIVE.value,
                samples=codes,
                state={"lanes": [{"barcode": c, "step": start.id, "outcome": None, "retries": {}} for c in codes]},
                step_count=0,
                started_by=op.actor.user,
                workstation=op.actor.workstation,
                started_at=op.now,
                updated_at=op.now,
            )
            session.add(run)
            session.flush()
            op.record(
                "start_run",
                "workflow_run",
                str(run.id),
                None,
                {"workflow": name, "version": row.version, "samples": codes},
            )
            run_id = run.id
        return self.advance(run_id)

    def run(self, run_id: int, *, with_results: bool = True) -> RunView:
        with self._db.reading() as session:
            return self._view(session, self._load_run(session, run_id), with_results)

    def runs(self, *, active_only: bool = False) -> list[RunView]:
        with self._db.reading() as session:
            query = select(WorkflowRunRecord).order_by(WorkflowRunRecord.id.desc())
            if active_only:
                query = query.where(WorkflowRunRecord.status == RunStatus.ACTIVE.value)
            return [self._view(session, r, False) for r in session.scalars(query)]

    def submit(self, run_id: int, inputs: Mapping[str, Any] | None = None) -> RunView:
        """Do the current task with ``inputs``, then the steps after it that need nobody.

        A refusal leaves the run where it was and is audited.
        """
        self._submit_one(run_id, inputs)
        return self.advance(run_id)

    def _submit_one(self, run_id: int, inputs: Mapping[str, Any] | None) -> None:
        given = dict(inputs or {})
        attempt: dict[str, Any] = {}
        try:
            with self._runner.operation() as op:
                record = self._load_run(op.session, run_id)
                if record.status != RunStatus.ACTIVE.value:
                    raise InvalidState(_("Run {id} has ended.").format(id=run_id))
                workflow = self._graph(op.session, record.version_id)
                state = copy.deepcopy(record.state)
                task = self._task(record.version_id, workflow, state)
                if task is None:
                    raise InvalidState(_("Run {id} has nothing left to do.").format(id=run_id))
                attempt.update(step=task.step.id, kind=task.step.kind.value, samples=list(task.barcodes))
                lanes = state["lanes"]
                ctx = StepContext(
                    op=op,
                    samples=SampleService(_JoinedRunner(self._runner, op)),
                    run_id=run_id,
                    step=task.step,
                    barcodes=task.barcodes,
                    inputs=given,
                    lane=lanes[task.lanes[0]],
                )
                port, data = EXECUTORS[task.step.kind](ctx)
                for index in task.lanes:
                    lane = lanes[index]
                    self._result(op, record, task.step, lane["barcode"], port, data)
                    self._follow(op, record, workflow, lane, task.step, port)
                self._store_state(op, record, state)
        except _NOT_YET:
            raise
        except DomainError as error:
            if attempt:
                self._refused(run_id, attempt, error, given)
            raise

    def advance(self, run_id: int, inputs: RunInputs | None = None, *, limit: int = 10_000) -> RunView:
        """Run steps while they need nobody (or ``inputs`` has what they need); stop at a person's step."""
        view = self.run(run_id, with_results=False)
        for _round in range(limit):
            prompt = view.prompt
            if prompt is None:
                break
            given = inputs.for_step(prompt.step_id, prompt.barcodes[0]) if inputs else {}
            if not self.can_run_alone(prompt, given):
                break
            self._submit_one(run_id, given)
            view = self.run(run_id, with_results=False)
        return self.run(run_id)

    def can_run_alone(self, prompt: Prompt, given: Mapping[str, Any]) -> bool:
        """Whether the step can be done with ``given`` and no person (signatures always need one)."""
        if prompt.kind is StepKind.SIGN_OFF:
            return False
        waiting = prompt.kind is StepKind.WAIT and prompt.wait_until is not None
        if waiting and prompt.wait_until is not None and prompt.wait_until > self._runner.clock():
            return bool(given.get("skip_reason"))
        return all(not f.required or given.get(f.name) not in (None, "") for f in prompt.fields)

    def sign(self, run_id: int, user: str, password: str) -> RunView:
        return self.submit(run_id, {"user": user, "password": password})

    def cancel(self, run_id: int, *, reason: str) -> RunView:
        if not reason.strip():
            raise InvalidInput(_("Give a reason to cancel a run."))
        with self._runner.operation() as op:
            record = self._load_run(op.session, run_id)
            if record.status != RunStatus.ACTIVE.value:
                raise InvalidState(_("Run {id} has ended.").format(id=run_id))
            record.status, record.finished_at, record.updated_at = RunStatus.CANCELLED.value, op.now, op.now
            op.record("cancel_run", "workflow_run", str(run_id), {"status": "active"}, {"status": "cancelled"}, reason)
        return self.run(run_id)

    # -- inside a step's transaction ----------------------------------------------------------
    def _task(self, version_id: int, workflow: Workflow, state: dict[str, Any]) -> _Task | None:
        ranks = self._ranks[version_id]
        lanes = state["lanes"]
        open_lanes = [i for i, lane in enumerate(lanes) if lane["outcome"] is None]
        if not open_lanes:
            return None
        first = min(open_lanes, key=lambda i: (ranks[lanes[i]["step"]], lanes[i].get("timer_until") or "", i))
        step = workflow.step(lanes[first]["step"])
        chosen = [first]
        if step.kind is StepKind.SIGN_OFF:  # one signature covers every sample waiting for it
            chosen = [i for i in open_lanes if lanes[i]["step"] == step.id]
        return _Task(step, tuple(chosen), tuple(lanes[i]["barcode"] for i in chosen))

    def _result(
        self,
        op: Operation,
        record: WorkflowRunRecord,
        step: Step,
        barcode: str | None,
        outcome: str,
        data: dict[str, Any],
    ) -> None:
        record.step_count += 1
        op.session.add(
            WorkflowStepResultRecord(
                run_id=record.id,
                seq=record.step_count,
                step_id=step.id,
                kind=step.kind.value,
                barcode=barcode,
                outcome=outcome,
                data=data,
                actor=op.actor.user,
                at=op.now,
            )
        )
        op.record(
            "workflow_step",
            "workflow_run",
            str(record.id),
            None,
            {
                "seq": record.step_count,
                "step": step.id,
                "kind": step.kind.value,
                "sample": barcode,
                "outcome": outcome,
                "data": data,
            },
        )

    def _follow(
        self, op: Operation, record: WorkflowRunRecord, workflow: Workflow, lane: dict[str, Any], step: Step, port: str
    ) -> None:
        edge = workflow.edge_from(step.id, port)
        if edge is None:
            raise InvalidState(_("Step {step} has no way on from {port}.").format(step=step.id, port=port))
        if edge.retry_limit is not None:
            count = int(lane["retries"].get(edge.key, 0)) + 1
            if count > edge.retry_limit:
                lane["outcome"] = "failed"
                self._result(op, record, step, lane["barcode"], "exhausted", {"retries": edge.retry_limit})
                return
            lane["retries"][edge.key] = count
        target = workflow.step(edge.target)
        lane["step"] = target.id
        lane.pop("timer_until", None)
        if target.kind is StepKind.WAIT:
            lane["timer_until"] = timer_end(target, op.now).isoformat()
        elif target.kind is StepKind.END:
            lane["outcome"] = str(target.param("outcome", "completed"))
            self._result(op, record, target, lane["barcode"], lane["outcome"], {})

    def _store_state(self, op: Operation, record: WorkflowRunRecord, state: dict[str, Any]) -> None:
        record.state = state
        record.updated_at = op.now
        if all(lane["outcome"] is not None for lane in state["lanes"]):
            record.status, record.finished_at = RunStatus.COMPLETED.value, op.now
            outcomes = {lane["barcode"]: lane["outcome"] for lane in state["lanes"]}
            op.record(
                "finish_run",
                "workflow_run",
                str(record.id),
                {"status": "active"},
                {"status": "completed", "samples": outcomes},
            )

    def _refused(self, run_id: int, attempt: dict[str, Any], error: DomainError, given: Mapping[str, Any]) -> None:
        details = {**attempt, "code": error.code, "message": str(error)}
        if attempt.get("kind") == StepKind.SIGN_OFF.value:
            details["user"] = str(given.get("user") or "")  # never the password
        elif given.get("code"):
            details["scanned"] = str(given["code"])
        with self._runner.operation() as op:
            op.record("workflow_step_refused", "workflow_run", str(run_id), None, details, str(error))

    # -- reading ---------------------------------------------------------------------------------
    @staticmethod
    def _load_run(session: Session, run_id: int) -> WorkflowRunRecord:
        record = session.get(WorkflowRunRecord, run_id)
        if record is None:
            raise NotFound(_("There is no workflow run {id}.").format(id=run_id))
        return record

    def _view(self, session: Session, record: WorkflowRunRecord, with_results: bool) -> RunView:
        workflow = self._graph(session, record.version_id)
        version = session.get(WorkflowVersionRecord, record.version_id)
        assert version is not None
        parent = session.get(WorkflowRecord, version.workflow_id)
        assert parent is not None
        state = record.state
        prompt = None
        if record.status == RunStatus.ACTIVE.value:
            task = self._task(record.version_id, workflow, state)
            if task is not None:
                prompt = prompt_for(task.step, task.barcodes, state["lanes"][task.lanes[0]])
        results: tuple[StepResult, ...] = ()
        if with_results:
            rows = session.scalars(
                select(WorkflowStepResultRecord)
                .where(WorkflowStepResultRecord.run_id == record.id)
                .order_by(WorkflowStepResultRecord.seq)
            )
            results = tuple(
                StepResult(r.seq, r.step_id, r.kind, r.barcode, r.outcome, r.data, r.actor, r.at) for r in rows
            )
        return RunView(
            id=record.id,
            workflow=parent.name,
            title=parent.title,
            version=version.version,
            status=RunStatus(record.status),
            lanes=tuple(Lane(lane["barcode"], lane["step"], lane["outcome"]) for lane in state["lanes"]),
            prompt=prompt,
            started_by=record.started_by,
            started_at=record.started_at,
            finished_at=record.finished_at,
            results=results,
        )

    def count_runs(self) -> int:
        with self._db.reading() as session:
            return int(session.scalar(select(func.count()).select_from(WorkflowRunRecord)) or 0)
