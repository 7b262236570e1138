"""The JSON form of a workflow: what ships in ``resources/workflows`` and what import and export read and write.

::

    {"format": "tracseq-workflow", "format_version": 1,
     "name": "sample-receipt", "title": "...", "description": "...",
     "steps": [{"id": "start", "kind": "start", "title": "Start", "params": {}, "position": [0, 0]}, ...],
     "edges": [{"from": "start", "port": "next", "to": "scan"},
               {"from": "qc", "port": "fail", "to": "measure", "retry_limit": 2}, ...]}

Reading reports every structural problem it finds at once (``FormatError.problems``);
the graph rules (reachability, cycles, required settings) are ``validation``'s job.
"""

from __future__ import annotations

import json
from typing import Any

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.workflows.model import Edge, Step, StepKind, Workflow

FORMAT = "tracseq-workflow"
FORMAT_VERSION = 1


class FormatError(DomainError):
    """The file is not a workflow this version can read; ``problems`` lists why."""

    code = "workflow_format"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            ngettext(
                "The workflow file has {count} problem: {first}",
                "The workflow file has {count} problems; the first: {first}",
                len(problems),
            ).format(count=len(problems), first=problems[0] if problems else "")
        )
        self.problems = problems


def to_dict(workflow: Workflow) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": workflow.name,
        "title": workflow.title,
        "description": workflow.description,
        "steps": [
            {
                "id": s.id,
                "kind": s.kind.value,
                "title": s.title,
                "params": dict(s.params),
                "position": [_number(s.x), _number(s.y)],
            }
            for s in workflow.steps
        ],
        "edges": [
            {"from": e.source, "port": e.port, "to": e.target, **({"retry_limit": e.retry_limit} if e.is_retry else {})}
            for e in workflow.edges
        ],
    }


def _number(value: float) -> float | int:
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def to_json(workflow: Workflow) -> str:
    return json.dumps(to_dict(workflow), ensure_ascii=False, indent=2) + "\n"


def _text(data: dict[str, Any], key: str, where: str, problems: list[str], *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        problems.append(_('{where}: "{key}" must be text.').format(where=where, key=key))
        return ""
    return value


def from_dict(data: Any) -> Workflow:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise FormatError([_("A workflow file holds one JSON object.")])
    if data.get("format", FORMAT) != FORMAT:
        problems.append(_("This is not a TracSeq workflow (format {format!r}).").format(format=data.get("format")))
    version = data.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        problems.append(
            _("Format version {version} is newer than this TracSeq reads ({known}).").format(
                version=version, known=FORMAT_VERSION
            )
        )
    name = _text(data, "name", _("workflow"), problems)
    title = _text(data, "title", _("workflow"), problems, required=False) or name
    description = _text(data, "description", _("workflow"), problems, required=False)
    steps = [_step(raw, index, problems) for index, raw in enumerate(_list(data, "steps", problems))]
    edges = [_edge(raw, index, problems) for index, raw in enumerate(_list(data, "edges", problems))]
    if problems:
        raise FormatError(problems)
    return Workflow(
        name=name,
        title=title,
        description=description,
        steps=tuple(s for s in steps if s is not None),
        edges=tuple(e for e in edges if e is not None),
    )


def _list(data: dict[str, Any], key: str, problems: list[str]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(_('"{key}" must be a list.').format(key=key))
        return []
    return value


def _step(raw: Any, index: int, problems: list[str]) -> Step | None:
    where = _("step {number}").format(number=index + 1)
    if not isinstance(raw, dict):
        problems.append(_("{where} is not an object.").format(where=where))
        return None
    step_id = _text(raw, "id", where, problems)
    if step_id:
        where = _("step {id}").format(id=step_id)
    kind_text = _text(raw, "kind", where, problems)
    try:
        kind = StepKind(kind_text)
    except ValueError:
        if kind_text:
            problems.append(_("{where}: unknown kind {kind!r}.").format(where=where, kind=kind_text))
        return None
    title = _text(raw, "title", where, problems, required=False)
    params = raw.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        problems.append(_('{where}: "params" must be an object.').format(where=where))
        params = {}
    position = raw.get("position", [0, 0])
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
    ):
        problems.append(_('{where}: "position" must be two numbers.').format(where=where))
        position = [0, 0]
    return Step(step_id, kind, title, params, float(position[0]), float(position[1]))


def _edge(raw: Any, index: int, problems: list[str]) -> Edge | None:
    where = _("edge {number}").format(number=index + 1)
    if not isinstance(raw, dict):
        problems.append(_("{where} is not an object.").format(where=where))
        return None
    source = _text(raw, "from", where, problems)
    port = _text(raw, "port", where, problems, required=False) or "next"
    target = _text(raw, "to", where, problems)
    limit = raw.get("retry_limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        problems.append(_('{where}: "retry_limit" must be a whole number.').format(where=where))
        limit = None
    return Edge(source, port, target, limit)


def from_json(text: str) -> Workflow:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            [_("Not valid JSON: {error} (line {line}).").format(error=error.msg, line=error.lineno)]
        ) from None
    return from_dict(data)
