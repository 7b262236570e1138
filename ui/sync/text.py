"""Words for sync: the status-bar line, conflict kinds and states, details of a conflict's subject."""

from __future__ import annotations

import contextlib
import html
from dataclasses import dataclass

from tracseq_desktop.domain.quantities import format_volume
from tracseq_desktop.i18n import N_, _, format_datetime, ngettext
from tracseq_desktop.sync.service import ConflictView, SyncStatus

KINDS = {
    "slot_collision": N_("Slot collision"),
    "discard_versus_move": N_("Discard versus move"),
    "over_withdrawal": N_("Over-withdrawal"),
}

#: Subject fields worth showing, in this order, with their titles (ids such as UUIDs are left out).
SUBJECT_FIELDS = (
    ("barcode", N_("Sample")),
    ("where", N_("Position")),
    ("first_barcode", N_("Already there")),
    ("second_barcode", N_("Arriving")),
    ("second_at", N_("Arriving from")),
    ("requested", N_("Withdrawn")),
    ("available", N_("Held on the server")),
)
_VOLUMES = frozenset({"requested", "available"})

#: Shown between the parts of the status-bar line.
SEPARATOR = " · "


@dataclass(frozen=True)
class SyncIndicator:
    """What the status bar shows: the service's status plus what the window knows (a sync running)."""

    status: SyncStatus
    syncing: bool = False
    sign_in_needed: bool = False
    retry_in_s: int | None = None  #: seconds until the next attempt after a failure


def kind_title(kind: str) -> str:
    title = KINDS.get(kind)
    return _(title) if title else kind


def option_title(conflict: ConflictView, option: str | None) -> str:
    for choice in conflict.options:
        if choice.id == option:
            return choice.title
    return option or ""


def conflict_state(conflict: ConflictView) -> str:
    if conflict.status == "open":
        return _("Open")
    return _("Resolved by {user}: {option}").format(
        user=conflict.resolved_by or _("unknown"), option=option_title(conflict, conflict.resolved_option)
    )


def conflict_time(conflict: ConflictView) -> str:
    return format_datetime(conflict.created_at, "short")


def subject_lines(conflict: ConflictView) -> list[tuple[str, str]]:
    """(title, value) pairs a person can use to find the samples concerned."""
    values = dict(conflict.subject)
    lines = []
    for key, title in SUBJECT_FIELDS:
        value = values.get(key)
        if value is None or value == "":
            continue
        if key in _VOLUMES:
            with contextlib.suppress(ValueError):
                value = format_volume(int(value))
        lines.append((_(title), value))
    return lines


def sync_line(indicator: SyncIndicator | None) -> tuple[str, str]:
    """(text, tooltip) of the status-bar field; the text says in words what a colour would."""
    if indicator is None or not indicator.status.signed_in:
        return (
            _("Sync: not set up (working offline)"),
            _("Sign in to a sync server to share this workstation's work (Sync menu)."),
        )
    status = indicator.status
    if indicator.syncing:
        state = _("Sync: syncing…")
    elif indicator.sign_in_needed:
        state = _("Sync: sign in needed")
    elif status.online is None:
        state = _("Sync: not contacted yet")
    elif status.online:
        state = _("Sync: online")
    else:
        state = _("Sync: offline")
    parts = [state]
    parts.append(
        ngettext("{count} change to send", "{count} changes to send", status.pending).format(count=status.pending)
        if status.pending
        else _("nothing to send")
    )
    if status.last_sync is not None:
        parts.append(_("last sync {time}").format(time=format_datetime(status.last_sync, "short")))
    else:
        parts.append(_("never synced"))
    if status.open_conflicts:
        parts.append(
            ngettext("{count} conflict", "{count} conflicts", status.open_conflicts).format(count=status.open_conflicts)
        )
    else:
        parts.append(_("no conflicts"))
    tips = [_("Server: {server}").format(server=status.server or ""), _("User: {user}").format(user=status.user or "")]
    if status.last_error:
        tips.append(_("Last problem: {error}").format(error=status.last_error))
    if indicator.retry_in_s is not None and not indicator.syncing:
        tips.append(_("Next attempt in about {seconds} s.").format(seconds=indicator.retry_in_s))
    tips.append(_("Click to open the conflict inbox."))
    return SEPARATOR.join(parts), "\n".join(tips)


def link(text: str, anchor: str) -> str:
    """Rich text for a clickable status-bar label (the text is escaped: summaries come from the server)."""
    return f'<a href="#{anchor}">{html.escape(text)}</a>'
