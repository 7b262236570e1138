"""Workflow commands: validate, import, export, list, run, resume, sign, show; and ``user add`` for signing accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.domain.errors import DomainError, InvalidInput
from tracseq_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    from tracseq_desktop.workflows.service import WorkflowService
    from tracseq_desktop.workflows.views import RunView


class WorkflowRejected(DomainError):
    code = "workflow_invalid"


def _service(ctx: CliContext) -> WorkflowService:
    from tracseq_desktop.workflows.service import WorkflowService

    return WorkflowService(ctx.services())


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(_("Cannot read {file}: {error}").format(file=path, error=error.strerror)) from None


def _validate(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.workflows.serial import FormatError, from_json
    from tracseq_desktop.workflows.validation import validate

    try:
        workflow = from_json(_read(args.file))
        problems = [p.as_dict() for p in validate(workflow)]
        name: str | None = workflow.name
    except FormatError as error:
        problems = [{"step": None, "code": "format", "message": m} for m in error.problems]
        name = None
    data = {"file": args.file, "workflow": name, "valid": not problems, "problems": problems}
    if problems:
        if ctx.json:
            ctx.emit(data, "")
        else:
            for problem in problems:
                print(_("{file}: {message}").format(file=args.file, message=problem["message"]), file=sys.stderr)
        raise WorkflowRejected(
            ngettext(
                "{count} problem; the workflow is not valid.",
                "{count} problems; the workflow is not valid.",
                len(problems),
            ).format(count=len(problems))
        )
    ctx.emit(data, _("{file}: workflow {name} is valid.").format(file=args.file, name=name))
    return 0


def _import(args: argparse.Namespace, ctx: CliContext) -> int:
    info = _service(ctx).import_json(_read(args.file))
    ctx.emit(
        {"workflow": info.name, "version": info.version, "published": info.published, "checksum": info.checksum},
        _("Workflow {name} version {version} is published.").format(name=info.name, version=info.version),
    )
    return 0


def _export(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.workflows.serial import to_json

    workflow, info = _service(ctx).load(args.name, args.version)
    text = to_json(workflow)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        ctx.emit(
            {"workflow": info.name, "version": info.version, "file": args.out},
            _("Wrote {name} version {version} to {file}.").format(name=info.name, version=info.version, file=args.out),
        )
    else:
        ctx.out.write(text)
    return 0


def _list(args: argparse.Namespace, ctx: CliContext) -> int:
    summaries = _service(ctx).workflows()
    rows = [
        {
            "name": s.name,
            "title": s.title,
            "latest_version": s.latest_version,
            "published_version": s.published_version,
            "draft": s.has_draft,
        }
        for s in summaries
    ]

    def text() -> str:
        if not rows:
            return _("No workflows yet; import one with `tracseq workflow import FILE.json`.")
        lines = []
        for s in summaries:
            published = (
                _("published v{version}").format(version=s.published_version)
                if s.published_version
                else _("not published")
            )
            draft = _(", draft v{version}").format(version=s.latest_version) if s.has_draft else ""
            lines.append(f"{s.name:<24} {s.title}  ({published}{draft})")
        return "\n".join(lines)

    ctx.emit(rows, text)
    return 0


def _run_data(view: RunView) -> dict[str, Any]:
    prompt = view.prompt
    return {
        "run": view.id,
        "workflow": view.workflow,
        "version": view.version,
        "status": view.status.value,
        "lanes": [{"sample": lane.barcode, "step": lane.step_id, "outcome": lane.outcome} for lane in view.lanes],
        "stopped_at": None
        if prompt is None
        else {
            "step": prompt.step_id,
            "kind": prompt.kind.value,
            "title": prompt.title,
            "instruction": prompt.instruction,
            "samples": list(prompt.barcodes),
            "needs": [f.name for f in prompt.fields if f.required],
            "wait_until": prompt.wait_until.isoformat() if prompt.wait_until else None,
        },
        "steps_done": len(view.results),
    }


def _run_text(view: RunView) -> str:
    head = _("Run {id} of {workflow} v{version}: {status}.").format(
        id=view.id, workflow=view.workflow, version=view.version, status=view.status.value
    )
    lines = [head]
    for lane in view.lanes:
        lines.append(
            _("  {sample}: {state}").format(
                sample=lane.barcode, state=lane.outcome or _("at step {step}").format(step=lane.step_id)
            )
        )
    prompt = view.prompt
    if prompt is not None:
        needs = ", ".join(f.name for f in prompt.fields if f.required)
        lines.append(
            _("Stopped at step \u201c{title}\u201d ({step}) for {samples}: {instruction}").format(
                title=prompt.title,
                step=prompt.step_id,
                samples=", ".join(prompt.barcodes),
                instruction=prompt.instruction,
            )
        )
        if prompt.kind.value == "sign_off":
            lines.append(
                _("A person must sign: tracseq workflow sign {id} --user NAME (password on standard input).").format(
                    id=view.id
                )
            )
        elif needs:
            lines.append(
                _("Needs: {fields} (give them in --inputs, then tracseq workflow resume {id}).").format(
                    fields=needs, id=view.id
                )
            )
        elif prompt.wait_until is not None:
            lines.append(
                _("Waiting until {time}; then tracseq workflow resume {id}.").format(
                    time=prompt.wait_until.isoformat(), id=view.id
                )
            )
    return "\n".join(lines)


def _inputs(args: argparse.Namespace) -> Any:
    from tracseq_desktop.workflows.service import RunInputs

    return RunInputs.from_json(_read(args.inputs)) if getattr(args, "inputs", None) else None


def _run(args: argparse.Namespace, ctx: CliContext) -> int:
    samples = [s.strip() for s in args.samples.split(",") if s.strip()]
    if not samples:
        raise UsageError(_("--samples needs at least one barcode"))
    inputs = _inputs(args)
    service = _service(ctx)
    view = service.start(args.name, samples, version=args.version)
    view = service.advance(view.id, inputs)
    ctx.emit(_run_data(view), _run_text(view))
    return 0


def _resume(args: argparse.Namespace, ctx: CliContext) -> int:
    view = _service(ctx).advance(args.run, _inputs(args))
    ctx.emit(_run_data(view), _run_text(view))
    return 0


def _password(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def _sign(args: argparse.Namespace, ctx: CliContext) -> int:
    service = _service(ctx)
    view = service.sign(args.run, args.user, _password(_("Password for {user}: ").format(user=args.user)))
    view = service.advance(view.id, _inputs(args))
    ctx.emit(_run_data(view), _run_text(view))
    return 0


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    view = _service(ctx).run(args.run)
    data = _run_data(view)
    data["results"] = [
        {
            "seq": r.seq,
            "step": r.step_id,
            "kind": r.kind,
            "sample": r.barcode,
            "outcome": r.outcome,
            "data": r.data,
            "actor": r.actor,
            "at": r.at.isoformat(),
        }
        for r in view.results
    ]

    def text() -> str:
        lines = [_run_text(view)]
        for r in view.results:
            lines.append(f"  {r.seq:>3} {r.step_id:<16} {r.barcode or '':<14} {r.outcome}")
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def _user_add(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.workflows.accounts import UserAccounts

    password = _password(_("Password for {user}: ").format(user=args.name))
    account = UserAccounts(ctx.services().runner).add(args.name, password, full_name=args.full_name or "")
    ctx.emit(
        {"user": account.name, "full_name": account.full_name},
        _("User {name} ({full_name}) can now sign.").format(name=account.name, full_name=account.full_name),
    )
    return 0


def register(registry: CommandRegistry) -> None:
    group = registry.group("workflow", _("design, check and run workflows"))
    p = group.add("validate", _("check a workflow file; exit 1 and list the problems if it is not valid"), _validate)
    p.add_argument("file", metavar="FILE.json")
    p = group.add("import", _("validate a workflow file and publish it as a new version"), _import)
    p.add_argument("file", metavar="FILE.json")
    p = group.add("export", _("write a workflow as JSON"), _export)
    p.add_argument("name")
    p.add_argument("--version", type=int, help=_("this version (default: the newest)"))
    p.add_argument("--out", metavar="FILE", help=_("write to FILE instead of standard output"))
    group.add("list", _("list the workflows and their versions"), _list)
    p = group.add("run", _("start a run; do the steps that need nobody, stop at a person's step"), _run)
    p.add_argument("name")
    p.add_argument("--samples", required=True, metavar="S1,S2", help=_("barcodes, separated by commas"))
    p.add_argument("--inputs", metavar="FILE.json", help=_("values for steps, by step id"))
    p.add_argument("--version", type=int, help=_("a published version (default: the newest)"))
    p = group.add("resume", _("continue a run with more inputs"), _resume)
    p.add_argument("run", type=int)
    p.add_argument("--inputs", metavar="FILE.json")
    p = group.add("sign", _("sign the run's sign-off step (password on standard input), then continue"), _sign)
    p.add_argument("run", type=int)
    p.add_argument("--user", required=True)
    p.add_argument("--inputs", metavar="FILE.json")
    p = group.add("show", _("show a run and every step result"), _show)
    p.add_argument("run", type=int)
    users = registry.group("user", _("local accounts for electronic signatures"))
    p = users.add("add", _("add a signing account (password on standard input)"), _user_add)
    p.add_argument("name")
    p.add_argument("--full-name", metavar="F", help=_("the printed name shown with signatures"))
