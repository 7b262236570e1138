"""Fixtures for the window tests: a small real storage site in a fresh database, and the window on it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from tests.support.qtleaks import watch_qt_leaks
from tracseq_desktop.i18n import set_language
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from ui.settings import SettingsStore
from ui.window import MainWindow

TYPES = ("plasma", "serum", "DNA", "RNA")


def build_bench_site(services: Services) -> None:
    """Site > room > −80 freezer > rack with a 9x9 and an 8x12 box, a gridless bag, and samples.

    B-0001 (9x9) holds TS-000001..TS-000030 in A1..D3; TS-000005 is checked out.
    B-0002 (8x12) holds TS-000040..TS-000044 in A1..A5.
    BAG-01 (20 places, no grid) holds TS-000050..TS-000052.
    TS-000101..TS-000110 are registered but not stored (for scan-to-store).
    """
    loc = services.locations
    loc.create("site", "S-01", name="Campus")
    loc.create("room", "R-101", parent="S-01", name="Biobank")
    loc.create("unit", "F-01", parent="R-101", name="Freezer A", unit_type="freezer-80")
    loc.create("rack", "RK-01", parent="F-01")
    loc.create("box", "B-0001", parent="RK-01", geometry="9x9")
    loc.create("box", "B-0002", parent="RK-01", geometry="8x12")
    loc.create("box", "BAG-01", parent="F-01", geometry="20")
    samples = services.samples

    def draft(n: int, box: str | None) -> SampleDraft:
        return SampleDraft(
            barcode=f"TS-{n:06d}", sample_type=TYPES[n % 4], volume="1ml", project="P-7", owner="anna", box=box
        )

    samples.register_many([draft(n, "B-0001") for n in range(1, 31)])
    samples.register_many([draft(n, "B-0002") for n in range(40, 45)])
    samples.register_many([draft(n, "BAG-01") for n in range(50, 53)])
    samples.register_many([draft(n, None) for n in range(101, 111)])
    samples.check_out("TS-000005", reason="assay")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = open_services(tmp_path / "bench.db", actor=Actor("tester", "bench-1"))
    build_bench_site(svc)
    yield svc
    svc.close()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[SettingsStore]:
    store = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    yield store
    store.deleteLater()  # after the window (deleted later too, by pytest-qt), not by the garbage collector


@pytest.fixture
def window(qtbot, services: Services, settings: SettingsStore) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(services, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    qtbot.waitUntil(lambda: not win.tasks.busy and win.table.model.rowCount() > 0, timeout=10_000)
    yield win
    win.close()
    assert win.tasks.wait(5_000), "a worker job was still running after the window closed"


@pytest.fixture(autouse=True)
def _qt_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves windows, threads, pool jobs or timers behind (see tests/support/qtleaks.py)."""
    yield from watch_qt_leaks(request.node)


@pytest.fixture(autouse=True)
def _english_again(_qt_leaks: None) -> Iterator[None]:
    """A test that switched the language leaves English for the next one (before the leak check)."""
    yield
    set_language("en")
