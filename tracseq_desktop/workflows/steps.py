"""What each kind of step does when a run reaches it: the calls into the inventory services.

An executor runs inside the step's one transaction (the services join it), returns
the output port taken and the data to record, or raises a ``DomainError`` and
nothing of the step is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracseq_desktop.domain.errors import DomainError, InvalidInput, InvalidState
from tracseq_desktop.i18n import _, format_datetime
from tracseq_desktop.services.operation import Operation
from tracseq_desktop.services.records import normalise_code
from tracseq_desktop.services.samples import SampleService
from tracseq_desktop.store.models import UserAccountRecord, WorkflowSignatureRecord
from tracseq_desktop.workflows.accounts import password_matches
from tracseq_desktop.workflows.model import MEANING_TITLES, ParamType, Step, StepKind
from tracseq_desktop.workflows.views import InputField, Prompt


class ScanMismatch(DomainError):
    code = "scan_mismatch"


class MissingInput(DomainError):
    code = "missing_input"


class StillWaiting(DomainError):
    code = "still_waiting"


class SignatureRefused(DomainError):
    code = "signature_refused"


@dataclass
class StepContext:
    """One step for one lane (or, for a sign-off, every lane at the step)."""

    op: Operation
    samples: SampleService
    run_id: int
    step: Step
    barcodes: tuple[str, ...]
    inputs: Mapping[str, Any]
    lane: dict[str, Any]  #: the first lane's stored state (values, timer)

    @property
    def barcode(self) -> str:
        return self.barcodes[0]

    def text(self, name: str) -> str:
        value = self.inputs.get(name)
        if value is None or str(value).strip() == "":
            raise MissingInput(_("This step needs {name}.").format(name=name))
        return str(value).strip()

    def box(self) -> str:
        return str(self.step.param("box") or self.text("box"))

    def position(self) -> str | None:
        value = self.inputs.get("position")
        return str(value).strip() or None if value is not None else None


Outcome = tuple[str, dict[str, Any]]


def _start(ctx: StepContext) -> Outcome:
    return "next", {}


def _scan(ctx: StepContext) -> Outcome:
    code = normalise_code(ctx.text("code"))
    if code != ctx.barcode:
        raise ScanMismatch(
            _("Scanned {code}, but this step is for {barcode}. Find the right tube.").format(
                code=code, barcode=ctx.barcode
            )
        )
    return "next", {"code": code}


def _store(ctx: StepContext) -> Outcome:
    view = ctx.samples.store(ctx.barcode, ctx.box(), ctx.position())
    return "next", {"where": view.where}


def _move(ctx: StepContext) -> Outcome:
    view = ctx.samples.move(ctx.barcode, ctx.box(), ctx.position(), reason=str(ctx.step.param("reason")))
    return "next", {"where": view.where}


def _aliquot(ctx: StepContext) -> Outcome:
    box = ctx.box()
    views = ctx.samples.aliquot(
        ctx.barcode, count=int(ctx.step.param("count")), volume=str(ctx.step.param("volume")), box=box
    )
    return "next", {"aliquots": [v.barcode for v in views], "places": [v.where for v in views]}


def _check_out(ctx: StepContext) -> Outcome:
    ctx.samples.check_out(ctx.barcode, reason=str(ctx.step.param("reason")))
    return "next", {"reason": ctx.step.param("reason")}


def _check_in(ctx: StepContext) -> Outcome:
    box = ctx.step.param("box") or (str(ctx.inputs["box"]).strip() if ctx.inputs.get("box") else None)
    view = ctx.samples.check_in(ctx.barcode, box=box, position=ctx.position() if box else None)
    return "next", {"where": view.where}


def timer_end(step: Step, now: datetime) -> datetime:
    return now + timedelta(minutes=float(step.param("minutes", 0)))


def _wait(ctx: StepContext) -> Outcome:
    until = datetime.fromisoformat(str(ctx.lane["timer_until"]))
    if ctx.op.now >= until:
        return "next", {"until": until.isoformat()}
    reason = str(ctx.inputs.get("skip_reason") or "").strip()
    if not reason:
        raise StillWaiting(_("Wait until {time}.").format(time=format_datetime(until, "short")))
    return "next", {"until": until.isoformat(), "ended_early": True, "reason": reason}


def parse_number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(_("{value!r} is not a number.").format(value=value)) from None


def _instrument(ctx: StepContext) -> Outcome:
    step = ctx.step
    if ctx.inputs.get("value") in (None, ""):
        raise MissingInput(_("Enter the {quantity}.").format(quantity=step.param("quantity")))
    value = parse_number(ctx.inputs["value"])
    low, high = step.param("minimum"), step.param("maximum")
    if (low is not None and value < float(low)) or (high is not None and value > float(high)):
        raise InvalidInput(
            _("{value} {unit} is outside what this reading can be ({low} to {high}); check and enter it again.").format(
                value=value,
                unit=step.param("unit"),
                low=low if low is not None else "…",
                high=high if high is not None else "…",
            )
        )
    ctx.lane.setdefault("values", {})[step.id] = value
    return "next", {"quantity": step.param("quantity"), "value": value, "unit": step.param("unit")}


def _qc(ctx: StepContext) -> Outcome:
    step = ctx.step
    source = step.param("source")
    if source:
        value = ctx.lane.get("values", {}).get(source)
        if value is None:
            raise InvalidState(_("There is no reading from step {step} yet.").format(step=source))
        low, high = step.param("minimum"), step.param("maximum")
        passed = (low is None or value >= float(low)) and (high is None or value <= float(high))
        return ("pass" if passed else "fail"), {"value": value, "minimum": low, "maximum": high}
    decision = str(ctx.inputs.get("decision") or "").strip().lower()
    if decision not in ("pass", "fail"):
        raise MissingInput(_("Decide: pass or fail."))
    note = str(ctx.inputs.get("note") or "").strip()
    return decision, {"decided_by": ctx.op.actor.user, **({"note": note} if note else {})}


def _sign(ctx: StepContext) -> Outcome:
    """Checks the signer's password and records the signature for every sample at the step."""
    user = ctx.text("user").lower()
    password = str(ctx.inputs.get("password") or "")
    account = ctx.op.session.get(UserAccountRecord, user)
    if account is None or not account.active or not password or not password_matches(account, password):
        raise SignatureRefused(_("The user name or password is wrong; nothing was signed."))
    meaning = str(ctx.step.param("meaning"))
    statement = str(ctx.step.param("statement", ""))
    signature = WorkflowSignatureRecord(
        run_id=ctx.run_id,
        step_id=ctx.step.id,
        signer=account.name,
        full_name=account.full_name,
        meaning=meaning,
        statement=statement,
        barcodes=list(ctx.barcodes),
        workstation=ctx.op.actor.workstation,
        signed_at=ctx.op.now,
    )
    ctx.op.session.add(signature)
    ctx.op.session.flush()
    record = {
        "signer": account.name,
        "full_name": account.full_name,
        "meaning": meaning,
        "signed_at": ctx.op.now.isoformat(),
        "signature_id": signature.id,
    }
    ctx.op.record(
        "sign",
        "workflow_run",
        str(ctx.run_id),
        None,
        {**record, "step": ctx.step.id, "samples": list(ctx.barcodes)},
        meaning,
    )
    return "next", record


