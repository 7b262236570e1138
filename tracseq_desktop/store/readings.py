"""Compact storage of readings: one block per unit and hour, packed with ``struct``.

A year of 10-second readings for 20 units is 63 million readings; one row each,
with indexes, would take several gigabytes. Instead each unit has one row per
hour whose blob holds that hour's readings as fixed-width records of unsigned
16-bit fields:

* the offset from the start of the hour in tenths of a second,
* a flags word: door, compressor, defrost, power failure and LN2 filling as
  2-bit states (0 unknown, 1 no, 2 yes), bit 10 set when the device reported alarms,
* each probe that is part of the block's layout, in hundredths of °C as
  two's complement (``0x8000`` for a missing or failed probe),
* the setpoint (same encoding) and the LN2 level in tenths of mm (``0xFFFF``
  for none), when the layout has them.

The 6-byte header gives the codec and the layout (probe count, which probes,
setpoint, level). The hour being written is *open* (codec 0: plain records,
appended one reading at a time); a finished hour is *sealed* (codec 1): the
columns are delta-coded, their bytes shuffled (all low bytes, then all high
bytes) and zlib-compressed, which takes 10-byte records down to 2-4 bytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from tracseq_desktop.domain.monitoring import Reading

HOUR_S = 3600
OPEN, SEALED = 0, 1
MISSING_TEMP = 0x8000
MISSING_LEVEL = 0xFFFF
MAX_PROBES = 8
_HEADER = struct.Struct("<BBBBH")  # codec, probe count, probe mask, field mask, record count
_ALARMS_BIT = 1 << 10
_TRI = {None: 0, False: 1, True: 2}
_FROM_TRI = (None, False, True)


@dataclass(frozen=True, slots=True)
class Layout:
    """Which values each record of a block carries."""

    nprobes: int
    probe_mask: int  #: bit i: probe i has a column
    setpoint: bool
    level: bool

    @property
    def width(self) -> int:
        """Fields per record."""
        return 2 + self.probe_mask.bit_count() + int(self.setpoint) + int(self.level)

    @property
    def probe_indexes(self) -> tuple[int, ...]:
        return tuple(i for i in range(self.nprobes) if self.probe_mask >> i & 1)

    def covers(self, other: Layout) -> bool:
        return (
            self.nprobes >= other.nprobes
            and other.probe_mask & ~self.probe_mask == 0
            and (self.setpoint or not other.setpoint)
            and (self.level or not other.level)
        )

    def union(self, other: Layout) -> Layout:
        return Layout(
            max(self.nprobes, other.nprobes),
            self.probe_mask | other.probe_mask,
            self.setpoint or other.setpoint,
            self.level or other.level,
        )

    def header(self, codec: int, count: int) -> bytes:
        fields = int(self.setpoint) | int(self.level) << 1
        return _HEADER.pack(codec, self.nprobes, self.probe_mask, fields, count)


def layout_of(reading: Reading) -> Layout:
    if len(reading.probes) > MAX_PROBES:
        raise ValueError(f"at most {MAX_PROBES} probes per unit")
    mask = sum(1 << i for i, value in enumerate(reading.probes) if value is not None)
    return Layout(len(reading.probes), mask, reading.setpoint is not None, reading.ln2_level_mm is not None)


def hour_of(at: datetime) -> int:
    """Hours since the epoch: the block key of ``at``."""
    return int(at.timestamp() // HOUR_S)


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * HOUR_S, UTC)


def _temp(value: float | None) -> int:
    if value is None:
        return MISSING_TEMP
    centi = max(-32767, min(32767, round(value * 100)))
    return centi & 0xFFFF


def _signed(word: int) -> float | None:
    if word == MISSING_TEMP:
        return None
    return (word - 0x10000 if word & 0x8000 else word) / 100


def _level(value: float | None) -> int:
    if value is None:
        return MISSING_LEVEL
    return max(0, min(0xFFFE, round(value * 10)))


def flags_of(reading: Reading) -> int:
    word = 0
    for shift, value in enumerate(
        (reading.door_open, reading.compressor_on, reading.defrost, reading.power_failure, reading.ln2_filling)
    ):
        word |= _TRI[value] << (2 * shift)
    if reading.alarms:
        word |= _ALARMS_BIT
    return word


def record_of(layout: Layout, reading: Reading, hour: int) -> list[int]:
    """The record's fields (all 0..65535) for ``reading`` in the block of ``hour`` under ``layout``."""
    offset = round((reading.taken_at.timestamp() - hour * HOUR_S) * 10)
    fields = [max(0, min(HOUR_S * 10 - 1, offset)), flags_of(reading)]
    probes = reading.probes
    fields.extend(_temp(probes[i] if i < len(probes) else None) for i in layout.probe_indexes)
    if layout.setpoint:
        fields.append(_temp(reading.setpoint))
    if layout.level:
        fields.append(_level(reading.ln2_level_mm))
    return fields


