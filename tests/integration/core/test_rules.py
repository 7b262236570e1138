"""Every inventory rule, broken through the services: a clear domain error, nothing changed."""

from __future__ import annotations

import pytest

from tracseq_desktop.domain.enums import SampleStatus
from tracseq_desktop.domain.errors import (
    AlreadyExists,
    BoxFull,
    InvalidHierarchy,
    InvalidInput,
    InvalidPosition,
    InvalidState,
    NotFound,
    PositionOccupied,
    TemperatureMismatch,
    VolumeExceeded,
)
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services


def test_one_sample_per_position(services: Services) -> None:
    with pytest.raises(PositionOccupied, match="A1 in BOX-A is taken by TS-001"):
        services.samples.store("TS-003", "BOX-A", "A1", override_reason="DNA test")
    assert services.queries.get("TS-003").box_label is None


def test_position_must_exist_in_the_geometry(services: Services) -> None:
    with pytest.raises(InvalidPosition, match="J1 does not exist in a 9 x 9 box"):
        services.samples.move("TS-001", "BOX-A", "J1")
    assert services.queries.get("TS-001").where == "BOX-A:A1"


def test_final_samples_cannot_move_or_check_out(services: Services) -> None:
    services.samples.discard("TS-002", reason="haemolysed")
    with pytest.raises(InvalidState, match="discarded"):
        services.samples.move("TS-002", "BOX-A", "C3")
    with pytest.raises(InvalidState, match="discarded"):
        services.samples.check_out("TS-002", reason="assay")
    services.samples.consume("TS-001", "1.5ml")
    assert services.queries.get("TS-001").status is SampleStatus.CONSUMED
    with pytest.raises(InvalidState, match="consumed"):
        services.samples.move("TS-001", "BOX-A", "C3")


def test_temperature_class_must_match_unless_overridden(services: Services) -> None:
    with pytest.raises(TemperatureMismatch, match="override"):
        services.samples.move("TS-001", "BOX-F", "B1")
    assert services.queries.get("TS-001").where == "BOX-A:A1"
    moved = services.samples.move("TS-001", "BOX-F", "B1", override_reason="short-term for thawing")
    assert moved.where == "BOX-F:B1"
    entry = services.queries.history("TS-001")[-1]
    assert entry.reason is not None and "short-term for thawing" in entry.reason


def test_plasma_may_go_to_any_of_its_classes(services: Services) -> None:
    assert services.samples.move("TS-001", "BOX-L", "A1").where == "BOX-L:A1"


def test_a_box_cannot_move_into_itself_or_below_itself(services: Services) -> None:
    with pytest.raises(InvalidHierarchy, match="into itself"):
        services.locations.move("BOX-A", "BOX-A")
    with pytest.raises(InvalidHierarchy, match="inside it"):
        services.locations.move("FRZ-80", "RACK-1")
    with pytest.raises(InvalidHierarchy):
        services.locations.move("BOX-A", "BOX-B")


def test_moving_a_box_checks_the_temperature_of_what_it_holds(services: Services) -> None:
    with pytest.raises(TemperatureMismatch):
        services.locations.move("BOX-A", "SHELF-1")
    moved = services.locations.move("BOX-A", "RACK-L")
    assert moved.path == ("SITE-1", "ROOM-1", "DEWAR-1", "RACK-L", "BOX-A")
    assert services.queries.get("TS-001").location_path[-3:] == ("DEWAR-1", "RACK-L", "BOX-A")
    assert [s.barcode for s in services.queries.search("dewar-1")] == ["TS-001", "TS-002"]


def test_aliquots_cannot_exceed_the_parent(services: Services) -> None:
    with pytest.raises(VolumeExceeded, match=r"more than the 1\.5 mL"):
        services.samples.aliquot("TS-001", count=4, volume="0.5ml", box="BOX-B")
    parent = services.queries.get("TS-001")
    assert parent.volume_nl == 1_500_000
    assert services.queries.box("BOX-B").occupied == 0
    children = services.samples.aliquot("TS-001", count=3, volume="0.5ml", box="BOX-B")
    assert [c.barcode for c in children] == ["TS-001-01", "TS-001-02", "TS-001-03"]
    assert [c.where for c in children] == ["BOX-B:A1", "BOX-B:A2", "BOX-B:A3"]
    assert services.queries.get("TS-001").status is SampleStatus.CONSUMED
    ancestors, kids = services.queries.lineage("TS-001-02")
    assert [a.barcode for a in ancestors] == ["TS-001"]
    assert kids == []


