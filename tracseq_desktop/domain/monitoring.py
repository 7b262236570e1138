"""Freezer monitoring: what a device reports and how it is reached.

Pure types shared by the device adapters (``hardware.freezer``), the storage of
readings, the alarm engine and the dashboard. Temperatures are °C, levels mm,
times UTC-aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from tracseq_desktop.domain.errors import DomainError
from tracseq_desktop.i18n import N_, _


class AlarmCode(StrEnum):
    """Alarm states a controller reports; vendor codes without a match stay strings."""

    HIGH_TEMPERATURE = "high_temperature"
    LOW_TEMPERATURE = "low_temperature"
    PROBE_FAILURE = "probe_failure"
    DOOR_OPEN_TOO_LONG = "door_open_too_long"
    COMMUNICATION = "communication"
    POWER_FAILURE = "power_failure"
    LN2_LEVEL_LOW = "ln2_level_low"
    LN2_LEVEL_HIGH = "ln2_level_high"
    FILL_TIMEOUT = "fill_timeout"

    @property
    def display_name(self) -> str:
        return _(_ALARM_TITLES[self])


_ALARM_TITLES = {
    AlarmCode.HIGH_TEMPERATURE: N_("high temperature"),
    AlarmCode.LOW_TEMPERATURE: N_("low temperature"),
    AlarmCode.PROBE_FAILURE: N_("probe failure"),
    AlarmCode.DOOR_OPEN_TOO_LONG: N_("door open too long"),
    AlarmCode.COMMUNICATION: N_("communication failure"),
    AlarmCode.POWER_FAILURE: N_("power failure"),
    AlarmCode.LN2_LEVEL_LOW: N_("liquid nitrogen level low"),
    AlarmCode.LN2_LEVEL_HIGH: N_("liquid nitrogen level high"),
    AlarmCode.FILL_TIMEOUT: N_("fill took too long"),
}

#: An active alarm: a known code, or a vendor code as the device spells it (``"ln2:BO"``).
Alarm = AlarmCode | str


def alarm_from_text(text: str) -> Alarm:
    """The known code for ``text`` if there is one, otherwise the text itself."""
    try:
        return AlarmCode(text)
    except ValueError:
        return text


class DeviceProtocol(StrEnum):
    """Wire protocols the drivers speak."""

    MODBUS_DIXELL = "modbus-dixell"
    ASCII_LN2 = "ascii-ln2"
    MODBUS_ASCII_THERMO = "modbus-ascii-thermo"


@dataclass(frozen=True, slots=True)
class Reading:
    """One complete set of values from one unit; ``None`` where the device has no such value."""

    unit_id: str
    taken_at: datetime
    probes: tuple[float | None, ...]  #: °C per probe, ``None`` for an absent or failed probe
    setpoint: float | None = None
    door_open: bool | None = None
    compressor_on: bool | None = None
    defrost: bool | None = None
    power_failure: bool | None = None
    ln2_level_mm: float | None = None
    ln2_filling: bool | None = None
    alarms: frozenset[Alarm] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.taken_at.tzinfo is None or self.taken_at.utcoffset() is None:
            raise ValueError("Reading.taken_at must be timezone-aware")

    @property
    def temperature(self) -> float | None:
        """The first working probe: the value a dashboard shows for the unit."""
        return next((p for p in self.probes if p is not None), None)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (alarm codes sorted)."""
        return {
            "unit_id": self.unit_id,
            "taken_at": self.taken_at.isoformat(),
            "probes": list(self.probes),
            "setpoint": self.setpoint,
            "door_open": self.door_open,
            "compressor_on": self.compressor_on,
            "defrost": self.defrost,
            "power_failure": self.power_failure,
            "ln2_level_mm": self.ln2_level_mm,
            "ln2_filling": self.ln2_filling,
            "alarms": sorted(str(a) for a in self.alarms),
        }


@dataclass(frozen=True, slots=True)
class DeviceLink:
    """How one unit's controller is reached: a port URL and an address on that line.

    ``port`` is anything ``serial.serial_for_url`` opens: ``/dev/ttyUSB0``,
    ``/dev/pts/7``, ``socket://host:port`` or ``rfc2217://host:port``. Several links
    may share a port (an RS-485 bus); one worker polls them in turn.
    """

    unit_id: str
    port: str
    protocol: DeviceProtocol
    address: int = 1
    baud: int = 9600
    poll_interval_s: float = 10.0
    timeout_s: float = 1.0  #: per request, before the answer counts as missing
    retries: int = 2  #: further attempts after a failed read within one poll

    def __post_init__(self) -> None:
        if not 0 <= self.address <= 999:
            raise ValueError("DeviceLink.address must be 0..999")
        if self.poll_interval_s <= 0 or self.timeout_s <= 0 or self.retries < 0:
            raise ValueError("DeviceLink timing values must be positive")


@dataclass(frozen=True, slots=True)
class PollFailure:
    """A poll that produced no reading; ``lost`` once ``missed`` reaches the loss threshold."""

    link: DeviceLink
    error: DeviceError
    at: datetime
    missed: int  #: consecutive polls without a reading, this one included
    lost: bool  #: communication counts as lost (``missed`` ≥ the worker's threshold)


@runtime_checkable
class FreezerDriver(Protocol):
    """A connection to one unit's controller."""

    def open(self) -> None: ...

    def read(self) -> Reading: ...

    def close(self) -> None: ...


class DeviceError(DomainError):
    """The device could not be read; no reading was produced."""

    code = "device"


class DeviceTimeout(DeviceError):
    """Nothing came back in time."""

    code = "device_timeout"


class GarbledAnswer(DeviceError):
    """Something came back but it is not a valid answer (bad CRC, truncated, wrong syntax)."""

    code = "device_garbled"


class ChecksumError(GarbledAnswer):
    code = "device_checksum"


class DeviceRejected(DeviceError):
    """The device answered with an error (a Modbus exception response, ``ERR``)."""

    code = "device_rejected"

    def __init__(self, message: str, exception_code: int | None = None) -> None:
        super().__init__(message)
        self.exception_code = exception_code


class DeviceDisconnected(DeviceError):
    """The port is gone or cannot be opened (unplugged adapter, closed socket)."""

    code = "device_disconnected"
