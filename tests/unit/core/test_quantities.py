from __future__ import annotations

import pytest

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.quantities import format_volume, parse_volume


@pytest.mark.parametrize(
    ("text", "nanolitres"),
    [
        ("1.5ml", 1_500_000),
        ("1,5 mL", 1_500_000),
        ("200 µl", 200_000),
        ("200uL", 200_000),
        ("250", 250_000),
        ("5nl", 5),
    ],
)
def test_parse_volume(text: str, nanolitres: int) -> None:
    assert parse_volume(text) == nanolitres


@pytest.mark.parametrize("text", ["", "ml", "-1ml", "1.5 gallons", "0.0001nl"])
def test_bad_volumes_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_volume(text)


def test_format_volume_picks_a_readable_unit() -> None:
    assert format_volume(1_500_000) == "1.5 mL"
    assert format_volume(250_000) == "250 µL"
    assert format_volume(None) == ""
