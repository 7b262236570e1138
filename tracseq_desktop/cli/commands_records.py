"""Bulk and integrity commands: import, export, audit verify."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tracseq_desktop.cli.context import CliContext, CommandRegistry
from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _, ngettext


class ImportRejected(DomainError):
    code = "import_rejected"


class AuditBroken(DomainError):
    code = "audit_broken"


def _import(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.services.transfer import import_csv

    result = import_csv(ctx.services(), Path(args.file), dry_run=args.dry_run)
    data = {
        "file": args.file,
        "rows": result.rows,
        "imported": result.imported,
        "dry_run": result.dry_run,
        "problems": [{"line": p.line, "message": p.message} for p in result.problems],
    }
    if result.problems:
        if ctx.json:
            ctx.emit(data, "")
        else:
            for problem in result.problems:
                print(
                    _("{file}:{line}: {message}").format(file=args.file, line=problem.line, message=problem.message),
                    file=sys.stderr,
                )
        raise ImportRejected(
            ngettext(
                "{count} row has problems; nothing was imported.",
                "{count} rows have problems; nothing was imported.",
                len(result.problems),
            ).format(count=len(result.problems))
        )
    if result.dry_run:
        text = _("All {rows} rows are valid; nothing was written (dry run).").format(rows=result.rows)
    else:
        text = ngettext("Imported {count} sample.", "Imported {count} samples.", result.imported).format(
            count=result.imported
        )
    ctx.emit(data, text)
    return 0


def _export(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.services.transfer import export_samples

    out = args.out or f"tracseq-samples.{args.format}"
    count = export_samples(ctx.services(), out, args.format)
    ctx.emit(
        {"file": out, "format": args.format, "rows": count},
        _("Wrote {count} samples to {file}.").format(count=count, file=out),
    )
    return 0


def _verify(args: argparse.Namespace, ctx: CliContext) -> int:
    result = ctx.services().queries.verify_audit()
    data = {"ok": result.ok, "checked": result.checked, "problems": list(result.problems)}
    if not result.ok:
        if ctx.json:
            ctx.emit(data, "")
        else:
            for problem in result.problems:
                print(problem, file=sys.stderr)
        raise AuditBroken(
            _("The audit trail has been tampered with: {count} problems in {checked} entries.").format(
                count=len(result.problems), checked=result.checked
            )
        )
    ctx.emit(data, _("The audit trail is intact: {checked} entries verified.").format(checked=result.checked))
    return 0


def register(registry: CommandRegistry) -> None:
    p = registry.add("import", _("import samples from a CSV file (all rows or none)"), _import)
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--dry-run", action="store_true", help=_("check every row, write nothing"))
    p = registry.add("export", _("export every sample to CSV or Excel"), _export)
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--out", metavar="FILE")
    group = registry.group("audit", _("audit trail commands"))
    group.add("verify", _("check the audit trail's hash chain"), _verify)
