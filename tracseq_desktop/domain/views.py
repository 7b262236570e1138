"""Immutable views handed out by the services: plain rows, safe to pass between threads.

ORM objects never leave the store layer; the UI and the command line see only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracseq_desktop.domain.enums import (
    LocationKind,
    SampleStatus,
    TemperatureClass,
    UnitType,
)
from tracseq_desktop.domain.geometry import Geometry, position_label


@dataclass(frozen=True, slots=True)
class LocationView:
    id: int
    kind: LocationKind
    label: str
    name: str
    parent_id: int | None
    unit_type: UnitType | None = None
    temperature_class: TemperatureClass | None = None
    geometry: Geometry | None = None
    retired: bool = False
    path: tuple[str, ...] = ()  #: labels from the site down to this location

    @property
    def path_text(self) -> str:
        return " › ".join(self.path)


@dataclass(frozen=True, slots=True)
class LocationNode:
    """A tree node with its fill level (samples held / places) for the storage browser."""

    location: LocationView
    child_count: int
    occupied: int
    capacity: int


@dataclass(frozen=True, slots=True)
class SampleView:
    id: int
    barcode: str
    sample_type: str
    status: SampleStatus
    volume_nl: int | None
    concentration: float | None = None
    concentration_unit: str | None = None
    project: str | None = None
    owner: str | None = None
    collected_at: datetime | None = None
    expires_at: datetime | None = None
    freeze_thaw_count: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)
    parent_barcode: str | None = None
    box_label: str | None = None
    box_id: int | None = None
    row: int | None = None
    col: int | None = None
    location_path: tuple[str, ...] = ()
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def position(self) -> str | None:
        if self.row is None or self.col is None:
            return None
        return position_label(self.row, self.col)

    @property
    def where(self) -> str:
        """ "B-0042:C4" (or just the box for gridless containers, or "")."""
        if self.box_label is None:
            return ""
        return f"{self.box_label}:{self.position}" if self.position else self.box_label


@dataclass(frozen=True, slots=True)
class BoxView:
    box: LocationView
    samples: tuple[SampleView, ...]

    @property
    def geometry(self) -> Geometry:
        assert self.box.geometry is not None
        return self.box.geometry

    def at(self, row: int, col: int) -> SampleView | None:
        for sample in self.samples:
            if sample.row == row and sample.col == col:
                return sample
        return None

    @property
    def occupied(self) -> int:
        return len(self.samples)


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    id: int
    at: datetime
    actor: str
    workstation: str
    action: str
    entity_type: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    operation_id: str


@dataclass(frozen=True, slots=True)
class AuditVerification:
    ok: bool
    checked: int
    problems: tuple[str, ...] = ()
