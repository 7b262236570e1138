"""The rules a workflow must keep before it can be published or run; every problem names its step.

Rules: one start; step ids well formed and unique; every output port leads somewhere
and edges join known steps and ports; every step reachable from the start; every
path reaches an end; no loops except retry edges that lead back with a limit of 1 to
``MAX_RETRY_LIMIT``; each kind's required settings present and well typed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.domain.quantities import parse_volume
from tracseq_desktop.i18n import _
from tracseq_desktop.workflows.model import (
    MAX_RETRY_LIMIT,
    NAME,
    STEP_ID,
    Edge,
    ParamSpec,
    ParamType,
    Step,
    StepKind,
    Workflow,
    port_title,
)


@dataclass(frozen=True)
class Problem:
    step_id: str | None  #: None for a problem of the whole workflow
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step_id, "code": self.code, "message": self.message}


class WorkflowInvalid(DomainError):
    code = "workflow_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("The workflow is not valid: {first}").format(first=problems[0].message if problems else ""))
        self.problems = problems


def step_name(step: Step) -> str:
    """How a message names a step: its title and id."""
    return _("step \u201c{title}\u201d ({id})").format(title=step.title or step.kind.display_name, id=step.id)


class _Checker:
    def __init__(self, workflow: Workflow) -> None:
        self.wf = workflow
        self.problems: list[Problem] = []
        self.by_id: dict[str, Step] = {}

    def add(self, step: Step | None, code: str, message: str) -> None:
        if step is not None:
            message = _("In {step}: {problem}").format(step=step_name(step), problem=message)
        self.problems.append(Problem(step.id if step else None, code, message))

    def run(self) -> list[Problem]:
        wf = self.wf
        if not NAME.match(wf.name):
            self.add(
                None,
                "bad_name",
                _("The workflow name {name!r} must be lower-case letters, digits, - or _.").format(name=wf.name),
            )
        self._ids()
        self._starts()
        self._edges()
        for step in wf.steps:
            self._params(step)
        self._graph()
        return self.problems

    def _ids(self) -> None:
        for step in self.wf.steps:
            if not STEP_ID.match(step.id):
                self.add(step, "bad_id", _("the id must be 1 to 40 lower-case letters, digits, - or _."))
            if step.id in self.by_id:
                self.add(step, "duplicate_id", _("another step has the same id."))
                continue
            self.by_id[step.id] = step
            if not step.title.strip():
                self.add(step, "no_title", _("the step needs a title."))

    def _starts(self) -> None:
        starts = self.wf.starts()
        if not starts:
            self.add(None, "no_start", _("The workflow has no start step."))
        for extra in starts[1:]:
            self.add(extra, "many_starts", _("a workflow has exactly one start; remove this one."))

    def _edges(self) -> None:
        seen: set[tuple[str, str]] = set()
        for edge in self.wf.edges:
            source = self.by_id.get(edge.source)
            if source is None:
                self.add(None, "unknown_step", _("An edge starts at the unknown step {id!r}.").format(id=edge.source))
                continue
            if edge.port not in source.kind.ports:
                self.add(source, "unknown_port", _("it has no output {port!r}.").format(port=edge.port))
            if (edge.source, edge.port) in seen:
                self.add(source, "port_twice", _("its output {port!r} leads to two steps.").format(port=edge.port))
            seen.add((edge.source, edge.port))
            target = self.by_id.get(edge.target)
            if target is None:
                self.add(source, "unknown_step", _("an edge leads to the unknown step {id!r}.").format(id=edge.target))
            elif target.kind is StepKind.START:
                self.add(source, "into_start", _("nothing may lead back into the start."))
            if edge.is_retry and not (edge.retry_limit is not None and 1 <= edge.retry_limit <= MAX_RETRY_LIMIT):
                self.add(
                    source,
                    "bad_retry_limit",
                    _("the retry limit must be between 1 and {most}.").format(most=MAX_RETRY_LIMIT),
                )
        for step in self.by_id.values():
            for port in step.kind.ports:
                if (step.id, port) not in seen:
                    self.add(
                        step,
                        "unconnected_port",
                        _("its output \u201c{port}\u201d leads nowhere; every path must reach an end.").format(
                            port=port_title(port)
                        ),
                    )

    def _params(self, step: Step) -> None:
        for spec in step.kind.params:
            value = step.params.get(spec.name)
            if value is None or value == "":
                if spec.required:
                    self.add(
                        step,
                        "missing_param",
                        _("the setting \u201c{name}\u201d is required.").format(name=_(spec.label)),
                    )
                continue
            message = self._check_value(spec, value)
            if message:
                self.add(
                    step, "bad_param", _("\u201c{name}\u201d: {problem}").format(name=_(spec.label), problem=message)
                )
        known = {spec.name for spec in step.kind.params}
        for name in step.params:
            if name not in known:
                self.add(
                    step,
                    "unknown_param",
                    _("{kind} steps have no setting {name!r}.").format(kind=step.kind.display_name, name=name),
                )
        if step.kind in (StepKind.QC, StepKind.INSTRUMENT):
            low: Any = step.params.get("minimum")
            high: Any = step.params.get("maximum")
            if _is_number(low) and _is_number(high) and float(low) > float(high):
                self.add(step, "bad_range", _("the lowest value is above the highest."))
        if step.kind is StepKind.QC:
            self._qc(step)

    def _qc(self, step: Step) -> None:
        source = step.params.get("source")
        if not source:
            return
        target = self.by_id.get(str(source))
        if target is None or target.kind is not StepKind.INSTRUMENT:
            self.add(step, "bad_source", _("the reading to judge must be an instrument step of this workflow."))
        if step.params.get("minimum") in (None, "") and step.params.get("maximum") in (None, ""):
            self.add(step, "no_range", _("a decision by a reading needs a lowest or highest passing value."))

    def _check_value(self, spec: ParamSpec, value: Any) -> str | None:
        if spec.type in (ParamType.INT, ParamType.NUMBER):
            return _check_number(spec, value)
        if not isinstance(value, str):
            return _("must be text.")
        if spec.type is ParamType.CHOICE and value not in spec.choices:
            return _("must be one of {choices}.").format(choices=", ".join(spec.choices))
        if spec.type is ParamType.VOLUME:
            try:
                if parse_volume(value) <= 0:
                    return _("must be more than zero.")
            except DomainError as error:
                return str(error)
        return None

    # -- graph rules --------------------------------------------------------------------
    def _graph(self) -> None:
        forward: dict[str, list[str]] = defaultdict(list)
        every: dict[str, list[str]] = defaultdict(list)
        retries = []
        for edge in self.wf.edges:
            if edge.source not in self.by_id or edge.target not in self.by_id:
                continue
            every[edge.source].append(edge.target)
            if edge.is_retry:
                retries.append(edge)
            else:
                forward[edge.source].append(edge.target)
        starts = self.wf.starts()
        if starts:
            reached = _reach([starts[0].id], every)
            for step in self.by_id.values():
                if step.id not in reached and step.kind is not StepKind.START:
                    self.add(step, "unreachable", _("no path from the start leads here."))
        in_cycle = self._cycles(forward)
        self._retries(retries, forward)
        self._ends(forward, in_cycle)

    def _retries(self, retries: list[Edge], forward: dict[str, list[str]]) -> None:
        for edge in retries:
            if edge.source not in _reach([edge.target], forward):
                self.add(
                    self.by_id[edge.source],
                    "retry_forward",
                    _("the retry edge from \u201c{port}\u201d must lead back to an earlier step.").format(
                        port=port_title(edge.port)
                    ),
                )

    def _ends(self, forward: dict[str, list[str]], in_cycle: set[str]) -> None:
        backward: dict[str, list[str]] = defaultdict(list)
        for source, targets in forward.items():
            for target in targets:
                backward[target].append(source)
        ends = [s.id for s in self.by_id.values() if s.kind is StepKind.END]
        finishing = _reach(ends, backward)
        connected = {(e.source, e.port) for e in self.wf.edges}
        for step in self.by_id.values():
            complete = all((step.id, port) in connected for port in step.kind.ports)
            if step.id not in finishing and complete and step.id not in in_cycle:
                self.add(step, "no_end", _("no path from here reaches an end step."))

    def _cycles(self, forward: dict[str, list[str]]) -> set[str]:
        """Report each loop of ordinary edges once, at its first step; return the steps in loops."""
        white, grey, black = 0, 1, 2
        colour = dict.fromkeys(self.by_id, white)
        in_cycle: set[str] = set()
        for root in self.by_id:
            if colour[root] != white:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            path: list[str] = [root]
            colour[root] = grey
            while stack:
                node, index = stack[-1]
                targets = forward.get(node, [])
                if index < len(targets):
                    stack[-1] = (node, index + 1)
                    nxt = targets[index]
                    if colour[nxt] == white:
                        colour[nxt] = grey
                        stack.append((nxt, 0))
                        path.append(nxt)
                    elif colour[nxt] == grey:
                        loop = path[path.index(nxt) :]
                        if not in_cycle.intersection(loop):
                            self.add(
                                self.by_id[nxt],
                                "cycle",
                                _("it is part of a loop ({loop}); mark the edge back as a retry with a limit.").format(
                                    loop=" \u2192 ".join([*loop, nxt])
                                ),
                            )
                        in_cycle.update(loop)
                else:
                    colour[node] = black
                    stack.pop()
                    path.pop()
        return in_cycle


def _check_number(spec: ParamSpec, value: Any) -> str | None:
    if spec.type is ParamType.INT and (not isinstance(value, int) or isinstance(value, bool)):
        return _("must be a whole number.")
    if not _is_number(value):
        return _("must be a number.")
    number = float(value)
    if spec.minimum is not None and number < spec.minimum:
        return _("must be at least {minimum}.").format(minimum=_plain(spec.minimum))
    if spec.maximum is not None and number > spec.maximum:
        return _("must be at most {maximum}.").format(maximum=_plain(spec.maximum))
    return None


def _reach(roots: list[str], graph: dict[str, list[str]]) -> set[str]:
    seen = set(roots)
    todo = list(roots)
    while todo:
        for nxt in graph.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def validate(workflow: Workflow) -> list[Problem]:
    """Every problem found, in a stable order; an empty list means the workflow may be published."""
    return _Checker(workflow).run()


def check(workflow: Workflow) -> None:
    problems = validate(workflow)
    if problems:
        raise WorkflowInvalid(problems)
