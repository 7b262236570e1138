"""Box geometry: grid positions ("A1".."H12") or gridless containers with a capacity."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tracseq_desktop.domain.errors import InvalidInput, InvalidPosition
from tracseq_desktop.i18n import _

MAX_ROWS = 52  # A..Z then AA..AZ
MAX_COLS = 99
_POSITION = re.compile(r"^\s*([A-Za-z]{1,2})\s*0*([0-9]{1,2})\s*$")


def row_label(row: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if row < 26:
        return chr(ord("A") + row)
    return "A" + chr(ord("A") + row - 26)


def parse_row(letters: str) -> int:
    letters = letters.upper()
    if len(letters) == 1:
        return ord(letters) - ord("A")
    if letters[0] != "A":
        raise ValueError(letters)
    return 26 + ord(letters[1]) - ord("A")


def position_label(row: int, col: int) -> str:
    """Zero-based row and column to a label: (2, 3) -> "C4"."""
    return f"{row_label(row)}{col + 1}"


@dataclass(frozen=True, slots=True)
class Geometry:
    """A box's layout: ``rows`` x ``cols`` grid, or no grid with ``capacity`` places."""

    rows: int | None
    cols: int | None
    capacity: int

    @classmethod
    def grid(cls, rows: int, cols: int) -> Geometry:
        if not (1 <= rows <= MAX_ROWS and 1 <= cols <= MAX_COLS):
            raise InvalidInput(
                _("A grid needs 1 to {max_rows} rows and 1 to {max_cols} columns, not {rows} x {cols}.").format(
                    max_rows=MAX_ROWS, max_cols=MAX_COLS, rows=rows, cols=cols
                )
            )
        return cls(rows, cols, rows * cols)

    @classmethod
    def gridless(cls, capacity: int) -> Geometry:
        if capacity < 1:
            raise InvalidInput(_("A container without a grid needs a capacity of at least 1."))
        return cls(None, None, capacity)

    @classmethod
    def parse(cls, text: str) -> Geometry:
        """ "9x9", "8x12" for grids; "bag:50" or a bare number for gridless containers."""
        cleaned = text.strip().lower().replace("×", "x")
        match = re.fullmatch(r"(\d+)\s*x\s*(\d+)", cleaned)
        if match:
            return cls.grid(int(match.group(1)), int(match.group(2)))
        match = re.fullmatch(r"(?:[a-z]+:)?(\d+)", cleaned)
        if match:
            return cls.gridless(int(match.group(1)))
        raise InvalidInput(_("Unknown box geometry {text!r}: use e.g. 9x9, 8x12 or 50.").format(text=text))

    @property
    def has_grid(self) -> bool:
        return self.rows is not None

    def __str__(self) -> str:
        return f"{self.rows}x{self.cols}" if self.has_grid else str(self.capacity)

    def parse_position(self, text: str) -> tuple[int, int]:
        """ "C4" -> (2, 3), checked against this grid."""
        if not self.has_grid:
            raise InvalidPosition(_("This container has no grid positions."))
        assert self.rows is not None and self.cols is not None
        match = _POSITION.match(text)
        if not match:
            raise InvalidPosition(
                _("{text!r} is not a position; use a row letter and a column number, e.g. C4.").format(text=text)
            )
        try:
            row = parse_row(match.group(1))
        except ValueError:
            raise InvalidPosition(_("{text!r} is not a position.").format(text=text)) from None
        col = int(match.group(2)) - 1
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise InvalidPosition(
                _("Position {position} does not exist in a {rows} x {cols} box (A1 to {last}).").format(
                    position=text.strip().upper(),
                    rows=self.rows,
                    cols=self.cols,
                    last=position_label(self.rows - 1, self.cols - 1),
                )
            )
        return row, col

    def positions(self) -> Iterator[tuple[int, int]]:
        """Row-major order: A1, A2, ... the order scan-to-store fills."""
        if self.rows is None or self.cols is None:
            return
        for r in range(self.rows):
            for c in range(self.cols):
                yield r, c
