"""Immutable views of workflows and runs for the UI and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tracseq_desktop.workflows.model import StepKind


class RunStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class VersionInfo:
    name: str
    title: str
    version: int
    version_id: int
    published: bool
    checksum: str


@dataclass(frozen=True)
class WorkflowSummary:
    name: str
    title: str
    latest_version: int
    published_version: int | None
    has_draft: bool


@dataclass(frozen=True)
class InputField:
    """One value a step asks for; ``type`` is scan, number, choice, text, user or password."""

    name: str
    label: str
    type: str
    required: bool = True
    choices: tuple[str, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class Prompt:
    """The task in front of the technician: one step for one sample (a sign-off covers every sample at it)."""

    step_id: str
    kind: StepKind
    title: str
    instruction: str
    barcodes: tuple[str, ...]
    fields: tuple[InputField, ...] = ()
    wait_until: datetime | None = None
    meaning: str | None = None

    @property
    def needs_person(self) -> bool:
        return self.kind is StepKind.SIGN_OFF or any(f.required for f in self.fields)


@dataclass(frozen=True)
class Lane:
    barcode: str
    step_id: str
    outcome: str | None  #: None while running, else "completed" or "failed"


@dataclass(frozen=True)
class StepResult:
    seq: int
    step_id: str
    kind: str
    barcode: str | None
    outcome: str
    data: dict[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True)
class RunView:
    id: int
    workflow: str
    title: str
    version: int
    status: RunStatus
    lanes: tuple[Lane, ...]
    prompt: Prompt | None
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    results: tuple[StepResult, ...] = field(default=())

    @property
    def finished(self) -> bool:
        return self.status is not RunStatus.ACTIVE
