"""The wire format shared by the desktop client and the central server (API version 1).

Entities travel by UUID (local row ids differ between replicas); their natural keys
(barcode, label) travel with them. A ``Mutation`` is an intent with preconditions,
not a row: the server re-checks it against its own state and answers with an
``Outcome``. Request models refuse unknown fields and bound every size, so a hostile
payload is refused with a 422 and a reason before anything is touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tracseq_desktop.sync.hlc import HLC_PATTERN

API_PREFIX = "/v1"
MAX_BATCH = 2000  #: an aliquot of 1000 tubes is 1001 intents of one operation, never split
DEFAULT_BATCH = 500
DEFAULT_PAGE = 1000
MAX_PAGE = 5000

Uuid = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
HlcText = Annotated[str, Field(pattern=HLC_PATTERN, max_length=96)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
UtcText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class IntentKind(StrEnum):
    LOCATION_CREATE = "location.create"
    LOCATION_UPDATE = "location.update"
    LOCATION_MOVE = "location.move"
    LOCATION_RETIRE = "location.retire"
    SAMPLE_REGISTER = "sample.register"
    SAMPLE_PLACE = "sample.place"
    SAMPLE_UNPLACE = "sample.unplace"
    SAMPLE_STATUS = "sample.status"
    SAMPLE_WITHDRAW = "sample.withdraw"
    SAMPLE_EDIT = "sample.edit"
    CONFLICT_RESOLVE = "conflict.resolve"


class ConflictKind(StrEnum):
    SLOT_COLLISION = "slot_collision"
    DISCARD_VERSUS_MOVE = "discard_versus_move"
    OVER_WITHDRAWAL = "over_withdrawal"


class Role(StrEnum):
    TECHNICIAN = "technician"
    MANAGER = "manager"
    ADMIN = "admin"


# -- entity states ----------------------------------------------------------------------
class LocationState(Strict):
    uuid: Uuid
    site: Code
    kind: Literal["site", "room", "unit", "rack", "shelf", "box"]
    label: Code
    name: Annotated[str, Field(max_length=200)] = ""
    parent: Uuid | None = None
    unit_type: Annotated[str, Field(max_length=32)] | None = None
    temperature_class: Annotated[str, Field(max_length=8)] | None = None
    rows: Annotated[int, Field(ge=1, le=52)] | None = None
    cols: Annotated[int, Field(ge=1, le=99)] | None = None
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    retired: bool = False
    version: int = 1
    created_at: UtcText
    updated_at: UtcText


class SampleState(Strict):
    uuid: Uuid
    site: Code
    barcode: Code
    sample_type: Code
    status: Literal["available", "checked_out", "consumed", "discarded"]
    volume_nl: Annotated[int, Field(ge=0, le=10**15)] | None = None
    concentration: float | None = None
    concentration_unit: Annotated[str, Field(max_length=16)] | None = None
    project: Annotated[str, Field(max_length=100)] | None = None
    owner: Annotated[str, Field(max_length=100)] | None = None
    collected_at: UtcText | None = None
    expires_at: UtcText | None = None
    freeze_thaw_count: Annotated[int, Field(ge=0, le=100_000)] = 0
    attributes: dict[str, Any] = Field(default_factory=dict)
    parent: Uuid | None = None
    box: Uuid | None = None
    row: Annotated[int, Field(ge=0, le=51)] | None = None
    col: Annotated[int, Field(ge=0, le=98)] | None = None
    version: int = 1
    created_at: UtcText
    updated_at: UtcText


class ConflictOption(Strict):
    id: Code
    title: Annotated[str, Field(max_length=300)]


class ConflictState(Strict):
    id: Uuid
    site: Code
    kind: ConflictKind
    status: Literal["open", "resolved"]
    summary: Annotated[str, Field(max_length=1000)]
    subject: dict[str, Any]
    options: list[ConflictOption]
    created_at: UtcText
    resolved_option: Code | None = None
    resolved_by: Name | None = None
    resolved_reason: Annotated[str, Field(max_length=1000)] | None = None
    resolved_at: UtcText | None = None


# -- intent arguments (validated one by one on the server) ---------------------------------
class LocationCreateArgs(Strict):
    uuid: Uuid
    kind: Literal["site", "room", "unit", "rack", "shelf", "box"]
    label: Code
    name: Annotated[str, Field(max_length=200)] = ""
    parent: Uuid | None = None
    unit_type: Annotated[str, Field(max_length=32)] | None = None
    temperature_class: Annotated[str, Field(max_length=8)] | None = None
    rows: Annotated[int, Field(ge=1, le=52)] | None = None
    cols: Annotated[int, Field(ge=1, le=99)] | None = None
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None


class LocationUpdateArgs(Strict):
    uuid: Uuid
    label: Code | None = None
    name: Annotated[str, Field(max_length=200)] | None = None


class LocationMoveArgs(Strict):
    uuid: Uuid
    parent: Uuid


class LocationRetireArgs(Strict):
    uuid: Uuid
    reason: Annotated[str, Field(max_length=1000)] | None = None


class SampleRegisterArgs(Strict):
    uuid: Uuid
    barcode: Code
    sample_type: Code
    volume_nl: Annotated[int, Field(ge=0, le=10**15)] | None = None
    concentration: float | None = None
    concentration_unit: Annotated[str, Field(max_length=16)] | None = None
    project: Annotated[str, Field(max_length=100)] | None = None
    owner: Annotated[str, Field(max_length=100)] | None = None
    collected_at: UtcText | None = None
    expires_at: UtcText | None = None
    freeze_thaw_count: Annotated[int, Field(ge=0, le=100_000)] = 0
    attributes: dict[str, Any] = Field(default_factory=dict)
    status: Literal["available", "checked_out", "consumed", "discarded"] = "available"
    parent: Uuid | None = None
    box: Uuid | None = None
    row: Annotated[int, Field(ge=0, le=51)] | None = None
    col: Annotated[int, Field(ge=0, le=98)] | None = None


class SamplePlaceArgs(Strict):
    """Store, move or check in: put the sample at ``box``/``row``/``col``."""

    uuid: Uuid
    action: Literal["store", "move", "check_in"]
    box: Uuid
    row: Annotated[int, Field(ge=0, le=51)] | None = None
    col: Annotated[int, Field(ge=0, le=98)] | None = None
    freeze_thaw_delta: Annotated[int, Field(ge=0, le=1)] = 0
    #: part of a multi-sample move: the server frees all the group's places first
    group: bool = False


class SampleStatusArgs(Strict):
    uuid: Uuid
    status: Literal["checked_out", "discarded"]
    reason: Annotated[str, Field(max_length=1000)] | None = None


class SampleWithdrawArgs(Strict):
    """A volume event: ``amount_nl`` leaves the tube (negative: a correction that adds)."""

    uuid: Uuid
    amount_nl: Annotated[int, Field(ge=-(10**15), le=10**15)]
    reason: Annotated[str, Field(max_length=1000)] | None = None
    #: a correction of the recorded volume: reaching zero does not mark the sample consumed
    adjust: bool = False


class SampleEditArgs(Strict):
    uuid: Uuid
    fields: dict[str, Any] = Field(max_length=20)


class ConflictResolveArgs(Strict):
    conflict: Uuid
    option: Code
    reason: Annotated[str, Field(max_length=1000)] | None = None


class SampleUnplaceArgs(Strict):
    """Take a sample out of its box without another place (undoing a first storage)."""

    uuid: Uuid
    reason: Annotated[str, Field(max_length=1000)] | None = None


ARGUMENTS: dict[IntentKind, type[Strict]] = {
    IntentKind.LOCATION_CREATE: LocationCreateArgs,
    IntentKind.LOCATION_UPDATE: LocationUpdateArgs,
    IntentKind.LOCATION_MOVE: LocationMoveArgs,
    IntentKind.LOCATION_RETIRE: LocationRetireArgs,
    IntentKind.SAMPLE_REGISTER: SampleRegisterArgs,
    IntentKind.SAMPLE_PLACE: SamplePlaceArgs,
    IntentKind.SAMPLE_UNPLACE: SampleUnplaceArgs,
    IntentKind.SAMPLE_STATUS: SampleStatusArgs,
    IntentKind.SAMPLE_WITHDRAW: SampleWithdrawArgs,
    IntentKind.SAMPLE_EDIT: SampleEditArgs,
    IntentKind.CONFLICT_RESOLVE: ConflictResolveArgs,
}

#: Descriptive sample fields merged one by one, last writer (by clock stamp) wins.
EDITABLE_SAMPLE_FIELDS = (
    "sample_type",
    "project",
    "owner",
    "collected_at",
    "expires_at",
    "concentration",
    "concentration_unit",
    "attributes",
    "freeze_thaw_count",
    "volume_nl",
)


# -- push ----------------------------------------------------------------------------------
class Mutation(Strict):
    key: Uuid
    seq: Annotated[int, Field(ge=1)]
    operation_id: Uuid
    kind: IntentKind
    args: dict[str, Any]
    expect: dict[str, Any] = Field(default_factory=dict)
    hlc: HlcText
    at: UtcText
    actor: Name


class AuditRecord(Strict):
    local_id: Annotated[int, Field(ge=1)]
    at: UtcText
    actor: Name
    action: Annotated[str, Field(min_length=1, max_length=32)]
    entity_type: Annotated[str, Field(min_length=1, max_length=16)]
    entity_key: Code
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: Annotated[str, Field(max_length=2000)] | None = None
    operation_id: Annotated[str, Field(max_length=36)]
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class PushRequest(Strict):
    mutations: list[Mutation] = Field(default_factory=list, max_length=MAX_BATCH)
    audit: list[AuditRecord] = Field(default_factory=list, max_length=MAX_BATCH)
    hlc: HlcText | None = None


class MutationResult(Strict):
    key: Uuid
    seq: int
    outcome: Outcome
    reason: str | None = None
    conflict: Uuid | None = None
    #: for a duplicate: the outcome the intent got the first time
    original: Outcome | None = None


class PushResponse(Strict):
    results: list[MutationResult]
    #: highest local audit entry id the server now holds for this workstation
    audit_through: int
    #: highest mutation sequence number the server holds for this workstation
    last_seq: int
    hlc: HlcText


# -- pull and snapshot ---------------------------------------------------------------------
class Change(Strict):
    seq: int
    entity_type: Literal["location", "sample", "conflict"]
    key: Uuid
    #: the entity's whole state after the change; None: it does not exist (any more)
    data: dict[str, Any] | None


#: a pull cursor: per site, the last change number read (each site's feed is numbered on its own)
Cursor = dict[Code, Annotated[int, Field(ge=0)]]
MAX_CURSOR_SITES = 1000


def cursor_text(cursor: dict[str, int]) -> str:
    """A cursor as the workstation stores it and sends it back (``after=``): compact JSON."""
    return json.dumps(cursor, sort_keys=True, separators=(",", ":"))


class PullResponse(Strict):
    changes: list[Change]
    cursor: Cursor
    more: bool
    hlc: HlcText


class SnapshotHeader(Strict):
    """First line of a snapshot stream; the entity lines follow, then ``{"end": true}``."""

    cursor: Cursor
    sites: list[Code]
    locations: int
    samples: int
    conflicts: int


# -- accounts --------------------------------------------------------------------------------
class LoginRequest(Strict):
    user: Name
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    workstation: Uuid
    workstation_name: Name


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=16, max_length=256)]


class TokenResponse(Strict):
    access_token: str
    refresh_token: str
    expires_in: int
    user: str
    role: Role
    sites: list[str]
    workstation: Uuid
    #: the site the workstation belongs to (samples registered without a place go there)
    site: str


class NewUser(Strict):
    name: Name
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    role: Role
    sites: list[Code] = Field(min_length=1, max_length=100)


class ErrorBody(Strict):
    detail: str


# -- comparing replicas ------------------------------------------------------------------------
def replica_checksum(locations: Iterable[LocationState], samples: Iterable[SampleState]) -> str:
    """SHA-256 over every entity's canonical state, in UUID order: equal replicas, equal sums."""
    digest = hashlib.sha256()
    for kind, states in (("location", locations), ("sample", samples)):
        for state in sorted(states, key=lambda s: s.uuid):
            line = json.dumps([kind, state.model_dump(mode="json")], sort_keys=True, separators=(",", ":"))
            digest.update(line.encode("utf-8"))
            digest.update(b"\n")
    return digest.hexdigest()


