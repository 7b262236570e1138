"""Server rows as wire states (what the change feed and snapshots carry)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracseq_desktop.server.models import Conflict, Location, Sample
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync import wire


def _t(value: Any) -> str | None:
    return None if value is None else to_utc_text(value)


def location_state(loc: Location) -> dict[str, Any]:
    return {
        "uuid": loc.uuid,
        "site": loc.site,
        "kind": loc.kind,
        "label": loc.label,
        "name": loc.name,
        "parent": loc.parent,
        "unit_type": loc.unit_type,
        "temperature_class": loc.temperature_class,
        "rows": loc.rows,
        "cols": loc.cols,
        "capacity": loc.capacity,
        "retired": bool(loc.retired),
        "version": loc.version,
        "created_at": _t(loc.created_at),
        "updated_at": _t(loc.updated_at),
    }


def sample_state(s: Sample) -> dict[str, Any]:
    return {
        "uuid": s.uuid,
        "site": s.site,
        "barcode": s.barcode,
        "sample_type": s.sample_type,
        "status": s.status,
        "volume_nl": s.volume_nl,
        "concentration": s.concentration,
        "concentration_unit": s.concentration_unit,
        "project": s.project,
        "owner": s.owner,
        "collected_at": _t(s.collected_at),
        "expires_at": _t(s.expires_at),
        "freeze_thaw_count": s.freeze_thaw_count,
        "attributes": dict(s.attributes or {}),
        "parent": s.parent,
        "box": s.box,
        "row": s.row,
        "col": s.col,
        "version": s.version,
        "created_at": _t(s.created_at),
        "updated_at": _t(s.updated_at),
    }


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
