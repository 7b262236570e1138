"""Each validation rule, on a small valid graph broken one way at a time; every problem names its step."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tracseq_desktop.workflows.model import Step, StepKind, Workflow, make_step
from tracseq_desktop.workflows.serial import FormatError, from_json, to_json
from tracseq_desktop.workflows.validation import validate

EXAMPLES = Path(__file__).resolve().parents[3] / "resources" / "workflows"


def base() -> Workflow:
    """start -> measure -> qc (pass -> done, fail -> measure retry 2)."""
    steps = (
        make_step(StepKind.START, "start"),
        make_step(StepKind.INSTRUMENT, "measure", instruction="Read it.", quantity="concentration", unit="ng/uL"),
        make_step(StepKind.QC, "qc", source="measure", minimum=10),
        make_step(StepKind.END, "done"),
    )
    wf = Workflow("w", "W", steps)
    wf = wf.connect("start", "next", "measure").connect("measure", "next", "qc")
    return wf.connect("qc", "pass", "done").connect("qc", "fail", "measure", retry_limit=2)


def codes(wf: Workflow) -> list[tuple[str | None, str]]:
    return [(p.step_id, p.code) for p in validate(wf)]


def test_the_base_graph_and_the_examples_are_valid() -> None:
    assert validate(base()) == []
    for path in sorted(EXAMPLES.glob("*.json")):
        assert validate(from_json(path.read_text(encoding="utf-8"))) == [], path.name


def test_no_start_and_two_starts() -> None:
    wf = base()
    no_start = wf.without_steps(["start"])
    assert (None, "no_start") in codes(no_start)
    two = wf.with_step(make_step(StepKind.START, "start2")).connect("start2", "next", "measure")
    assert ("start2", "many_starts") in codes(two)


def test_unreachable_step_is_named() -> None:
    wf = base().with_step(make_step(StepKind.END, "orphan"))
    problems = validate(wf)
    assert [(p.step_id, p.code) for p in problems] == [("orphan", "unreachable")]
    assert "orphan" in problems[0].message


def test_every_path_must_reach_an_end() -> None:
    wf = base().disconnect("qc", "pass")
    found = validate(wf)
    assert ("qc", "unconnected_port") in [(p.step_id, p.code) for p in found]
    assert "pass" in next(p.message for p in found if p.code == "unconnected_port")


def test_dead_end_without_end_step() -> None:
    # a check-out whose output leads to a wait that leads back to the check-out: a loop, no end
    wf = (
        base()
        .with_step(make_step(StepKind.CHECK_OUT, "out", reason="x"))
        .with_step(make_step(StepKind.WAIT, "w", minutes=1))
    )
    wf = wf.connect("qc", "pass", "out").connect("out", "next", "w").connect("w", "next", "out")
    assert ("out", "cycle") in codes(wf)


def test_cycle_without_retry_is_refused_and_retry_limits_are_checked() -> None:
    wf = base()
    plain_loop = wf.connect("qc", "fail", "measure")  # same edge, no retry limit
    assert ("measure", "cycle") in codes(plain_loop)
    for limit in (0, 11):
        assert ("qc", "bad_retry_limit") in codes(wf.connect("qc", "fail", "measure", retry_limit=limit))


def test_retry_edge_must_lead_back() -> None:
    wf = base().connect("qc", "pass", "done", retry_limit=1)
    assert ("qc", "retry_forward") in codes(wf)


def test_required_and_typed_settings() -> None:
    wf = base()
    measure = wf.step("measure")
    missing = wf.with_step(Step("measure", StepKind.INSTRUMENT, "Measure", {"instruction": "x", "unit": "u"}))
    problems = validate(missing)
    assert [(p.step_id, p.code) for p in problems] == [("measure", "missing_param")]
    assert "Quantity" in problems[0].message and "measure" in problems[0].message
    aliquot = make_step(StepKind.ALIQUOT, "split", count=0, volume="lots")
    bad = wf.with_step(aliquot).connect("qc", "pass", "split").connect("split", "next", "done")
    assert sorted(c for s, c in codes(bad) if s == "split") == ["bad_param", "bad_param"]
    reversed_range = wf.with_step(measure.with_params(minimum=5, maximum=1))
    assert ("measure", "bad_range") in codes(reversed_range)
    unknown = wf.with_step(measure.with_params(colour="red"))
    assert ("measure", "unknown_param") in codes(unknown)
    wrong_choice = wf.with_step(wf.step("done").with_params(outcome="maybe"))
    assert ("done", "bad_param") in codes(wrong_choice)


def test_qc_source_must_be_an_instrument_step_with_a_range() -> None:
    wf = base()
    assert ("qc", "bad_source") in codes(wf.with_step(wf.step("qc").with_params(source="start")))
    no_range = wf.with_step(Step("qc", StepKind.QC, "QC", {"source": "measure"}))
    assert ("qc", "no_range") in codes(no_range)


def test_ids_titles_edges_and_name() -> None:
    wf = base()
    assert ("Bad Id", "bad_id") in codes(
        wf.with_step(make_step(StepKind.END, "Bad Id")).connect("qc", "pass", "Bad Id")
    )
    assert ("done", "no_title") in codes(wf.with_step(replace(wf.step("done"), title=" ")))
    dup = replace(wf, steps=(*wf.steps, make_step(StepKind.END, "done")))
    assert ("done", "duplicate_id") in codes(dup)
    assert ("qc", "unknown_step") in codes(wf.connect("qc", "pass", "nowhere"))
    assert ("measure", "unknown_port") in codes(wf.connect("measure", "maybe", "done"))
    assert ("qc", "into_start") in codes(wf.connect("qc", "pass", "start"))
    assert (None, "bad_name") in codes(replace(wf, name="Not OK"))


def test_json_round_trip_and_format_errors() -> None:
    wf = base()
    assert from_json(to_json(wf)) == wf
    with pytest.raises(FormatError) as caught:
        from_json(
            '{"format": "tracseq-workflow", "name": "x", "steps": [{"id": "a", "kind": "teleport"}, 7], "edges": {}}'
        )
    assert len(caught.value.problems) == 3
    assert "teleport" in caught.value.problems[0]
    with pytest.raises(FormatError):
        from_json("{not json")
