"""A conflict's summary and choices in the workstation's language, not the server's.

The server words a conflict in its own language when it records it; the subject it
keeps alongside holds the facts (barcodes, places, volumes, which way round things
happened). The workstation says the same from those facts in its user's language. A
kind or option this version does not know, or a subject missing a fact, keeps the
server's words: nothing is shown emptier than the server wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.domain.quantities import format_volume
from tracseq_desktop.i18n import _

#: what the workstation needs to know about a sample it may hold: its status, or None
StatusLookup = Callable[[str], str | None]


def describe(
    kind: str, subject: Mapping[str, Any], option_ids: list[str], status_of: StatusLookup
) -> tuple[str, dict[str, str]] | None:
    """(summary, title of each option) in the current language, or None to keep the server's words."""
    try:
        words = _WORDING[kind](subject, status_of)
    except (KeyError, ValueError, TypeError):
        return None
    if words is None:
        return None
    summary, titles = words
    if not set(option_ids) <= titles.keys():
        return None
    return summary, {option: titles[option] for option in option_ids}


Wording = tuple[str, dict[str, str]] | None


def _slot_collision(subject: Mapping[str, Any], _status_of: StatusLookup) -> Wording:
    second = _text(subject, "second_barcode")
    where = _text(subject, "where")
    if subject.get("first") is None:  # a gridless container was full
        summary = _("{barcode} could not go into {box}: it is full.").format(barcode=second, box=where)
        return summary, {"keep_first": _("Leave {barcode} where the server has it").format(barcode=second)}
    first = _text(subject, "first_barcode")
    summary = _("{first} and {second} were both stored at {where}.").format(first=first, second=second, where=where)
    return summary, {
        "keep_first": _("{first} stays at {where}; {second} stays where it was").format(
            first=first, second=second, where=where
        ),
        "keep_second": _("{second} goes to {where}; {first} is left without a place").format(
            first=first, second=second, where=where
        ),
    }


def _discard_versus_move(subject: Mapping[str, Any], status_of: StatusLookup) -> Wording:
    barcode = _text(subject, "barcode")
    where = _text(subject, "where")
    if subject.get("order") == "discard_after_move":
        summary = _("{barcode} was discarded on one workstation but moved to {where} on another.").format(
            barcode=barcode, where=where
        )
        return summary, {
            "discard": _("Discard {barcode}").format(barcode=barcode),
            "keep": _("Keep {barcode} at {where}").format(barcode=barcode, where=where),
        }
    if subject.get("order") != "move_after_discard":
        return None
    held = status_of(_text(subject, "sample"))
    if held is None:
        return None
    status = SampleStatus(held).display_name
    summary = _("{barcode} was {status} on the server, but another workstation put it at {where}.").format(
        barcode=barcode, status=status, where=where
    )
    return summary, {
        "keep_discarded": _("{barcode} stays {status}").format(barcode=barcode, status=status),
        "restore_and_move": _("{barcode} is available again, at {where}").format(barcode=barcode, where=where),
    }


def _over_withdrawal(subject: Mapping[str, Any], _status_of: StatusLookup) -> Wording:
    barcode = _text(subject, "barcode")
    requested, available = int(subject["requested"]), int(subject["available"])
    summary = _("{requested} were withdrawn from {barcode}, but the server holds only {available}.").format(
        requested=format_volume(requested), barcode=barcode, available=format_volume(available)
    )
    return summary, {
        "withdraw_all": _("Record {barcode} as used up").format(barcode=barcode),
        "drop": _("Drop this withdrawal; keep {available}").format(available=format_volume(available)),
    }


def _text(subject: Mapping[str, Any], key: str) -> str:
    value = subject[key]
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value


_WORDING: dict[str, Callable[[Mapping[str, Any], StatusLookup], Wording]] = {
    "slot_collision": _slot_collision,
    "discard_versus_move": _discard_versus_move,
    "over_withdrawal": _over_withdrawal,
}