# -- blocks ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """A decoded block: its layout and its records (tuples of 16-bit fields) in time order."""

    layout: Layout
    records: list[tuple[int, ...]]


def read_header(blob: bytes) -> tuple[int, Layout, int]:
    codec, nprobes, mask, fields, count = _HEADER.unpack_from(blob)
    return codec, Layout(nprobes, mask, bool(fields & 1), bool(fields & 2)), count


def decode(blob: bytes) -> Block:
    codec, layout, count = read_header(blob)
    body = blob[_HEADER.size :]
    width = layout.width
    if codec == OPEN:
        words = struct.unpack(f"<{count * width}H", body[: count * width * 2])
        records = [words[i : i + width] for i in range(0, len(words), width)]
    elif codec == SEALED:
        records = list(zip(*_unseal_columns(zlib.decompress(body), count, width), strict=True))
    else:
        raise ValueError(f"unknown block codec {codec}")
    records.sort(key=lambda record: record[0])
    return Block(layout, records)


def encode_open(layout: Layout, records: Sequence[Sequence[int]]) -> bytes:
    flat = [word for record in records for word in record]
    return layout.header(OPEN, len(records)) + struct.pack(f"<{len(flat)}H", *flat)


def append(blob: bytes | None, reading: Reading, hour: int) -> bytes:
    """The block of ``hour`` with ``reading`` added: appended, or re-packed when its layout must grow."""
    wanted = layout_of(reading)
    if blob is None:
        return encode_open(wanted, [record_of(wanted, reading, hour)])
    codec, layout, count = read_header(blob)
    if count >= 0xFFFF:
        raise ValueError("a block holds at most 65535 readings (one per 55 ms)")
    if codec == OPEN and layout.covers(wanted):
        record = record_of(layout, reading, hour)
        return layout.header(OPEN, count + 1) + blob[_HEADER.size :] + struct.pack(f"<{len(record)}H", *record)
    block = decode(blob)
    grown = layout.union(wanted)
    records = [regrid(block.layout, grown, record) for record in block.records]
    records.append(tuple(record_of(grown, reading, hour)))
    return encode_open(grown, records) if codec == OPEN else seal_records(grown, records)


def regrid(old: Layout, new: Layout, record: tuple[int, ...]) -> tuple[int, ...]:
    """A record of layout ``old`` re-expressed in the wider layout ``new``."""
    values = dict(zip(old.probe_indexes, record[2:], strict=False))
    rest = list(record[2 + old.probe_mask.bit_count() :])
    setpoint = rest.pop(0) if old.setpoint else MISSING_TEMP
    level = rest.pop(0) if old.level else MISSING_LEVEL
    out = [record[0], record[1], *(values.get(i, MISSING_TEMP) for i in new.probe_indexes)]
    if new.setpoint:
        out.append(setpoint)
    if new.level:
        out.append(level)
    return tuple(out)


