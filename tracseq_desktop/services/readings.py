"""Storing readings in hourly blocks with hour and day rollups, and reading them back for charts.

Functions here run inside the caller's session: ``store_reading`` inside the
write transaction of ``MonitoringService.record_reading`` (so a reading, its
rollups and the alarms it raised are committed together), the queries inside a
read snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.store import readings as packing

HOUR_S = packing.HOUR_S
DAY_S = 86_400
RAW_SPAN_S = 2 * DAY_S  #: up to this span charts are computed from the readings themselves
HOURLY_SPAN_S = 62 * DAY_S  #: up to this span from hourly rollups, beyond it from daily ones

#: Adds one bucket's count, sums, minima and maxima into the stored bucket (NULL: no value).
_UPSERT_ROLLUP = text(
    """INSERT INTO reading_rollup (unit_id, period_s, bucket, n, t_n, t_min, t_max, t_sum, l_n, l_min, l_max, l_sum)
    VALUES (:unit, :period, :bucket, :n, :t_n, :t_min, :t_max, :t_sum, :l_n, :l_min, :l_max, :l_sum)
    ON CONFLICT (unit_id, period_s, bucket) DO UPDATE SET
        n = n + excluded.n,
        t_n = t_n + excluded.t_n,
        t_min = coalesce(min(t_min, excluded.t_min), t_min, excluded.t_min),
        t_max = coalesce(max(t_max, excluded.t_max), t_max, excluded.t_max),
        t_sum = t_sum + excluded.t_sum,
        l_n = l_n + excluded.l_n,
        l_min = coalesce(min(l_min, excluded.l_min), l_min, excluded.l_min),
        l_max = coalesce(max(l_max, excluded.l_max), l_max, excluded.l_max),
        l_sum = l_sum + excluded.l_sum"""
)


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One chart point: a reading (``n`` = 1) or a bucket of them (min, mean, max)."""

    at: datetime  #: the reading's time, or the start of the bucket
    mean: float | None
    low: float | None
    high: float | None
    n: int
    level_mm: float | None = None  #: mean LN2 level

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "mean": self.mean,
            "min": self.low,
            "max": self.high,
            "n": self.n,
            "level_mm": self.level_mm,
        }


@dataclass(frozen=True, slots=True)
class Series:
    """Temperatures of one unit between two times, at most ``max_points`` points."""

    unit: str
    since: datetime
    until: datetime
    resolution_s: float  #: 0 for single readings, otherwise the bucket width
    source: str  #: "readings", "hourly" or "daily"
    points: tuple[SeriesPoint, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "resolution_s": self.resolution_s,
            "source": self.source,
            "points": [p.as_dict() for p in self.points],
        }


# -- writing ----------------------------------------------------------------------------