EXECUTORS: dict[StepKind, Callable[[StepContext], Outcome]] = {
    StepKind.START: _start,
    StepKind.SCAN_VERIFY: _scan,
    StepKind.STORE: _store,
    StepKind.MOVE: _move,
    StepKind.ALIQUOT: _aliquot,
    StepKind.CHECK_OUT: _check_out,
    StepKind.CHECK_IN: _check_in,
    StepKind.WAIT: _wait,
    StepKind.INSTRUMENT: _instrument,
    StepKind.QC: _qc,
    StepKind.SIGN_OFF: _sign,
}


def _box_field(step: Step) -> tuple[InputField, ...]:
    if step.param("box"):
        return ()
    return (InputField("box", _("Scan the box"), "scan"),)


def input_fields(step: Step) -> tuple[InputField, ...]:
    """What the technician must give for ``step`` (empty for steps that run on their own)."""
    kind = step.kind
    if kind is StepKind.SCAN_VERIFY:
        return (InputField("code", _("Scan the tube"), "scan"),)
    if kind in (StepKind.STORE, StepKind.MOVE, StepKind.ALIQUOT):
        return _box_field(step)
    if kind is StepKind.INSTRUMENT:
        return (
            InputField("value", str(step.param("quantity", _("Value"))), "number", unit=str(step.param("unit", ""))),
        )
    if kind is StepKind.QC and not step.param("source"):
        return (
            InputField("decision", _("Decision"), "choice", choices=("pass", "fail")),
            InputField("note", _("Note"), "text", required=False),
        )
    if kind is StepKind.SIGN_OFF:
        return (InputField("user", _("User name"), "user"), InputField("password", _("Password"), "password"))
    return ()