# -- telemetry: freezer readings and alarm events (append-only) ------------------------------
MAX_TELEMETRY_BLOCKS = 1000
MAX_ALARM_EVENTS = 2000
#: an hour block of 65,535 records of 20 fields, base64: the largest a workstation can hold
MAX_BLOCK_TEXT = 7_000_000
MAX_READINGS_PAGE = 100_000
DEFAULT_READINGS_PAGE = 20_000


class ReadingBlockIn(Strict):
    """The readings one workstation holds for one unit and one hour, all of them.

    ``data`` is the block in the workstation's plain (open) packing, base64 (see
    ``store/readings.py``). A reading is identified by the workstation, the unit, the hour,
    its offset in the hour (tenths of a second) and its rank among the block's readings of
    that offset: the server adds only what it does not hold, so a block sent again, or sent
    again grown, never doubles a reading.
    """

    unit: Uuid  #: the unit's location UUID
    hour: Annotated[int, Field(ge=0, le=10_000_000)]  #: hours since 1970-01-01 UTC
    data: Annotated[str, Field(min_length=8, max_length=MAX_BLOCK_TEXT, pattern=r"^[A-Za-z0-9+/]*={0,2}$")]


class AlarmEventType(StrEnum):
    RAISED = "raised"
    CLEARED = "cleared"
    ACKNOWLEDGED = "acknowledged"


