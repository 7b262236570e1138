"""Editing a sample's descriptive fields: the checks and conversions, and what travels to the server.

Split from ``services.samples`` (``SampleService.edit`` calls both): the rules for one
field at a time, and the intents an edit becomes, a volume change being a withdrawal.
"""

from __future__ import annotations

from typing import Any

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.quantities import parse_volume
from tracseq_desktop.i18n import _
from tracseq_desktop.services.drafts import parse_time
from tracseq_desktop.services.operation import Operation
from tracseq_desktop.services.records import unit_of
from tracseq_desktop.services.rules import allowed_classes, check_temperature
from tracseq_desktop.store.models import Location, Sample
from tracseq_desktop.sync.outbox import time_text


def apply_edit(session: Any, sample: Sample, name: str, value: Any) -> None:
    if name == "sample_type":
        allowed_classes(session, str(value))
        if sample.box_id is not None:
            box = session.get(Location, sample.box_id)
            check_temperature(session, str(value), unit_of(session, box), None)
        sample.sample_type = str(value)
    elif name in ("project", "owner", "concentration_unit"):
        setattr(sample, name, (str(value).strip() or None) if value is not None else None)
    elif name in ("collected_at", "expires_at"):
        setattr(sample, name, parse_time(value, name))
    elif name == "concentration":
        try:
            sample.concentration = None if value in (None, "") else float(value)
        except (TypeError, ValueError):
            raise InvalidInput(_("{value!r} is not a concentration.").format(value=value)) from None
    elif name == "attributes":
        if not isinstance(value, dict):
            raise InvalidInput(_("Attributes must be a set of named values."))
        sample.attributes = {**(sample.attributes or {}), **value}
    elif name == "volume":
        sample.volume_nl = None if value in (None, "") else (value if isinstance(value, int) else parse_volume(value))
    elif name == "freeze_thaw_count":
        count = int(value)
        if count < 0:
            raise InvalidInput(_("The freeze-thaw count cannot be negative."))
        sample.freeze_thaw_count = count


def edit_intents(op: Operation, sample: Sample, changes: dict[str, Any], held: int | None, reason: str | None) -> None:
    """Descriptive fields merge one by one on the server; a volume change travels as a withdrawal."""
    fields: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "volume":
            if held is not None and sample.volume_nl is not None:
                if held != sample.volume_nl:
                    args = {
                        "uuid": op.key("sample", sample.id),
                        "amount_nl": held - sample.volume_nl,
                        "reason": reason,
                        "adjust": True,
                    }
                    op.intent("sample.withdraw", args, {"volume_nl": held})
            elif held != sample.volume_nl:
                fields["volume_nl"] = sample.volume_nl
        elif name == "attributes":
            fields["attributes"] = dict(value)
        elif name in ("collected_at", "expires_at"):
            fields[name] = time_text(getattr(sample, name))
        else:
            fields[name] = getattr(sample, name)
    if fields:
        op.intent("sample.edit", {"uuid": op.key("sample", sample.id), "fields": fields})
