from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracseq_desktop.domain.errors import InvalidInput, InvalidPosition
from tracseq_desktop.domain.geometry import Geometry, position_label


def test_parse_grid_and_gridless() -> None:
    assert Geometry.parse("9x9") == Geometry(9, 9, 81)
    assert Geometry.parse(" 8 × 12 ") == Geometry(8, 12, 96)
    assert Geometry.parse("bag:50") == Geometry(None, None, 50)
    with pytest.raises(InvalidInput):
        Geometry.parse("nine by nine")
    with pytest.raises(InvalidInput):
        Geometry.grid(0, 5)


def test_positions_are_checked_against_the_grid() -> None:
    grid = Geometry.grid(9, 9)
    assert grid.parse_position("c4") == (2, 3)
    assert grid.parse_position(" A01 ") == (0, 0)
    with pytest.raises(InvalidPosition, match="does not exist"):
        grid.parse_position("J1")
    with pytest.raises(InvalidPosition, match="does not exist"):
        grid.parse_position("A10")
    with pytest.raises(InvalidPosition):
        grid.parse_position("4C")
    with pytest.raises(InvalidPosition):
        Geometry.gridless(5).parse_position("A1")


def test_fill_order_is_row_by_row() -> None:
    assert [position_label(r, c) for r, c in Geometry.grid(2, 3).positions()] == ["A1", "A2", "A3", "B1", "B2", "B3"]


@given(st.integers(1, 52), st.integers(1, 99), st.data())
def test_labels_round_trip(rows: int, cols: int, data: st.DataObject) -> None:
    grid = Geometry.grid(rows, cols)
    row = data.draw(st.integers(0, rows - 1))
    col = data.draw(st.integers(0, cols - 1))
    assert grid.parse_position(position_label(row, col)) == (row, col)
