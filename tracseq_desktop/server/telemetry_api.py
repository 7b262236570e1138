"""Routes of the telemetry API: push readings and alarm events, read them back per unit.

Any signed-in user may push telemetry for units of the sites they belong to and read it
back; ``server.telemetry`` does the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from tracseq_desktop.server import telemetry
from tracseq_desktop.server.api import CallerDep, StateDep
from tracseq_desktop.sync import wire

router = APIRouter(prefix=wire.API_PREFIX, tags=["telemetry"])
UnitPath = Annotated[str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": wire.ErrorBody},
    403: {"model": wire.ErrorBody},
    404: {"model": wire.ErrorBody},
    422: {"description": "Malformed: `detail` says where and why"},
}


@contextmanager
def _answered() -> Iterator[None]:
    """A refusal from ``server.telemetry`` becomes its HTTP status with the reason."""
    try:
        yield
    except telemetry.Refused as refusal:
        raise HTTPException(refusal.status, refusal.reason) from None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise HTTPException(422, "times need a zone (e.g. 2026-03-01T08:00:00Z)")
    return value


@router.post("/telemetry", responses=_REFUSALS)
def push_telemetry(body: wire.TelemetryRequest, who: CallerDep, state: StateDep) -> wire.TelemetryResponse:
    """Store reading blocks and alarm events; each gets applied, duplicate or held. A bad request changes nothing."""
    with _answered():
        return telemetry.push(state.db, who.sites, who.workstation, body, state.clock())


@router.get("/units/{unit}/readings", responses=_REFUSALS)
def unit_readings(
    unit: UnitPath,
    who: CallerDep,
    state: StateDep,
    start: datetime,
    end: datetime,
    limit: Annotated[int, Query(ge=1, le=wire.MAX_READINGS_PAGE)] = wire.DEFAULT_READINGS_PAGE,
) -> wire.ReadingsPage:
    """The unit's readings from every workstation between two times (inclusive), in pages of whole hours."""
    with _answered():
        return telemetry.readings_page(state.db, who.sites, unit, _utc(start), _utc(end), limit)


@router.get("/units/{unit}/alarm-events", responses=_REFUSALS)
def unit_alarm_events(
    unit: UnitPath,
    who: CallerDep,
    state: StateDep,
    start: datetime,
    end: datetime,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[wire.AlarmEventOut]:
    """The unit's alarm events (raised, cleared, acknowledged) between two times, oldest first."""
    with _answered():
        return telemetry.alarm_events(state.db, who.sites, unit, _utc(start), _utc(end), limit)
