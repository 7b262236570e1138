"""Hybrid logical clocks: monotonic under a stopped or backward wall clock, causal across nodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracseq_desktop.sync.hlc import MAX_COUNTER, HybridClock, Stamp


def test_stamps_sort_as_text_in_clock_order() -> None:
    a = Stamp(1_700_000_000_000, 3, "ws-a")
    b = Stamp(1_700_000_000_000, 12, "ws-a")
    c = Stamp(1_700_000_000_001, 0, "ws-a")
    assert a < b < c
    assert str(a) < str(b) < str(c)
    assert Stamp.parse(str(b)) == b


def test_a_stopped_or_backward_wall_clock_still_moves_forward() -> None:
    wall = [1000]
    clock = HybridClock("n1", lambda: wall[0])
    first = clock.tick()
    wall[0] = 400  # the operator set the clock back
    second = clock.tick()
    third = clock.tick()
    assert first < second < third
    assert second.wall_ms == 1000


def test_observing_a_later_remote_stamp_orders_the_next_event_after_it() -> None:
    slow = HybridClock("slow", lambda: 1000)
    remote = Stamp(5000, 7, "fast")
    merged = slow.observe(remote)
    assert merged > remote
    assert slow.tick() > merged


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = HybridClock("n", lambda: 10, Stamp(10, MAX_COUNTER, "n"))
    assert clock.tick() == Stamp(11, 0, "n")


def test_absurdly_future_stamps_do_not_drag_the_clock() -> None:
    clock = HybridClock("n", lambda: 10_000)
    clock.observe(Stamp(10_000 + 10 * 24 * 3600 * 1000, 0, "liar"))
    assert clock.last.wall_ms == 10_000


@pytest.mark.parametrize("text", ["", "12-1-n", "0000000000001000-00001-", "0000000000001000-00001-bad node"])
def test_malformed_stamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Stamp.parse(text)


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 10_000), st.integers(0, 10_000)), max_size=60))
def test_every_event_of_a_node_is_later_than_everything_it_saw_before(events: list[tuple[bool, int, int]]) -> None:
    wall = [0]
    clock = HybridClock("me", lambda: wall[0])
    seen: list[Stamp] = []
    for is_receive, now, remote_wall in events:
        wall[0] = now
        if is_receive:
            remote = Stamp(remote_wall, 0, "other")
            stamp = clock.observe(remote)
            seen.append(remote)
        else:
            stamp = clock.tick()
        assert all(stamp > s for s in seen)
        seen.append(stamp)
