"""The workflow graph: steps of known kinds joined by edges from named output ports.

A graph is immutable: editors build a new one for every change (``with_step``,
``without_steps``, ``connect`` ...), which keeps undo a matter of keeping the old one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tracseq_desktop.i18n import N_, _

STEP_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_RETRY_LIMIT = 10


class StepKind(StrEnum):
    START = "start"
    SCAN_VERIFY = "scan_verify"
    STORE = "store"
    MOVE = "move"
    ALIQUOT = "aliquot"
    CHECK_OUT = "check_out"
    CHECK_IN = "check_in"
    WAIT = "wait"
    INSTRUMENT = "instrument"
    QC = "qc"
    SIGN_OFF = "sign_off"
    END = "end"

    @property
    def display_name(self) -> str:
        return _(KINDS[self].title)

    @property
    def ports(self) -> tuple[str, ...]:
        return KINDS[self].ports

    @property
    def params(self) -> tuple[ParamSpec, ...]:
        return KINDS[self].params


class ParamType(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    VOLUME = "volume"  #: "100ul", "1.5 ml"
    CHOICE = "choice"
    LOCATION = "location"  #: a box label
    STEP = "step"  #: the id of another step


@dataclass(frozen=True)
class ParamSpec:
    """One typed setting of a step kind, as the property editor shows it."""

    name: str
    label: str  #: N_-marked
    type: ParamType = ParamType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""  #: N_-marked


@dataclass(frozen=True)
class KindInfo:
    title: str  #: N_-marked
    ports: tuple[str, ...]
    params: tuple[ParamSpec, ...] = ()
    description: str = ""  #: N_-marked


SIGNATURE_MEANINGS = ("performed", "reviewed", "approved", "verified")
END_OUTCOMES = ("completed", "failed")
PORT_TITLES = {"next": N_("next"), "pass": N_("pass"), "fail": N_("fail")}
MEANING_TITLES = {
    "performed": N_("performed"),
    "reviewed": N_("reviewed"),
    "approved": N_("approved"),
    "verified": N_("verified"),
}

_NEXT = ("next",)
_BOX = ParamSpec(
    "box", N_("Box"), ParamType.LOCATION, help=N_("Leave empty to have the technician scan the box at the bench.")
)
KINDS: dict[StepKind, KindInfo] = {
    StepKind.START: KindInfo(N_("Start"), _NEXT, description=N_("Where every run begins.")),
    StepKind.SCAN_VERIFY: KindInfo(
        N_("Scan and verify"),
        _NEXT,
        (ParamSpec("prompt", N_("Prompt"), help=N_("What the technician is asked to scan.")),),
        N_("The technician scans the tube; the code must be the run's sample."),
    ),
    StepKind.STORE: KindInfo(N_("Store in box"), _NEXT, (_BOX,), N_("Puts a sample that has no place yet into a box.")),
    StepKind.MOVE: KindInfo(
        N_("Move"),
        _NEXT,
        (_BOX, ParamSpec("reason", N_("Reason"), required=True)),
        N_("Moves the sample to another box."),
    ),
    StepKind.ALIQUOT: KindInfo(
        N_("Aliquot"),
        _NEXT,
        (
            ParamSpec("count", N_("Number of aliquots"), ParamType.INT, required=True, minimum=1, maximum=1000),
            ParamSpec("volume", N_("Volume of each"), ParamType.VOLUME, required=True),
            _BOX,
        ),
        N_("Splits aliquots off the sample into a box."),
    ),
    StepKind.CHECK_OUT: KindInfo(
        N_("Check out"),
        _NEXT,
        (ParamSpec("reason", N_("Reason"), required=True),),
        N_("Takes the sample out; its place stays reserved."),
    ),
    StepKind.CHECK_IN: KindInfo(
        N_("Check in"), _NEXT, (_BOX,), N_("Returns the sample to its reserved place or to a box.")
    ),
    StepKind.WAIT: KindInfo(
        N_("Wait"),
        _NEXT,
        (
            ParamSpec("minutes", N_("Minutes"), ParamType.NUMBER, required=True, minimum=0.01, maximum=10_080),
            ParamSpec("instruction", N_("Instruction")),
        ),
        N_("A timer, e.g. thaw for 30 minutes."),
    ),
    StepKind.INSTRUMENT: KindInfo(
        N_("Instrument reading"),
        _NEXT,
        (
            ParamSpec("instruction", N_("Instruction"), required=True),
            ParamSpec("quantity", N_("Quantity"), required=True, help=N_("What is measured, e.g. concentration.")),
            ParamSpec("unit", N_("Unit"), required=True),
            ParamSpec("minimum", N_("Lowest possible value"), ParamType.NUMBER),
            ParamSpec("maximum", N_("Highest possible value"), ParamType.NUMBER),
        ),
        N_("The technician reads a value off an instrument."),
    ),
    StepKind.QC: KindInfo(
        N_("QC decision"),
        ("pass", "fail"),
        (
            ParamSpec(
                "source",
                N_("Reading to judge"),
                ParamType.STEP,
                help=N_("An instrument step; leave empty for a decision by the technician."),
            ),
            ParamSpec("minimum", N_("Lowest passing value"), ParamType.NUMBER),
            ParamSpec("maximum", N_("Highest passing value"), ParamType.NUMBER),
            ParamSpec("instruction", N_("Instruction")),
        ),
        N_("Passes or fails the sample, by a reading's range or by a person's decision."),
    ),
    StepKind.SIGN_OFF: KindInfo(
        N_("Sign-off"),
        _NEXT,
        (
            ParamSpec("meaning", N_("Meaning"), ParamType.CHOICE, required=True, choices=SIGNATURE_MEANINGS),
            ParamSpec("statement", N_("Statement"), help=N_("What the signer confirms.")),
        ),
        N_("An electronic signature: the signer re-enters their password."),
    ),
    StepKind.END: KindInfo(
        N_("End"),
        (),
        (ParamSpec("outcome", N_("Outcome"), ParamType.CHOICE, required=True, choices=END_OUTCOMES),),
        N_("Where the run ends for the sample."),
    ),
}


def port_title(port: str) -> str:
    return _(PORT_TITLES[port]) if port in PORT_TITLES else port


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    title: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    x: float = 0.0
    y: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.params, MappingProxyType):
            object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "x", float(self.x))
        object.__setattr__(self, "y", float(self.y))

    def param(self, name: str, default: Any = None) -> Any:
        value = self.params.get(name)
        return default if value is None or value == "" else value

    def with_params(self, **changes: Any) -> Step:
        merged = {**self.params, **changes}
        return replace(self, params={k: v for k, v in merged.items() if v is not None and v != ""})

    def __hash__(self) -> int:
        return hash((self.id, self.kind, self.title, tuple(sorted(self.params.items(), key=str)), self.x, self.y))


@dataclass(frozen=True)
class Edge:
    """From ``source``'s output ``port`` to ``target``; a retry edge leads back, at most ``retry_limit`` times."""

    source: str
    port: str
    target: str
    retry_limit: int | None = None

    @property
    def is_retry(self) -> bool:
        return self.retry_limit is not None

    @property
    def key(self) -> str:
        return f"{self.source}.{self.port}"