class AlarmEventIn(Strict):
    """One step of an alarm's life, with a UUID made on the workstation (stable across resends)."""

    id: Uuid
    alarm: Uuid  #: the same for every event of one alarm
    unit: Uuid
    type: AlarmEventType
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    at: UtcText
    started_at: UtcText | None = None
    peak: float | None = None
    limit: float | None = None
    actor: Name | None = None
    comment: Annotated[str, Field(max_length=2000)] | None = None


class TelemetryRequest(Strict):
    blocks: list[ReadingBlockIn] = Field(default_factory=list, max_length=MAX_TELEMETRY_BLOCKS)
    alarm_events: list[AlarmEventIn] = Field(default_factory=list, max_length=MAX_ALARM_EVENTS)


class TelemetryOutcome(StrEnum):
    APPLIED = "applied"  #: something new was stored
    DUPLICATE = "duplicate"  #: the server held all of it already
    HELD = "held"  #: the unit is not on the server (yet): send it again after its location is pushed


class ReadingBlockResult(Strict):
    unit: Uuid
    hour: int
    outcome: TelemetryOutcome
    added: int  #: readings new to the server
    count: int  #: readings of this workstation the server holds for the unit and hour
    total: int  #: readings of this workstation the server holds for the unit, all hours
    reason: str | None = None


class AlarmEventResult(Strict):
    id: Uuid
    outcome: TelemetryOutcome
    reason: str | None = None


class TelemetryResponse(Strict):
    blocks: list[ReadingBlockResult]
    alarm_events: list[AlarmEventResult]


class ReadingOut(Strict):
    at: UtcText
    probes: list[float | None]
    setpoint: float | None = None
    door_open: bool | None = None
    compressor_on: bool | None = None
    defrost: bool | None = None
    power_failure: bool | None = None
    ln2_filling: bool | None = None
    ln2_level_mm: float | None = None
    device_alarms: bool = False
    workstation: Uuid


class ReadingsPage(Strict):
    unit: Uuid
    site: Code
    readings: list[ReadingOut]
    #: more readings follow: ask again with ``start`` = ``next``
    more: bool
    next: UtcText | None = None


class AlarmEventOut(Strict):
    id: Uuid
    alarm: Uuid
    unit: Uuid
    site: Code
    workstation: Uuid
    type: AlarmEventType
    kind: str
    at: UtcText
    started_at: UtcText | None = None
    peak: float | None = None
    limit: float | None = None
    actor: str | None = None
    comment: str | None = None
