"""A box photo and records that disagree with it in every way a reconciliation knows.

Shared by the service, command-line and window tests (imported as
``tests.integration.camera.scenario``). The photo is generated with
``hardware.vision.synthetic``; the records are written through the public services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from hardware.vision import synthetic
from tracseq_desktop.domain.scanning import ColourClass, WellState
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services

ROWS, COLS = 8, 12


@dataclass
class Scenario:
    box: str
    other: str
    image_path: Path
    truth: dict[str, synthetic.WellTruth]
    matches: dict[str, str] = field(default_factory=dict)  # position -> barcode, recorded where seen
    swap: tuple[tuple[str, str], tuple[str, str]] = (("", ""), ("", ""))  # (barcode, seen position) x 2
    from_other: tuple[str, str] = ("", "")  # barcode recorded in the other box, seen at position
    unplaced: tuple[str, str] = ("", "")  # registered without a place, seen at position
    unknown: tuple[str, str] = ("", "")  # not registered, seen at position
    missing: tuple[str, str] = ("", "")  # recorded at an empty well
    blocked: tuple[str, str, str] = ("", "", "")  # (seen barcode, position, barcode still recorded there)
    checked_out: tuple[str, str] = ("", "")
    colour: tuple[str, str] = ("", "")  # recorded with a colour the picture does not show
    unreadable_recorded: tuple[str, str] = ("", "")


def _other_colour(colour: ColourClass | None) -> str:
    return "red" if colour is not ColourClass.RED else "blue"


def build(services: Services, tmp_path: Path, *, box: str = "BOX-B", other: str = "BOX-A", seed: int = 5) -> Scenario:
    """Photo of an 8 x 12 box written to ``tmp_path``; records in ``box`` (8x12) and ``other`` (9x9, same freezer)."""
    picture = synthetic.box_image(ROWS, COLS, rng=np.random.default_rng(seed), empty=6, unreadable=2)
    path = tmp_path / "box.png"
    cv2.imwrite(str(path), picture.image)
    read = [p for p, t in picture.truth.items() if t.state is WellState.READ]
    empty = [p for p, t in picture.truth.items() if t.state is WellState.EMPTY]
    unreadable = [p for p, t in picture.truth.items() if t.state is WellState.UNREADABLE]
    code = {p: picture.truth[p].text or "" for p in read}
    s = Scenario(box, other, path, picture.truth)
    special = read[:9]
    s.swap = ((code[special[0]], special[0]), (code[special[1]], special[1]))
    s.from_other = (code[special[2]], special[2])
    s.unplaced = (code[special[3]], special[3])
    s.unknown = (code[special[4]], special[4])
    s.blocked = (code[special[5]], special[5], "TS-GONE-1")
    s.checked_out = (code[special[6]], special[6])
    s.colour = (code[special[7]], special[7])
    s.missing = ("TS-MISSING-1", empty[0])
    s.unreadable_recorded = ("TS-UNREAD-1", unreadable[0])
    drafts = []
    for position in read[9:]:
        s.matches[position] = code[position]
        drafts.append(_draft(code[position], box, position))
    for position in special[6:8]:  # checked-out and colour tubes are recorded where they are
        s.matches[position] = code[position]
    drafts += [
        _draft(s.swap[0][0], box, s.swap[1][1]),
        _draft(s.swap[1][0], box, s.swap[0][1]),
        _draft(s.from_other[0], other, "C1"),
        _draft(s.unplaced[0], None, None),
        _draft(s.blocked[0], other, "C2"),
        _draft(s.blocked[2], box, s.blocked[1]),
        _draft(s.checked_out[0], box, s.checked_out[1]),
        _draft(s.colour[0], box, s.colour[1], tube_colour=_other_colour(picture.truth[s.colour[1]].colour)),
        _draft(s.missing[0], box, s.missing[1]),
        _draft(s.unreadable_recorded[0], box, s.unreadable_recorded[1]),
    ]
    services.samples.register_many(drafts)
    services.samples.check_out(s.checked_out[0], reason="assay")
    return s


def _draft(barcode: str, box: str | None, position: str | None, **attributes: str) -> SampleDraft:
    return SampleDraft(barcode, "plasma", volume="1ml", box=box, position=position, attributes=dict(attributes))
