"""A small, fixed laboratory built through the public services: for tests, examples and docs.

SITE-1 › ROOM-1 › FRZ-80 (−80 °C) › RACK-1 › BOX-A (9x9), BOX-B (8x12), BAG-1 (bag of 5)
                › FRIDGE-4 (+4 °C) › SHELF-1 › BOX-F (8x12)
                › DEWAR-1 (LN2) › RACK-L › BOX-L (10x10)
Samples: TS-001 plasma 1.5 mL at BOX-A:A1, TS-002 serum 1 mL at BOX-A:A2,
TS-003 DNA 200 µL unplaced (registered, not stored), TS-004 whole blood 4 mL at BOX-F:A1.
"""

from __future__ import annotations

from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services


def build_small_lab(services: Services) -> None:
    loc = services.locations
    loc.create("site", "SITE-1", name="Test site")
    loc.create("room", "ROOM-1", parent="SITE-1", name="Lab 1")
    loc.create("unit", "FRZ-80", parent="ROOM-1", name="Freezer minus 80", unit_type="freezer-80")
    loc.create("unit", "FRIDGE-4", parent="ROOM-1", name="Fridge", unit_type="fridge")
    loc.create("unit", "DEWAR-1", parent="ROOM-1", name="Dewar", unit_type="ln2-dewar")
    loc.create("rack", "RACK-1", parent="FRZ-80")
    loc.create("shelf", "SHELF-1", parent="FRIDGE-4")
    loc.create("rack", "RACK-L", parent="DEWAR-1")
    loc.create("box", "BOX-A", parent="RACK-1", geometry="9x9")
    loc.create("box", "BOX-B", parent="RACK-1", geometry="8x12")
    loc.create("box", "BAG-1", parent="RACK-1", geometry="5")
    loc.create("box", "BOX-F", parent="SHELF-1", geometry="8x12")
    loc.create("box", "BOX-L", parent="RACK-L", geometry="10x10")
    services.samples.register_many(
        [
            SampleDraft("TS-001", "plasma", volume="1.5ml", project="P1", owner="ann", box="BOX-A", position="A1"),
            SampleDraft("TS-002", "serum", volume="1ml", project="P1", owner="ben", box="BOX-A", position="A2"),
            SampleDraft("TS-003", "DNA", volume="200ul", project="P2", owner="ann"),
            SampleDraft("TS-004", "whole blood", volume="4ml", project="P2", owner="cy", box="BOX-F", position="A1"),
        ]
    )