def store_reading(session: Session, unit_id: int, reading: Reading) -> None:
    """Append ``reading`` to its hour's block (sealing the previous block) and update the rollups."""
    hour = packing.hour_of(reading.taken_at)
    conn = session.connection()
    row = conn.execute(
        text("SELECT data FROM reading_block WHERE unit_id = :unit AND hour = :hour"), {"unit": unit_id, "hour": hour}
    ).first()
    if row is None:
        previous = conn.execute(
            text(
                "SELECT hour, data FROM reading_block WHERE unit_id = :unit AND hour < :hour ORDER BY hour DESC LIMIT 1"
            ),
            {"unit": unit_id, "hour": hour},
        ).first()
        if previous is not None and previous.data[0] == packing.OPEN:
            conn.execute(
                text("UPDATE reading_block SET data = :data WHERE unit_id = :unit AND hour = :hour"),
                {"data": packing.seal(previous.data), "unit": unit_id, "hour": previous.hour},
            )
        conn.execute(
            text("INSERT INTO reading_block (unit_id, hour, data) VALUES (:unit, :hour, :data)"),
            {"unit": unit_id, "hour": hour, "data": packing.append(None, reading, hour)},
        )
    else:
        conn.execute(
            text("UPDATE reading_block SET data = :data WHERE unit_id = :unit AND hour = :hour"),
            {"data": packing.append(row.data, reading, hour), "unit": unit_id, "hour": hour},
        )
    # Rollups of the values as stored (hundredths of °C, tenths of mm).
    temperature = reading.temperature
    stored_t = None if temperature is None else round(temperature * 100) / 100
    level = reading.ln2_level_mm
    stored_l = None if level is None else round(level * 10) / 10
    one = packing.Summary(
        n=1,
        t_n=int(stored_t is not None),
        t_min=stored_t,
        t_max=stored_t,
        t_sum=stored_t or 0.0,
        l_n=int(stored_l is not None),
        l_min=stored_l,
        l_max=stored_l,
        l_sum=stored_l or 0.0,
    )
    epoch = reading.taken_at.timestamp()
    conn.execute(
        _UPSERT_ROLLUP, [_rollup_row(unit_id, period, int(epoch // period), one) for period in (HOUR_S, DAY_S)]
    )


def store_bulk(session: Session, unit_id: int, blocks: Iterable[tuple[int, bytes]]) -> None:
    """Insert whole hour blocks (imports, benchmarks) of hours not stored yet, and add their rollups."""
    conn = session.connection()
    hourly: list[dict[str, Any]] = []
    daily: dict[int, list[packing.Summary]] = {}
    block_rows = []
    for hour, blob in blocks:
        block_rows.append({"unit": unit_id, "hour": hour, "data": blob})
        summary = packing.summarise(packing.series_of(hour, blob))
        hourly.append(_rollup_row(unit_id, HOUR_S, hour, summary))
        daily.setdefault(packing.day_of(hour), []).append(summary)
    conn.execute(text("INSERT INTO reading_block (unit_id, hour, data) VALUES (:unit, :hour, :data)"), block_rows)
    rows = hourly + [_rollup_row(unit_id, DAY_S, day, _merge(parts)) for day, parts in daily.items()]
    conn.execute(_UPSERT_ROLLUP, rows)


def _rollup_row(unit_id: int, period: int, bucket: int, s: packing.Summary) -> dict[str, Any]:
    return {
        "unit": unit_id,
        "period": period,
        "bucket": bucket,
        "n": s.n,
        "t_n": s.t_n,
        "t_min": s.t_min,
        "t_max": s.t_max,
        "t_sum": s.t_sum,
        "l_n": s.l_n,
        "l_min": s.l_min,
        "l_max": s.l_max,
        "l_sum": s.l_sum,
    }


def _merge(parts: Sequence[packing.Summary]) -> packing.Summary:
    def pick(values: Iterable[float | None], how: Any) -> float | None:
        present = [v for v in values if v is not None]
        return how(present) if present else None

    return packing.Summary(
        n=sum(p.n for p in parts),
        t_n=sum(p.t_n for p in parts),
        t_min=pick((p.t_min for p in parts), min),
        t_max=pick((p.t_max for p in parts), max),
        t_sum=sum(p.t_sum for p in parts),
        l_n=sum(p.l_n for p in parts),
        l_min=pick((p.l_min for p in parts), min),
        l_max=pick((p.l_max for p in parts), max),
        l_sum=sum(p.l_sum for p in parts),
    )


# -- reading back -------------------------------------------------------------------------


def _blocks(session: Session, unit_id: int, since: datetime, until: datetime) -> list[tuple[int, bytes]]:
    rows = session.connection().execute(
        text(
            "SELECT hour, data FROM reading_block WHERE unit_id = :unit AND hour BETWEEN :first AND :last ORDER BY hour"
        ),
        {"unit": unit_id, "first": packing.hour_of(since), "last": packing.hour_of(until)},
    )
    return [(int(row.hour), bytes(row.data)) for row in rows]


def raw_readings(session: Session, unit_id: int, label: str, since: datetime, until: datetime) -> list[Reading]:
    """Every stored reading with ``since <= taken_at <= until``, oldest first."""
    out: list[Reading] = []
    for hour, blob in _blocks(session, unit_id, since, until):
        out.extend(r for r in packing.readings_of(label, hour, blob) if since <= r.taken_at <= until)
    return out


def reading_columns(
    session: Session, unit_id: int, label: str, since: datetime, until: datetime
) -> packing.ReadingColumns:
    """The same readings as ``raw_readings``, column by column (several times faster for a day)."""
    return packing.columns_of(label, _blocks(session, unit_id, since, until), since.timestamp(), until.timestamp())


def latest_reading(session: Session, unit_id: int, label: str) -> Reading | None:
    row = (
        session.connection()
        .execute(
            text("SELECT hour, data FROM reading_block WHERE unit_id = :unit ORDER BY hour DESC LIMIT 1"),
            {"unit": unit_id},
        )
        .first()
    )
    if row is None:
        return None
    readings = packing.readings_of(label, int(row.hour), bytes(row.data))
    return readings[-1] if readings else None


def series(
    session: Session, unit_id: int, label: str, since: datetime, until: datetime, max_points: int = 500
) -> Series:
    """Temperatures for a chart: single readings when they fit in ``max_points``, otherwise min/mean/max buckets.

    Spans up to two days come from the readings; up to 62 days from hourly rollups;
    longer ones from daily rollups. Buckets are whole multiples of the source's step.
    """
    if max_points < 1:
        raise ValueError("max_points must be positive")
    span = (until - since).total_seconds()
    start, end = since.timestamp(), until.timestamp()
    if span <= RAW_SPAN_S:
        points = [
            (at, t, level)
            for hour, blob in _blocks(session, unit_id, since, until)
            for at, t, level in packing.series_of(hour, blob)
            if start <= at <= end
        ]
        if len(points) <= max_points:
            out = tuple(SeriesPoint(datetime.fromtimestamp(at, UTC), t, t, t, 1, level) for at, t, level in points)
            return Series(label, since, until, 0.0, "readings", out)
        width = math.ceil(span / max_points) or 1
        buckets: dict[int, list[tuple[float, float | None, float | None]]] = {}
        for point in points:
            buckets.setdefault(int((point[0] - start) // width), []).append(point)
        out = tuple(_point(start + index * width, packing.summarise(group)) for index, group in sorted(buckets.items()))
        return Series(label, since, until, float(width), "readings", out)
    period, source = (HOUR_S, "hourly") if span <= HOURLY_SPAN_S else (DAY_S, "daily")
    rows = session.connection().execute(
        text(
            "SELECT bucket, n, t_n, t_min, t_max, t_sum, l_n, l_min, l_max, l_sum FROM reading_rollup"
            " WHERE unit_id = :unit AND period_s = :period AND bucket BETWEEN :first AND :last ORDER BY bucket"
        ),
        {"unit": unit_id, "period": period, "first": int(start // period), "last": int(end // period)},
    )
    summaries = [
        (
            int(r.bucket),
            packing.Summary(r.n, r.t_n, r.t_min, r.t_max, r.t_sum, r.l_n, r.l_min, r.l_max, r.l_sum),
        )
        for r in rows
    ]
    factor = max(1, math.ceil((span / period + 1) / max_points))
    grouped: dict[int, list[packing.Summary]] = {}
    for bucket, summary in summaries:
        grouped.setdefault(bucket // factor, []).append(summary)
    out = tuple(_point(key * factor * period, _merge(group)) for key, group in sorted(grouped.items()))
    return Series(label, since, until, float(period * factor), source, out)


def _point(at: float, s: packing.Summary) -> SeriesPoint:
    return SeriesPoint(
        at=datetime.fromtimestamp(at, UTC),
        mean=None if not s.t_n else round(s.t_sum / s.t_n, 3),
        low=s.t_min,
        high=s.t_max,
        n=s.n,
        level_mm=None if not s.l_n else round(s.l_sum / s.l_n, 2),
    )
