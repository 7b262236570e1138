"""The desktop app started as a process, on a small database built through the services.

The tests run no Qt in this process, but they share it with the other Qt suites in a
single-process run: the leak check makes sure they leave no thread behind either.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.qtleaks import watch_qt_leaks
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import open_services


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "small.db"
    services = open_services(path)
    loc = services.locations
    loc.create("site", "S-01")
    loc.create("room", "R-1", parent="S-01")
    loc.create("unit", "F-01", parent="R-1", unit_type="freezer-80")
    loc.create("rack", "RK-01", parent="F-01")
    loc.create("box", "B-0001", parent="RK-01", geometry="9x9")
    services.samples.register_many(
        [SampleDraft(barcode=f"E-{n:04d}", sample_type="plasma", volume="1ml", box="B-0001") for n in range(20)]
    )
    services.close()
    return path


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads, pool jobs or timers behind (see tests/support/qtleaks.py)."""
    yield from watch_qt_leaks(request.node)