def instruction(step: Step, barcodes: tuple[str, ...]) -> str:
    """The large prompt of the bench view, in words."""
    kind = step.kind
    sample = ", ".join(barcodes)
    box = step.param("box")
    texts: dict[StepKind, str] = {
        StepKind.START: _("Starting."),
        StepKind.SCAN_VERIFY: step.param("prompt") or _("Scan tube {sample}.").format(sample=sample),
        StepKind.STORE: (
            _("Store {sample} in box {box}: scan the box.").format(sample=sample, box=box)
            if box
            else _("Store {sample}: scan the box it goes into.").format(sample=sample)
        ),
        StepKind.MOVE: _("Move {sample}: scan the target box.").format(sample=sample)
        if not box
        else _("Move {sample} to box {box}.").format(sample=sample, box=box),
        StepKind.ALIQUOT: _("Make {count} aliquots of {volume} from {sample}{into}.").format(
            count=step.param("count"),
            volume=step.param("volume"),
            sample=sample,
            into=_(" into box {box}").format(box=box) if box else _("; scan the box they go into"),
        ),
        StepKind.CHECK_OUT: _("Check out {sample}.").format(sample=sample),
        StepKind.CHECK_IN: _("Return {sample} to storage.").format(sample=sample),
        StepKind.WAIT: step.param("instruction") or _("Wait {minutes} minutes.").format(minutes=step.param("minutes")),
        StepKind.INSTRUMENT: _("{instruction} Enter the {quantity} of {sample} in {unit}.").format(
            instruction=step.param("instruction", ""),
            quantity=step.param("quantity", ""),
            sample=sample,
            unit=step.param("unit", ""),
        ),
        StepKind.QC: step.param("instruction")
        or (
            _("Checking {sample} against the passing range.").format(sample=sample)
            if step.param("source")
            else _("Does {sample} pass? Scan or choose PASS or FAIL.").format(sample=sample)
        ),
        StepKind.SIGN_OFF: _("Sign as {meaning} for {sample}. {statement}").format(
            meaning=_(MEANING_TITLES.get(str(step.param("meaning")), str(step.param("meaning")))),
            sample=sample,
            statement=step.param("statement", ""),
        ),
        StepKind.END: _("Done."),
    }
    return str(texts[kind]).strip()


def prompt_for(step: Step, barcodes: tuple[str, ...], lane: dict[str, Any]) -> Prompt:
    until = lane.get("timer_until") if step.kind is StepKind.WAIT else None
    return Prompt(
        step_id=step.id,
        kind=step.kind,
        title=step.title,
        instruction=instruction(step, barcodes),
        barcodes=barcodes,
        fields=input_fields(step),
        wait_until=datetime.fromisoformat(str(until)) if until else None,
        meaning=str(step.param("meaning")) if step.kind is StepKind.SIGN_OFF else None,
    )


__all__ = ["EXECUTORS", "ParamType", "StepContext", "input_fields", "prompt_for", "timer_end"]
