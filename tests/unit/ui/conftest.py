"""Qt runs offscreen in the UI unit tests; each test must leave nothing Qt behind."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest

from tests.support.qtleaks import watch_qt_leaks


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads, pool jobs or timers behind (see tests/support/qtleaks.py)."""
    yield from watch_qt_leaks(request.node)
