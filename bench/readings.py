"""Readings storage benchmark: a year of 10-second readings for 20 units.

    python bench/readings.py                       # 20 units x 365 days (63 M readings)
    python bench/readings.py --units 4 --days 30   # a quicker run
    python bench/readings.py --db year.db --reuse  # measure an existing benchmark database

Synthetic -80 °C freezers (compressor cycling, sensor noise, door openings) are
written hour block by hour block through the packing code the monitoring service
uses (``store.readings.seal_columns``) and ``services.readings.store_bulk`` (which
derives the hourly and daily rollups). Then it reports the file size, one-day raw
queries (p95, target <= 50 ms), 30-day and 1-year chart queries, and the cost of
recording one live reading (one durable transaction each).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, summary, time_calls, verdict

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.monitoring import monitoring_for
from tracseq_desktop.services.readings import store_bulk
from tracseq_desktop.services.unit_links import get_unit
from tracseq_desktop.store import readings as packing

START = datetime(2025, 1, 1, tzinfo=UTC)
PER_HOUR = 360


def unit_year(rng: np.random.Generator, hours: int) -> dict[str, np.ndarray]:
    """Columns (uint16 words, as stored) for ``hours`` hours of one freezer at 10 s."""
    n = hours * PER_HOUR
    # Compressor cycle of ~30 min between -80 and -77 °C, with a little noise on each probe.
    phase = (np.arange(n) % 180) / 180.0
    cabinet = np.where(phase < 0.3, -77.0 - 3.0 * phase / 0.3, -80.0 + 3.0 * (phase - 0.3) / 0.7)
    door = (np.arange(n) % 2160) < 6  # a short opening every 6 hours
    air = cabinet + np.where(door, 4.0, 0.0) + rng.normal(0.0, 0.05, n)
    product = cabinet + 0.6 + rng.normal(0.0, 0.05, n)
    on = phase < 0.3
    flags = (np.where(door, 2, 1) | (np.where(on, 2, 1) << 2) | (1 << 4) | (1 << 6)).astype(np.uint16)
    offsets = (np.tile(np.arange(PER_HOUR) * 100, hours) + rng.integers(0, 4, n)).astype(np.uint16)
    return {
        "offsets": offsets,
        "flags": flags,
        "p1": (np.round(air * 100).astype(np.int16)).view(np.uint16),
        "p2": (np.round(product * 100).astype(np.int16)).view(np.uint16),
        "setpoint": np.full(n, (-8000) & 0xFFFF, dtype=np.uint16),
    }


def build(services: Services, units: int, days: int, seed: int, site: str = "BENCH") -> int:
    loc = services.locations
    loc.create("site", site)
    loc.create("room", f"{site}-ROOM", parent=site)
    layout = packing.Layout(nprobes=3, probe_mask=0b011, setpoint=True, level=False)
    rng = np.random.default_rng(seed)
    hours = days * 24
    first = packing.hour_of(START)
    total = 0
    for u in range(units):
        label = f"ULT-{u:02d}"
        loc.create("unit", label, parent=f"{site}-ROOM", unit_type="freezer-80")
        cols = unit_year(rng, hours)
        names = ("offsets", "flags", "p1", "p2", "setpoint")
        as_lists = {name: cols[name].tolist() for name in names}
        with services.db.writing() as session:
            unit_id = get_unit(session, label).id
            batch = []
            for h in range(hours):
                sl = slice(h * PER_HOUR, (h + 1) * PER_HOUR)
                batch.append((first + h, packing.seal_columns(layout, [as_lists[name][sl] for name in names])))
                if len(batch) == 24 * 30:
                    store_bulk(session, unit_id, batch)
                    batch = []
            if batch:
                store_bulk(session, unit_id, batch)
        total += hours * PER_HOUR
        print(f"  {label}: {hours * PER_HOUR:,} readings", file=sys.stderr, flush=True)
    return total


def file_bytes(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--reuse", action="store_true", help="measure the existing --db without building")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    workdir = None
    if args.db is None:
        workdir = tempfile.mkdtemp(prefix="tracseq-bench-readings-")
        args.db = Path(workdir) / "readings.db"
    services = open_services(args.db, actor=Actor("bench", "bench"))
    print(f"Machine: {machine()}")
    if not args.reuse:
        started = time.perf_counter()
        total = build(services, args.units, args.days, args.seed)
        print(
            f"Built {total:,} readings ({args.units} units x {args.days} days) in {time.perf_counter() - started:.0f} s"
        )
    monitoring = monitoring_for(services)
    units = [v.unit for v in monitoring.links(linked_only=False) if v.unit.startswith("ULT-")]
    total = len(units) * args.days * 24 * PER_HOUR
    size = file_bytes(args.db)
    scaled = size / total * 20 * 365 * 24 * PER_HOUR
    print(f"Database: {size / 1e6:.1f} MB, {size / total:.2f} bytes per reading; "
          f"a year of 20 units would take {scaled / 1e6:.0f} MB (target < 1000 MB: {verdict(scaled < 1e9)})")  # fmt: skip

    rng = random.Random(args.seed)
    span_days = args.days

    def day() -> None:
        start = START + timedelta(days=rng.randrange(max(1, span_days - 1)), hours=rng.randrange(24))
        readings = monitoring.raw_readings(rng.choice(units), start, start + timedelta(days=1))
        assert len(readings) >= 8000, len(readings)

    def day_chart() -> None:
        start = START + timedelta(days=rng.randrange(max(1, span_days - 1)))
        monitoring.readings(rng.choice(units), start, start + timedelta(days=1), max_points=500)

    def month_chart() -> None:
        start = START + timedelta(days=rng.randrange(max(1, span_days - 30)))
        series = monitoring.readings(rng.choice(units), start, start + timedelta(days=30), max_points=500)
        assert len(series.points) <= 500

    def year_chart() -> None:
        series = monitoring.readings(rng.choice(units), START, START + timedelta(days=365), max_points=500)
        assert len(series.points) <= 500

    times = time_calls(day, 50)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"One day of one unit, every reading (8,640 Reading objects): {summary(times)} "
          f"(for comparison)")  # fmt: skip

    def day_columns() -> None:
        start = START + timedelta(days=rng.randrange(max(1, span_days - 1)), hours=rng.randrange(24))
        columns = monitoring.reading_columns(rng.choice(units), start, start + timedelta(days=1))
        assert len(columns) >= 8000, len(columns)

    times = time_calls(day_columns, 50)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"One day of one unit, every reading as columns: {summary(times)} "
          f"(target p95 <= 50 ms: {verdict(p95 <= 50)})")  # fmt: skip
    print(f"One day chart (<= 500 points):   {summary(time_calls(day_chart, 50))}")
    points = len(monitoring.readings(units[0], START, START + timedelta(days=30)).points)
    print(f"30-day chart ({points} points):    {summary(time_calls(month_chart, 50))}")
    points = len(monitoring.readings(units[0], START, START + timedelta(days=365)).points)
    print(f"1-year chart ({points} points):    {summary(time_calls(year_chart, 20))}")

    # Live path: one durable transaction per reading (block append, rollups, alarm engine).
    live_unit = units[0]
    now = START + timedelta(days=args.days, seconds=5)
    count = iter(range(10**9))

    def live() -> None:
        i = next(count)
        monitoring.record_reading(
            Reading(live_unit, now + timedelta(seconds=10 * i), (-79.5, -79.0, None), setpoint=-80.0)
        )

    print(f"record_reading (live, synchronous=FULL): {summary(time_calls(live, 300))}")
    services.close()
    if workdir and not args.keep:
        for name in os.listdir(workdir):
            os.unlink(os.path.join(workdir, name))
        os.rmdir(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