def seal(blob: bytes) -> bytes:
    """The compressed form of a finished block (unchanged if it is sealed already)."""
    if blob[0] == SEALED:
        return blob
    block = decode(blob)
    return seal_records(block.layout, block.records)


def seal_records(layout: Layout, records: Sequence[Sequence[int]]) -> bytes:
    columns = list(zip(*records, strict=True)) if records else [() for _ in range(layout.width)]
    return seal_columns(layout, columns)


def seal_columns(layout: Layout, columns: Sequence[Sequence[int]]) -> bytes:
    """Seal a block given column-wise (the bulk path: one sequence per field, in time order)."""
    if len(columns) != layout.width:
        raise ValueError("one column per field of the layout")
    count = len(columns[0]) if columns else 0
    parts = []
    for column in columns:
        deltas = [(b - a) & 0xFFFF for a, b in zip((0, *column[:-1]), column, strict=True)]
        raw = struct.pack(f"<{count}H", *deltas)
        parts.append(raw[0::2])
        parts.append(raw[1::2])
    return layout.header(SEALED, count) + zlib.compress(b"".join(parts), 6)


def _unseal_columns(data: bytes, count: int, width: int) -> list[list[int]]:
    columns = []
    for index in range(width):
        low = data[2 * index * count : (2 * index + 1) * count]
        high = data[(2 * index + 1) * count : (2 * index + 2) * count]
        raw = bytearray(2 * count)
        raw[0::2] = low
        raw[1::2] = high
        deltas = struct.unpack(f"<{count}H", raw)
        columns.append([value & 0xFFFF for value in accumulate(deltas)])
    return columns


# -- reading blocks back -----------------------------------------------------------------


def readings_of(unit: str, hour: int, blob: bytes) -> list[Reading]:
    """The block's readings as the drivers delivered them (alarm codes are not kept, only whether there were any)."""
    block = decode(blob)
    layout = block.layout
    start = hour * HOUR_S
    indexes = layout.probe_indexes
    out = []
    for record in block.records:
        probes: list[float | None] = [None] * layout.nprobes
        for index, word in zip(indexes, record[2:], strict=False):
            probes[index] = _signed(word)
        position = 2 + len(indexes)
        setpoint = _signed(record[position]) if layout.setpoint else None
        position += int(layout.setpoint)
        level = record[position] / 10 if layout.level and record[position] != MISSING_LEVEL else None
        flags = record[1]
        out.append(
            Reading(
                unit_id=unit,
                taken_at=datetime.fromtimestamp(start + record[0] / 10, UTC),
                probes=tuple(probes),
                setpoint=setpoint,
                door_open=_FROM_TRI[flags & 3],
                compressor_on=_FROM_TRI[flags >> 2 & 3],
                defrost=_FROM_TRI[flags >> 4 & 3],
                power_failure=_FROM_TRI[flags >> 6 & 3],
                ln2_filling=_FROM_TRI[flags >> 8 & 3],
                ln2_level_mm=level,
                alarms=frozenset({"reported"}) if flags & _ALARMS_BIT else frozenset(),
            )
        )
    return out


def series_of(hour: int, blob: bytes) -> list[tuple[float, float | None, float | None]]:
    """(epoch seconds, displayed temperature, LN2 level) per record: the fast path for charts."""
    block = decode(blob)
    layout = block.layout
    start = hour * HOUR_S
    nprobe = layout.probe_mask.bit_count()
    level_at = 2 + nprobe + int(layout.setpoint) if layout.level else None
    out = []
    for record in block.records:
        temperature = None
        for word in record[2 : 2 + nprobe]:
            if word != MISSING_TEMP:
                temperature = _signed(word)
                break
        level = None
        if level_at is not None and record[level_at] != MISSING_LEVEL:
            level = record[level_at] / 10
        out.append((start + record[0] / 10, temperature, level))
    return out


