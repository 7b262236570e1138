from __future__ import annotations

import pytest

from ui.scanning import normalise_scan


@pytest.mark.parametrize(
    ("raw", "prefix", "suffix", "expected"),
    [
        ("ts-000123", "", "", "TS-000123"),
        ("  TS-000123\r\n", "", "", "TS-000123"),
        ("\x02TS-000123\x03", "", "", "TS-000123"),
        ("]C1ts-000123", "]C1", "", "TS-000123"),
        ("]c1TS-000123#END", "]C1", "#end", "TS-000123"),
        ("TS-000123", "]C1", "#", "TS-000123"),  # prefix missing: the code is kept whole
        ("\t\t", "", "", ""),
    ],
)
def test_normalise_scan(raw: str, prefix: str, suffix: str, expected: str) -> None:
    assert normalise_scan(raw, prefix, suffix) == expected