def test_checkout_keeps_the_position_reserved(services: Services) -> None:
    services.samples.check_out("TS-001", reason="ELISA")
    with pytest.raises(PositionOccupied, match="reserved for TS-001"):
        services.samples.move("TS-002", "BOX-A", "A1")
    back = services.samples.check_in("TS-001")
    assert back.where == "BOX-A:A1"
    assert back.status is SampleStatus.AVAILABLE
    assert back.freeze_thaw_count == 1


def test_check_in_elsewhere_frees_the_reserved_position(services: Services) -> None:
    services.samples.check_out("TS-001", reason="ELISA")
    back = services.samples.check_in("TS-001", box="BOX-A", position="I9")
    assert back.where == "BOX-A:I9"
    services.samples.move("TS-002", "BOX-A", "A1")


def test_bad_input_gets_a_domain_error(services: Services) -> None:
    with pytest.raises(AlreadyExists):
        services.samples.register(SampleDraft("ts-001", "plasma"))
    with pytest.raises(NotFound, match="Unknown sample type"):
        services.samples.register(SampleDraft("TS-100", "unobtainium"))
    with pytest.raises(NotFound):
        services.samples.move("TS-999", "BOX-A", "B1")
    with pytest.raises(InvalidInput, match="reason"):
        services.samples.discard("TS-001", reason="  ")
    with pytest.raises(InvalidInput):
        services.samples.register(SampleDraft("TS-101", "plasma", volume="lots"))
    with pytest.raises(InvalidInput):
        services.samples.edit("TS-001", {"barcode": "X"})


def test_gridless_containers_respect_capacity(services: Services) -> None:
    services.samples.register_many([SampleDraft(f"BAGGED-{i}", "plasma", volume="1ml", box="BAG-1") for i in range(5)])
    with pytest.raises(BoxFull):
        services.samples.register(SampleDraft("BAGGED-6", "plasma", box="BAG-1"))
    with pytest.raises(InvalidInput):
        services.samples.move("TS-001", "BAG-1", "A1")


def test_locations_follow_the_hierarchy(services: Services) -> None:
    with pytest.raises(InvalidHierarchy):
        services.locations.create("box", "BOX-X", parent="ROOM-1", geometry="9x9")
    with pytest.raises(InvalidHierarchy):
        services.locations.create("room", "ROOM-X")
    with pytest.raises(AlreadyExists):
        services.locations.create("rack", "rack-1", parent="FRZ-80")
    with pytest.raises(InvalidState, match="holds 2 samples"):
        services.locations.retire("BOX-A", reason="cracked")
    retired = services.locations.retire("BOX-B", reason="cracked lid")
    assert retired.retired
    with pytest.raises(InvalidState, match="retired"):
        services.samples.move("TS-001", "BOX-B", "A1")


def test_rename_keeps_search_in_step(services: Services) -> None:
    services.locations.rename("FRZ-80", new_name="Lotte")
    assert {s.barcode for s in services.queries.search("lotte")} == {"TS-001", "TS-002"}
    services.locations.rename("BOX-A", new_label="BOX-Z")
    assert services.queries.get("TS-001").where == "BOX-Z:A1"


def test_swaps_inside_one_bulk_move(services: Services) -> None:
    moved = services.samples.move_many([("TS-001", "BOX-A", "A2"), ("TS-002", "BOX-A", "A1")], reason="swap")
    assert [m.where for m in moved] == ["BOX-A:A2", "BOX-A:A1"]


def test_unstore_takes_a_sample_out_and_frees_its_place(services: Services) -> None:
    out = services.samples.unstore("TS-001", reason="stored in the wrong box")
    assert out.box_label is None and out.status is SampleStatus.AVAILABLE
    entry = services.queries.history("TS-001")[-1]
    assert entry.action == "unstore"
    assert entry.before == {"box": "BOX-A", "position": "A1", "version": 1}
    assert entry.reason == "stored in the wrong box"
    services.samples.store("TS-003", "BOX-A", "A1", override_reason="DNA at -80 for a day")
    with pytest.raises(InvalidState, match="not stored"):
        services.samples.unstore("TS-001", reason="again")
    services.samples.check_out("TS-002", reason="assay")
    with pytest.raises(InvalidState, match="only an available sample"):
        services.samples.unstore("TS-002", reason="x")
    with pytest.raises(InvalidInput, match="reason"):
        services.samples.unstore("TS-004", reason=" ")