@dataclass(frozen=True)
class Workflow:
    name: str
    title: str
    steps: tuple[Step, ...] = ()
    edges: tuple[Edge, ...] = ()
    description: str = ""

    # -- lookups -------------------------------------------------------------------
    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def has_step(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.steps)

    def edge_from(self, step_id: str, port: str) -> Edge | None:
        for edge in self.edges:
            if edge.source == step_id and edge.port == port:
                return edge
        return None

    def edges_of(self, step_id: str) -> list[Edge]:
        return [e for e in self.edges if step_id in (e.source, e.target)]

    def starts(self) -> list[Step]:
        return [s for s in self.steps if s.kind is StepKind.START]

    def new_step_id(self, kind: StepKind) -> str:
        taken = {s.id for s in self.steps}
        n = 1
        while f"{kind.value}-{n}" in taken:
            n += 1
        return f"{kind.value}-{n}"

    # -- edits (each returns a new graph) --------------------------------------------
    def with_step(self, step: Step) -> Workflow:
        """Add ``step``, or replace the step with its id."""
        if self.has_step(step.id):
            return replace(self, steps=tuple(step if s.id == step.id else s for s in self.steps))
        return replace(self, steps=(*self.steps, step))

    def without_steps(self, ids: Iterable[str]) -> Workflow:
        gone = set(ids)
        return replace(
            self,
            steps=tuple(s for s in self.steps if s.id not in gone),
            edges=tuple(e for e in self.edges if e.source not in gone and e.target not in gone),
        )

    def connect(self, source: str, port: str, target: str, retry_limit: int | None = None) -> Workflow:
        """Join ``source.port`` to ``target``; a port leads to one step, so an older edge from it goes."""
        kept = tuple(e for e in self.edges if not (e.source == source and e.port == port))
        return replace(self, edges=(*kept, Edge(source, port, target, retry_limit)))

    def disconnect(self, source: str, port: str) -> Workflow:
        return replace(self, edges=tuple(e for e in self.edges if not (e.source == source and e.port == port)))

    def moved(self, positions: Mapping[str, tuple[float, float]]) -> Workflow:
        return replace(
            self,
            steps=tuple(
                replace(s, x=positions[s.id][0], y=positions[s.id][1]) if s.id in positions else s for s in self.steps
            ),
        )

    def renamed_step(self, old: str, new: str) -> Workflow:
        """Give a step a new id, following it in edges and in QC ``source`` references."""

        def fix(step: Step) -> Step:
            if step.id == old:
                step = replace(step, id=new)
            if step.params.get("source") == old:
                step = step.with_params(source=new)
            return step

        return replace(
            self,
            steps=tuple(fix(s) for s in self.steps),
            edges=tuple(
                replace(e, source=new if e.source == old else e.source, target=new if e.target == old else e.target)
                for e in self.edges
            ),
        )


def make_step(kind: StepKind, step_id: str, x: float = 0.0, y: float = 0.0, **params: Any) -> Step:
    """A step with its kind's title and the given settings (defaults for end and sign-off)."""
    if kind is StepKind.END:
        params.setdefault("outcome", "completed")
    if kind is StepKind.SIGN_OFF:
        params.setdefault("meaning", "reviewed")
    return Step(step_id, kind, _(KINDS[kind].title), params, x, y)
