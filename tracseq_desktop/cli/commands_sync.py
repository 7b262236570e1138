"""Sync commands: login, sync, conflicts, resolve.

Passwords come from the terminal (no echo) or the first line of stdin. Where the OS
has no keyring, tokens last for this process only, so ``tracseq sync`` reads the
password from stdin again (once per session).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

from tracseq_desktop.cli.context import CliContext, CommandRegistry
from tracseq_desktop.i18n import _, ngettext

if TYPE_CHECKING:
    from tracseq_desktop.sync.service import ConflictView, SyncService


def _password(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def _service(ctx: CliContext) -> SyncService:
    from tracseq_desktop.sync.service import SyncService

    return SyncService(ctx.services(create=True))


def _login(args: argparse.Namespace, ctx: CliContext) -> int:
    sync = _service(ctx)
    try:
        sync.login(args.server, args.user, _password(_("Password for {user}: ").format(user=args.user)))
        status = sync.status()
    finally:
        sync.close()
    ctx.emit(
        {"server": status.server, "user": status.user, "pending": status.pending},
        _("Signed in to {server} as {user}; {pending} local changes wait for the next sync.").format(
            server=status.server, user=status.user, pending=status.pending
        ),
    )
    return 0


def _conflict_data(view: ConflictView) -> dict[str, Any]:
    return {
        "id": view.id,
        "kind": view.kind,
        "site": view.site,
        "status": view.status,
        "summary": view.summary,
        "options": [{"id": o.id, "title": o.title} for o in view.options],
        "created_at": view.created_at.isoformat(),
        "resolved_option": view.resolved_option,
        "resolved_by": view.resolved_by,
        "subject": dict(view.subject),
    }


def _conflict_text(view: ConflictView) -> str:
    lines = [f"{view.id[:8]}  {view.summary}"]
    lines += [f"    --choose {o.id}: {o.title}" for o in view.options] if view.status == "open" else []
    return "\n".join(lines)


def _sync(args: argparse.Namespace, ctx: CliContext) -> int:
    sync = _service(ctx)
    try:
        if sync.needs_password() and sync.server is not None and sync.user is not None:
            sync.login(sync.server, sync.user, _password(_("Password for {user}: ").format(user=sync.user)))
        result = sync.sync_now()
    finally:
        sync.close()
    data = {
        "pushed": result.pushed,
        "applied": result.applied,
        "duplicates": result.duplicates,
        "conflicts": result.conflicts,
        "rejected": result.rejected,
        "pulled": result.pulled,
        "bootstrapped": result.bootstrapped,
        "rejections": [{"seq": s, "intent": k, "reason": r} for s, k, r in result.rejections],
        "new_conflicts": [_conflict_data(c) for c in result.new_conflicts],
        "readings": result.readings,
        "alarm_events": result.alarm_events,
        "telemetry_duplicates": result.telemetry_duplicates,
        "telemetry_held": result.telemetry_held,
        "telemetry_more": result.telemetry_more,
        "telemetry_error": result.telemetry_error,
    }

    def text() -> str:
        lines = [
            _(
                "Pushed {pushed} (applied {applied}, conflicts {conflicts}, rejected {rejected}); pulled {pulled}."
            ).format(
                pushed=result.pushed,
                applied=result.applied,
                conflicts=result.conflicts,
                rejected=result.rejected,
                pulled=result.pulled,
            )
        ]
        lines += [
            _("Rejected #{seq} {intent}: {reason}").format(seq=s, intent=k, reason=r) for s, k, r in result.rejections
        ]
        lines.append(
            _("Freezer data sent: {readings} readings, {events} alarm events.").format(
                readings=result.readings, events=result.alarm_events
            )
        )
        if result.telemetry_held:
            lines.append(
                ngettext(
                    "{count} unit waits until the server knows it.",
                    "{count} units wait until the server knows them.",
                    result.telemetry_held,
                ).format(count=result.telemetry_held)
            )
        if result.telemetry_more:
            lines.append(_("More freezer data is left for the next sync."))
        if result.telemetry_error:
            lines.append(_("Freezer data not sent: {error}").format(error=result.telemetry_error))
        if result.new_conflicts:
            count = len(result.new_conflicts)
            lines.append(ngettext("{count} new conflict:", "{count} new conflicts:", count).format(count=count))
            lines += [_conflict_text(c) for c in result.new_conflicts]
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def _conflicts(args: argparse.Namespace, ctx: CliContext) -> int:
    sync = _service(ctx)
    views = sync.conflicts(include_resolved=args.all)
    ctx.emit(
        [_conflict_data(v) for v in views],
        lambda: "\n".join(_conflict_text(v) for v in views) or _("No open conflicts."),
    )
    return 0


def _resolve(args: argparse.Namespace, ctx: CliContext) -> int:
    sync = _service(ctx)
    view = sync.resolve(args.id, args.choose, args.reason)
    ctx.emit(
        _conflict_data(view),
        _("Resolved {id} with {option}; the next sync tells the server.").format(id=view.id[:8], option=args.choose),
    )
    return 0


def register(registry: CommandRegistry) -> None:
    p = registry.add("login", _("sign in to the central server and register this workstation"), _login)
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--user", required=True)
    registry.add("sync", _("push local changes, then pull what others did"), _sync)
    p = registry.add("conflicts", _("list conflicts found by the server"), _conflicts)
    p.add_argument("--all", action="store_true", help=_("include resolved conflicts"))
    p = registry.add("resolve", _("resolve a conflict by choosing one of its options"), _resolve)
    p.add_argument("id", help=_("conflict id (a unique prefix is enough)"))
    p.add_argument("--choose", required=True, metavar="OPTION")
    p.add_argument("--reason")
