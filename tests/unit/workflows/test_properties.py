"""Property: any graph built by designer-style edits either validates or is rejected with reasons, and round-trips."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracseq_desktop.workflows.model import StepKind, Workflow, make_step
from tracseq_desktop.workflows.serial import from_json, to_json
from tracseq_desktop.workflows.validation import validate

KINDS = list(StepKind)
# Designer edits: add a step of a kind, connect two steps' ports (maybe as a retry), delete, set a setting.
edit = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KINDS)),
    st.tuples(
        st.just("connect"),
        st.integers(0, 20),
        st.integers(0, 2),
        st.integers(0, 20),
        st.sampled_from([None, 1, 3, 0, 12]),
    ),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(
        st.just("set"),
        st.integers(0, 20),
        st.text(max_size=6),
        st.one_of(st.none(), st.integers(-5, 50), st.text(max_size=5)),
    ),
)


def build(edits: list[tuple[object, ...]]) -> Workflow:
    wf = Workflow("prop", "Property", (make_step(StepKind.START, "start"),))
    for item in edits:
        steps = wf.steps
        if item[0] == "add":
            kind = item[1]
            assert isinstance(kind, StepKind)
            wf = wf.with_step(make_step(kind, wf.new_step_id(kind), float(len(steps) * 50), 0.0))
        elif item[0] == "connect" and steps:
            _op, a, port_index, b, limit = item
            source, target = steps[int(a) % len(steps)], steps[int(b) % len(steps)]  # type: ignore[call-overload]
            ports = source.kind.ports
            if ports:
                wf = wf.connect(source.id, ports[int(port_index) % len(ports)], target.id, limit)  # type: ignore[call-overload, arg-type]
        elif item[0] == "delete" and steps:
            wf = wf.without_steps([steps[int(item[1]) % len(steps)].id])  # type: ignore[call-overload]
        elif item[0] == "set" and steps:
            step = steps[int(item[1]) % len(steps)]  # type: ignore[call-overload]
            names = [p.name for p in step.kind.params] or ["extra"]
            wf = wf.with_step(step.with_params(**{names[len(str(item[2])) % len(names)]: item[3]}))
    return wf


@settings(max_examples=150, deadline=None)
@given(st.lists(edit, max_size=25))
def test_every_saved_graph_validates_or_is_rejected_with_reasons(edits: list[tuple[object, ...]]) -> None:
    wf = build(edits)
    problems = validate(wf)
    ids = {s.id for s in wf.steps}
    for problem in problems:
        assert problem.message.strip()
        assert problem.step_id is None or problem.step_id in ids
        if problem.step_id is not None:
            assert problem.step_id in problem.message
    if not problems:  # a valid graph has a start, and every step reachable
        assert len(wf.starts()) == 1
    again = from_json(to_json(wf))
    assert again == wf
    assert [p.code for p in validate(again)] == [p.code for p in problems]
