"""Server rows as wire states (what the change feed and snapshots carry)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from tracseq_desktop.server.models import Conflict, Location, Sample
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire


def _t(value: Any) -> str | None:
    return None if value is None else to_utc_text(value)


#: the wire state's fields, in the order of the snapshot's positional lines
LOCATION_FIELDS = (
    "uuid", "site", "kind", "label", "name", "parent", "unit_type", "temperature_class", "rows", "cols", "capacity",
    "retired", "version", "created_at", "updated_at",
)  # fmt: skip
SAMPLE_FIELDS = (
    "uuid", "site", "barcode", "sample_type", "status", "volume_nl", "concentration", "concentration_unit", "project",
    "owner", "collected_at", "expires_at", "freeze_thaw_count", "attributes", "parent", "box", "row", "col", "version",
    "created_at", "updated_at",
)  # fmt: skip
_TIMES = frozenset({"created_at", "updated_at", "collected_at", "expires_at"})


def location_state(loc: Location | Row[Any]) -> dict[str, Any]:
    """From an ORM object or a typed Core row of ``location`` (times as datetimes)."""
    state = {name: getattr(loc, name) for name in LOCATION_FIELDS}
    for name in ("created_at", "updated_at"):
        state[name] = _t(state[name])
    state["retired"] = bool(state["retired"])
    return state


def sample_state(s: Sample | Row[Any]) -> dict[str, Any]:
    """From an ORM object or a typed Core row of ``sample`` (times as datetimes, attributes decoded)."""
    state = {name: getattr(s, name) for name in SAMPLE_FIELDS}
    for name in _TIMES:
        state[name] = _t(state[name])
    state["attributes"] = dict(state["attributes"] or {})
    return state


def location_state_raw(values: Sequence[Any]) -> dict[str, Any]:
    """From the stored columns ``LOCATION_FIELDS`` as plain SQL returns them (times are stored wire text)."""
    state = dict(zip(LOCATION_FIELDS, values, strict=True))
    state["retired"] = bool(state["retired"])
    return state


def sample_state_raw(values: Sequence[Any]) -> dict[str, Any]:
    """From the stored columns ``SAMPLE_FIELDS`` as plain SQL returns them (attributes as JSON text)."""
    state = dict(zip(SAMPLE_FIELDS, values, strict=True))
    attributes = state["attributes"]
    state["attributes"] = json.loads(attributes) if attributes and attributes != "{}" else {}
    return state


def conflict_state(c: Conflict) -> dict[str, Any]:
    return {
        "id": c.id,
        "site": c.site,
        "kind": c.kind,
        "status": c.status,
        "summary": c.summary,
        "subject": dict(c.subject),
        "options": list(c.options),
        "created_at": _t(c.created_at),
        "resolved_option": c.resolved_option,
        "resolved_by": c.resolved_by,
        "resolved_reason": c.resolved_reason,
        "resolved_at": _t(c.resolved_at),
    }


def site_states(session: Session, sites: Iterable[str]) -> tuple[list[wire.LocationState], list[wire.SampleState]]:
    """Every location and sample of ``sites`` as wire states (for checksums against replicas)."""
    chosen = sorted(set(sites))
    locations = [
        wire.LocationState.model_validate(location_state(loc))
        for loc in session.scalars(select(Location).where(Location.site.in_(chosen)))
    ]
    samples = [
        wire.SampleState.model_validate(sample_state(s))
        for s in session.scalars(select(Sample).where(Sample.site.in_(chosen)))
    ]
    return locations, samples
