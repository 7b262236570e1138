"""How a sample is shown in words: short id, type colour, status tags, the accessible sentence.

Colour never carries meaning alone: every colour here comes with a word.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from PySide6.QtGui import QColor

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.domain.views import SampleView
from tracseq_desktop.i18n import _

#: Pale backgrounds: the dark cell text keeps a contrast above 4.5:1 on each (checked in tests).
TYPE_COLOURS = {
    "plasma": "#fde9b5",
    "serum": "#fbd3c4",
    "whole blood": "#f6c7cf",
    "buffy coat": "#f1e4c8",
    "DNA": "#cfe3fb",
    "RNA": "#d9d2f7",
    "tissue": "#f5d0e6",
    "cells": "#cdeedd",
    "urine": "#f4f1b0",
    "saliva": "#dcefc6",
    "CSF": "#c9ecf0",
    "FFPE block": "#e3e3e3",
}
_SPARE = ("#e8dcf5", "#d6eef2", "#f3e1d0", "#e1f0d8", "#f0d9e4", "#dfe5f3")
CELL_TEXT = QColor("#1b1b1b")
EMPTY_BACKGROUND = QColor("#ffffff")


def type_colour(sample_type: str) -> QColor:
    known = TYPE_COLOURS.get(sample_type)
    if known:
        return QColor(known)
    digest = hashlib.sha1(sample_type.encode()).digest()[0]
    return QColor(_SPARE[digest % len(_SPARE)])


def short_id(barcode: str) -> str:
    """ "TS-000123" -> "000123": what fits in a cell; the full code is in the tooltip and detail."""
    head, sep, tail = barcode.partition("-")
    text = tail if sep and tail else head
    return text[-9:]


def is_expiring(sample: SampleView, warning_days: int, now: datetime | None = None) -> bool:
    if sample.expires_at is None or sample.status.is_final:
        return False
    moment = now or datetime.now(UTC)
    return sample.expires_at <= moment + timedelta(days=warning_days)


def status_tags(sample: SampleView, warning_days: int, now: datetime | None = None) -> list[str]:
    """Short words for the cell: OUT for checked out, EXP for expired or expiring soon."""
    tags = []
    if sample.status is SampleStatus.CHECKED_OUT:
        tags.append(_("OUT"))
    elif sample.status.is_final:
        tags.append(sample.status.display_name)
    if is_expiring(sample, warning_days, now):
        tags.append(_("EXP"))
    return tags


def describe(position: str | None, sample: SampleView | None, warning_days: int, now: datetime | None = None) -> str:
    """The sentence a screen reader says for a box position."""
    if sample is None:
        return _("position {position}, empty").format(position=position)
    parts = [sample.sample_type, sample.status.display_name]
    if is_expiring(sample, warning_days, now):
        moment = now or datetime.now(UTC)
        assert sample.expires_at is not None
        parts.append(_("expired") if sample.expires_at <= moment else _("expiring soon"))
    if position is None:
        return _("sample {barcode}, {details}").format(barcode=sample.barcode, details=", ".join(parts))
    return _("position {position}, sample {barcode}, {details}").format(
        position=position, barcode=sample.barcode, details=", ".join(parts)
    )