@dataclass(frozen=True, slots=True)
class ReadingColumns:
    """Readings column by column: cheap to build for a day (8,640 rows) and what chart and table models want.

    ``at_s`` are epoch seconds (UTC); ``probes[i]`` is probe i's column; flags are
    ``None`` where the device has no such value.
    """

    unit: str
    at_s: tuple[float, ...]
    temperature: tuple[float | None, ...]  #: the first working probe
    probes: tuple[tuple[float | None, ...], ...]
    setpoint: tuple[float | None, ...]
    door_open: tuple[bool | None, ...]
    compressor_on: tuple[bool | None, ...]
    power_failure: tuple[bool | None, ...]
    ln2_level_mm: tuple[float | None, ...]

    def __len__(self) -> int:
        return len(self.at_s)


def columns_of(unit: str, blocks: Iterable[tuple[int, bytes]], since: float, until: float) -> ReadingColumns:
    """The records of ``blocks`` (hour, blob) with ``since <= time <= until`` as columns.

    Works block by block on whole columns (``zip(*records)``): a day takes a few milliseconds.
    """
    decoded = [(hour, decode(blob)) for hour, blob in blocks]
    nprobes = max((block.layout.nprobes for _hour, block in decoded), default=0)
    at_s: list[float] = []
    probes: list[list[float | None]] = [[] for _ in range(nprobes)]
    setpoint: list[float | None] = []
    level: list[float | None] = []
    flags: list[int] = []
    for hour, block in decoded:
        start = hour * HOUR_S
        records = [r for r in block.records if since <= start + r[0] / 10 <= until]
        if not records:
            continue
        count = len(records)
        columns = list(zip(*records, strict=True))
        at_s.extend(start + offset / 10 for offset in columns[0])
        flags.extend(columns[1])
        layout = block.layout
        position = 2
        for index in range(nprobes):
            if index < layout.nprobes and layout.probe_mask >> index & 1:
                probes[index].extend(map(_signed, columns[position]))
                position += 1
            else:
                probes[index].extend([None] * count)
        if layout.setpoint:
            setpoint.extend(map(_signed, columns[position]))
            position += 1
        else:
            setpoint.extend([None] * count)
        if layout.level:
            level.extend(None if w == MISSING_LEVEL else w / 10 for w in columns[position])
        else:
            level.extend([None] * count)
    first = tuple(probes[0]) if probes else (None,) * len(at_s)
    if probes and None in first:
        temperature = tuple(next((v for v in values if v is not None), None) for values in zip(*probes, strict=True))
    else:
        temperature = first
    return ReadingColumns(
        unit=unit,
        at_s=tuple(at_s),
        temperature=temperature,
        probes=tuple(tuple(column) for column in probes),
        setpoint=tuple(setpoint),
        door_open=tuple(_FROM_TRI[f & 3] for f in flags),
        compressor_on=tuple(_FROM_TRI[f >> 2 & 3] for f in flags),
        power_failure=tuple(_FROM_TRI[f >> 6 & 3] for f in flags),
        ln2_level_mm=tuple(level),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """Min/sum/max of temperature and level over some readings: one rollup bucket."""

    n: int = 0
    t_n: int = 0
    t_min: float | None = None
    t_max: float | None = None
    t_sum: float = 0.0
    l_n: int = 0
    l_min: float | None = None
    l_max: float | None = None
    l_sum: float = 0.0


def summarise(points: Iterable[tuple[float, float | None, float | None]]) -> Summary:
    temps = []
    levels = []
    n = 0
    for _at, temperature, level in points:
        n += 1
        if temperature is not None:
            temps.append(temperature)
        if level is not None:
            levels.append(level)
    return Summary(
        n=n,
        t_n=len(temps),
        t_min=min(temps) if temps else None,
        t_max=max(temps) if temps else None,
        t_sum=sum(temps),
        l_n=len(levels),
        l_min=min(levels) if levels else None,
        l_max=max(levels) if levels else None,
        l_sum=sum(levels),
    )


def day_of(hour: int) -> int:
    return hour // 24


def day_start(day: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)
