"""Readings on disk: bytes per reading on a real SQLite file, sealing of finished hours, growing layouts."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.monitoring import monitoring_for
from tracseq_desktop.services.readings import store_bulk
from tracseq_desktop.services.unit_links import get_unit
from tracseq_desktop.store import readings as packing

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
YEAR_OF_20_UNITS = 20 * 365 * 24 * 360  #: 63 million readings at 10 s
BUDGET_PER_READING = 1e9 / YEAR_OF_20_UNITS  #: 15.9 bytes


def freezer_day(unit: str, rng: random.Random, count: int, start: datetime) -> list[Reading]:
    """A -80 freezer: compressor cycling between -80 and -77, sensor noise, a door opening now and then."""
    out = []
    temp, on = -79.0, True
    for i in range(count):
        temp += -0.09 if on else 0.03
        if temp <= -80.0:
            on = False
        elif temp >= -77.0:
            on = True
        door = i % 2000 < 6
        air = temp + (4.0 if door else 0.0)
        probes = (round(air + rng.gauss(0, 0.05), 2), round(temp + 0.6 + rng.gauss(0, 0.05), 2), None)
        taken = start + timedelta(seconds=10 * i + rng.uniform(0, 0.4))
        out.append(
            Reading(
                unit,
                taken,
                probes,
                setpoint=-80.0,
                door_open=door,
                compressor_on=on,
                defrost=False,
                power_failure=False,
            )
        )
    return out


def used_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
        return int(pages * conn.execute("PRAGMA page_size").fetchone()[0])


def test_a_year_of_twenty_units_fits_in_a_gigabyte(tmp_path: Path) -> None:
    path = tmp_path / "size.db"
    services = open_services(path, actor=Actor("tester", "ws"))
    loc = services.locations
    loc.create("site", "S")
    loc.create("room", "R", parent="S")
    units = [f"ULT-{n}" for n in range(4)]
    for label in units:
        loc.create("unit", label, parent="R", unit_type="freezer-80")
    before = used_bytes(path)
    rng = random.Random(11)
    total = 0
    for label in units:
        readings = freezer_day(label, rng, 25_200, T0)  # 70 hours each: 100,800 readings in all
        total += len(readings)
        by_hour: dict[int, list[Reading]] = {}
        for reading in readings:
            by_hour.setdefault(packing.hour_of(reading.taken_at), []).append(reading)
        blocks = []
        for hour, group in by_hour.items():
            layout = packing.layout_of(group[0])
            blocks.append((hour, packing.seal_records(layout, [packing.record_of(layout, r, hour) for r in group])))
        with services.db.writing() as session:
            store_bulk(session, get_unit(session, label).id, blocks)
    per_reading = (used_bytes(path) - before) / total
    services.close()
    assert total == 100_800
    print(f"{per_reading:.2f} bytes per reading (budget {BUDGET_PER_READING:.2f})")
    assert per_reading < BUDGET_PER_READING
    assert per_reading * YEAR_OF_20_UNITS < 1e9


def test_recorded_readings_are_sealed_when_their_hour_ends(services: Services, db_path: Path) -> None:
    monitoring = monitoring_for(services)
    start = T0.replace(minute=50)
    readings = freezer_day("FRZ-80", random.Random(2), 200, start)  # 10:50 .. 11:23: two hours
    for reading in readings:
        monitoring.record_reading(reading)
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT hour, data FROM reading_block ORDER BY hour").fetchall()
        hourly = conn.execute(
            "SELECT n, t_min, t_max FROM reading_rollup WHERE period_s = 3600 ORDER BY bucket"
        ).fetchall()
    assert [blob[0] for _hour, blob in rows] == [packing.SEALED, packing.OPEN]
    first_hour = [r for r in readings if packing.hour_of(r.taken_at) == rows[0][0]]
    assert len(packing.decode(rows[0][1]).records) == len(first_hour) == 60
    # Sealed blocks are much smaller than the 10-byte open records.
    assert len(rows[0][1]) < 60 * 10 * 0.6
    temps = [r.temperature for r in first_hour if r.temperature is not None]
    assert hourly[0] == (60, min(temps), max(temps))
    assert sum(n for n, _lo, _hi in hourly) == 200
    back = monitoring.raw_readings("FRZ-80", start, start + timedelta(hours=1))
    assert [r.probes for r in back] == [r.probes for r in readings]


def test_a_block_grows_its_layout_when_a_probe_appears() -> None:
    hour = packing.hour_of(T0)
    blob = None
    values: list[tuple[float | None, ...]] = [(-80.0, None), (-80.5, None), (-80.1, -79.0, 3.5), (None, -78.0)]
    for i, probes in enumerate(values):
        reading = Reading("U", T0 + timedelta(seconds=10 * i), probes, ln2_level_mm=None if i < 3 else 120.4)
        blob = packing.append(blob, reading, hour)
    assert blob is not None
    back = packing.readings_of("U", hour, blob)
    assert [r.probes for r in back] == [
        (-80.0, None, None),
        (-80.5, None, None),
        (-80.1, -79.0, 3.5),
        (None, -78.0, None),
    ]
    assert [r.ln2_level_mm for r in back] == [None, None, None, 120.4]
    sealed = packing.seal(blob)
    assert packing.readings_of("U", hour, sealed) == back
    assert math.isclose(packing.series_of(hour, sealed)[3][1] or 0.0, -78.0)
    columns = packing.columns_of("U", [(hour, sealed)], 0.0, 1e12)
    assert columns.temperature == (-80.0, -80.5, -80.1, -78.0)  # the first working probe
    assert columns.probes == tuple(zip(*(r.probes for r in back), strict=True))
    assert columns.ln2_level_mm == (None, None, None, 120.4)
    assert columns.at_s == tuple(r.taken_at.timestamp() for r in back)
