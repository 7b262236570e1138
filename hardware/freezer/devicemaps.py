"""Register maps and command sets, read from the data files in ``resources/devices``.

A new controller model with the same protocol but other addresses is a new data
file, not new code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.i18n import _

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
DEVICES = RESOURCES / "devices"


@dataclass(frozen=True, slots=True)
class SerialSettings:
    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1


@dataclass(frozen=True, slots=True)
class AlarmWord:
    register: int
    bits: dict[int, str]  #: bit number -> alarm code text


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """Where a Modbus controller keeps its values and how to read them."""

    name: str
    serial: SerialSettings
    signed: bool
    scale: float
    invalid_values: frozenset[int]
    probes: tuple[int, ...]
    setpoint: int | None
    status_register: int | None
    status_bits: dict[str, int]  #: Reading field -> bit number
    alarm_words: tuple[AlarmWord, ...]
    vendor_prefix: str
    max_block_gap: int

    def addresses(self) -> list[int]:
        found = set(self.probes)
        if self.setpoint is not None:
            found.add(self.setpoint)
        if self.status_register is not None:
            found.add(self.status_register)
        found.update(word.register for word in self.alarm_words)
        return sorted(found)

    def blocks(self) -> list[tuple[int, int]]:
        """(start, count) runs that cover every address with as few requests as allowed."""
        runs: list[tuple[int, int]] = []
        for address in self.addresses():
            if runs and address - (runs[-1][0] + runs[-1][1]) <= self.max_block_gap:
                start, _count = runs[-1]
                runs[-1] = (start, address - start + 1)
            else:
                runs.append((address, 1))
        return runs

    def value(self, raw: int) -> float | None:
        """°C from a raw register, ``None`` for the "no probe"/failure sentinels."""
        number = raw - 0x10000 if self.signed and raw & 0x8000 else raw
        if number in self.invalid_values:
            return None
        return round(number * self.scale, 3)

    def raw(self, value: float | None) -> int:
        """The register for a value: the inverse of :meth:`value` (used by the simulator)."""
        if value is None:
            number = min(self.invalid_values)
        else:
            number = round(value / self.scale)
            low, high = (-0x8000, 0x7FFF) if self.signed else (0, 0xFFFF)
            number = max(low + 1, min(high - 1, number))
        return number & 0xFFFF


@dataclass(frozen=True, slots=True)
class AsciiCommandSet:
    """Queries and answers of a line-oriented controller."""

    name: str
    serial: SerialSettings
    terminator: bytes
    address_digits: int
    queries: dict[str, str]
    error_answer: str
    no_probe_answer: str
    alarm_codes: dict[str, str]  #: device code -> alarm code text
    vendor_prefix: str


def _load(name: str) -> dict[str, Any]:
    path = Path(name) if Path(name).suffix else DEVICES / f"{name}.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(_("Cannot read device map {path}: {reason}").format(path=path, reason=exc)) from exc
    return data


def _serial(data: dict[str, Any]) -> SerialSettings:
    raw = data.get("serial", {})
    return SerialSettings(
        baud=int(raw.get("baud", 9600)),
        bytesize=int(raw.get("bytesize", 8)),
        parity=str(raw.get("parity", "N")),
        stopbits=int(raw.get("stopbits", 1)),
    )


def load_register_map(name: str = "dixell") -> RegisterMap:
    """A register map by short name (``resources/devices/<name>.json``) or file path."""
    data = _load(name)
    try:
        status = data.get("status")
        return RegisterMap(
            name=str(data["name"]),
            serial=_serial(data),
            signed=bool(data["value"]["signed"]),
            scale=float(data["value"]["scale"]),
            invalid_values=frozenset(int(v) for v in data.get("invalid_values", [])),
            probes=tuple(int(a) for a in data["probes"]),
            setpoint=int(data["setpoint"]) if data.get("setpoint") is not None else None,
            status_register=int(status["register"]) if status else None,
            status_bits={str(k): int(v) for k, v in (status or {}).get("bits", {}).items()},
            alarm_words=tuple(
                AlarmWord(int(w["register"]), {int(b): str(code) for b, code in w["bits"].items()})
                for w in data.get("alarms", [])
            ),
            vendor_prefix=str(data.get("vendor_prefix", "vendor")),
            max_block_gap=int(data.get("max_block_gap", 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(_("Device map {name} is incomplete: {reason}").format(name=name, reason=exc)) from exc


def load_command_set(name: str = "ln2_ascii") -> AsciiCommandSet:
    """An ASCII command set by short name or file path."""
    data = _load(name)
    try:
        return AsciiCommandSet(
            name=str(data["name"]),
            serial=_serial(data),
            terminator=str(data.get("terminator", "\r")).encode("ascii"),
            address_digits=int(data.get("address_digits", 3)),
            queries={str(k): str(v) for k, v in data["queries"].items()},
            error_answer=str(data.get("error_answer", "ERR")),
            no_probe_answer=str(data.get("no_probe_answer", "OPEN")),
            alarm_codes={str(k): str(v) for k, v in data.get("alarm_codes", {}).items()},
            vendor_prefix=str(data.get("vendor_prefix", "vendor")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(_("Device map {name} is incomplete: {reason}").format(name=name, reason=exc)) from exc
