"""Hybrid logical clocks: wall time plus a counter, so causally later events compare later.

The server orders changes; these stamps only break ties between concurrent edits of
one field and tell people when something happened. A stamp is text that sorts in clock
order: ``0001712345678901-00003-<node>`` (milliseconds since 1970, counter, node id).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{16})-(\d{5})-([A-Za-z0-9_.:-]{1,64})$")
HLC_PATTERN = _PATTERN.pattern
MAX_COUNTER = 99_999
#: A remote stamp further ahead than this is not trusted to move our clock forward.
MAX_DRIFT_MS = 24 * 3600 * 1000


@dataclass(frozen=True, order=True, slots=True)
class Stamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:016d}-{self.counter:05d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        match = _PATTERN.match(text)
        if not match:
            raise ValueError(f"not a clock stamp: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)), match.group(3))


class HybridClock:
    """One node's clock; ``tick`` for a local event, ``observe`` for a stamp received."""

    def __init__(self, node: str, now_ms: Callable[[], int], last: Stamp | None = None) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", node):
            raise ValueError(f"bad clock node id: {node!r}")
        self.node = node
        self._now_ms = now_ms
        self.last = last or Stamp(0, 0, node)

    def tick(self) -> Stamp:
        wall = self._now_ms()
        if wall > self.last.wall_ms:
            stamp = Stamp(wall, 0, self.node)
        else:
            stamp = self._bump(self.last.wall_ms, self.last.counter)
        self.last = stamp
        return stamp

    def observe(self, remote: Stamp | str) -> Stamp:
        """Merge a stamp seen from elsewhere; stamps absurdly far ahead are ignored."""
        other = Stamp.parse(remote) if isinstance(remote, str) else remote
        wall = self._now_ms()
        if other.wall_ms - wall > MAX_DRIFT_MS:
            return self.tick()
        top = max(wall, self.last.wall_ms, other.wall_ms)
        if top == self.last.wall_ms == other.wall_ms:
            stamp = self._bump(top, max(self.last.counter, other.counter))
        elif top == self.last.wall_ms:
            stamp = self._bump(top, self.last.counter)
        elif top == other.wall_ms:
            stamp = self._bump(top, other.counter)
        else:
            stamp = Stamp(top, 0, self.node)
        self.last = stamp
        return stamp

    def _bump(self, wall: int, counter: int) -> Stamp:
        if counter >= MAX_COUNTER:  # a burst faster than the counter: borrow the next millisecond
            return Stamp(wall + 1, 0, self.node)
        return Stamp(wall, counter + 1, self.node)
