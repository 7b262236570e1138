"""Volumes: parsed from what people type ("1.5ml", "200 µL"), stored as whole nanolitres.

Integers avoid the rounding drift of floats when a parent is split into aliquots and
withdrawals are summed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.i18n import _, format_number

_NL_PER_UNIT = {
    "nl": 1,
    "ul": 1_000,
    "µl": 1_000,
    "μl": 1_000,
    "ml": 1_000_000,
    "l": 1_000_000_000,
}
_VOLUME = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-zµμ]*)\s*$", re.IGNORECASE)


def parse_volume(text: str, default_unit: str = "ul") -> int:
    """Return nanolitres for ``text``; a bare number is in ``default_unit``."""
    match = _VOLUME.match(str(text))
    if not match:
        raise InvalidInput(_("{text!r} is not a volume; write e.g. 1.5ml or 200ul.").format(text=text))
    number, unit = (
        match.group(1).replace(",", "."),
        (match.group(2) or default_unit).lower(),
    )
    if unit not in _NL_PER_UNIT:
        raise InvalidInput(_("Unknown volume unit {unit!r}; use nl, ul or ml.").format(unit=unit))
    try:
        value = Decimal(number) * _NL_PER_UNIT[unit]
    except InvalidOperation:
        raise InvalidInput(_("{text!r} is not a volume.").format(text=text)) from None
    if value != value.to_integral_value():
        raise InvalidInput(_("{text!r} is finer than one nanolitre.").format(text=text))
    return int(value)


def format_volume(nanolitres: int | None) -> str:
    """Human-readable volume in the current locale: 1500000 -> "1.5 mL"."""
    if nanolitres is None:
        return ""
    if abs(nanolitres) >= 1_000_000:
        return f"{format_number(Decimal(nanolitres) / 1_000_000)} mL"
    return f"{format_number(Decimal(nanolitres) / 1_000)} µL"


def volume_to_ul(nanolitres: int | None) -> float | None:
    """Microlitres as a JSON-friendly number (exact for any value stored)."""
    return None if nanolitres is None else nanolitres / 1_000
