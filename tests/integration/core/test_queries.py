"""Queries the window relies on: fill levels kept current, ancestors, cancellable searches."""

from __future__ import annotations

import pytest

from tracseq_desktop.domain.errors import Cancelled
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services


def _fill(services: Services, label: str) -> tuple[int, int]:
    location = services.queries.location(label)
    return services.queries.fill_levels()[location.id]


def test_fill_levels_follow_every_kind_of_change(services: Services) -> None:
    assert _fill(services, "BOX-A") == (2, 81)
    assert _fill(services, "FRZ-80") == (2, 81 + 96 + 5)
    services.samples.move("TS-001", "BOX-B", "A1")
    assert _fill(services, "BOX-A") == (1, 81)
    assert _fill(services, "BOX-B") == (1, 96)
    assert _fill(services, "FRZ-80") == (2, 182)
    services.samples.discard("TS-002", reason="cracked")
    assert _fill(services, "BOX-A") == (0, 81)
    services.samples.register(SampleDraft("N-1", "cells", box="BOX-L"))
    assert _fill(services, "DEWAR-1") == (1, 100)
    services.locations.move("BOX-B", "RACK-L")  # a structural change: the whole tree is recounted
    assert _fill(services, "DEWAR-1") == (2, 196)
    assert _fill(services, "FRZ-80") == (0, 86)
    services.locations.create("box", "BOX-NEW", parent="RACK-1", geometry="10x10")
    assert _fill(services, "FRZ-80") == (0, 186)


def test_incremental_fill_equals_a_fresh_count(services: Services, db_path: object) -> None:
    services.queries.fill_levels()
    services.samples.move_many([("TS-001", "BOX-B", "B2"), ("TS-002", "BOX-L", "A1")], override_reason="test")
    services.samples.check_out("TS-004", reason="assay")
    services.samples.aliquot("TS-001", count=2, volume="0.2ml", box="BOX-A")
    incremental = services.queries.fill_levels()
    from tracseq_desktop.services.queries import QueryService

    fresh = QueryService(services.db).fill_levels()
    assert incremental == fresh


def test_location_ancestors_root_first(services: Services) -> None:
    box = services.queries.location("BOX-F")
    assert [loc.label for loc in services.queries.location_ancestors(box.id)] == [
        "SITE-1",
        "ROOM-1",
        "FRIDGE-4",
        "SHELF-1",
        "BOX-F",
    ]


def test_search_ids_can_be_cancelled(services: Services) -> None:
    services.samples.register_many([SampleDraft(f"BULK-{i:04d}", "plasma") for i in range(3000)])
    assert len(services.queries.search_ids("bulk", sort="barcode")) == 3000
    with pytest.raises(Cancelled):
        services.queries.search_ids("", sort="project", should_cancel=lambda: True)
    # the connection works normally afterwards
    assert len(services.queries.search_ids("bulk")) == 3000


def test_change_events_name_the_actions(services: Services) -> None:
    seen = []
    services.db.add_listener(seen.append)
    services.samples.register(SampleDraft("EV-1", "plasma", box="BOX-A"))
    services.samples.move("EV-1", "BOX-B", "A1")
    assert [c.actions for c in seen] == [frozenset({"register"}), frozenset({"move"})]
    assert all(c.samples and c.locations for c in seen)
