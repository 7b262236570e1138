"""Liquid-nitrogen freezer controllers speaking a line-oriented ASCII protocol.

Modelled on Chart MVE TEC 3000 style controllers: a command is an optional
three-digit device id, a space, the command and CR (``001 TEMPA?\\r``); a query
is answered by one line (``-197.10\\r``), a set command by nothing. There is no
checksum, so parsing is strict: anything but a complete, well-formed line raises.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hardware.freezer.devicemaps import AsciiCommandSet, load_command_set
from hardware.freezer.serialline import SerialLine
from tracseq_desktop.domain.monitoring import (
    Alarm,
    AlarmCode,
    DeviceLink,
    DeviceRejected,
    DeviceTimeout,
    GarbledAnswer,
    Reading,
    alarm_from_text,
)
from tracseq_desktop.i18n import _

_NUMBER = re.compile(r"[+-]?\d{1,4}(?:\.\d{1,3})?")
_ALARM = re.compile(r"[A-Z][A-Z0-9]{0,7}")


def encode_command(command: str, address: int | None, commands: AsciiCommandSet) -> bytes:
    """The bytes of one command line (address prefix when ``address`` is given)."""
    prefix = f"{address:0{commands.address_digits}d} " if address is not None else ""
    return (prefix + command).encode("ascii") + commands.terminator


class Ln2AsciiDriver:
    """Reads one LN2 controller; implements ``FreezerDriver``. ``link.address`` 0 sends no prefix."""

    def __init__(
        self,
        link: DeviceLink,
        line: SerialLine | None = None,
        commands: AsciiCommandSet | None = None,
    ) -> None:
        self.link = link
        self.commands = commands or load_command_set()
        self._owns_line = line is None
        settings = self.commands.serial
        self.line = line or SerialLine(
            link.port,
            baud=link.baud,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            timeout_s=link.timeout_s,
        )

    def open(self) -> None:
        self.line.open()

    def close(self) -> None:
        if self._owns_line:
            self.line.close()

    def query(self, command: str) -> str:
        """Send a query and return its answer line without the terminator."""
        address = self.link.address or None
        self.line.discard_input()
        self.line.write(encode_command(command, address, self.commands))
        raw = self.line.read_until(self.commands.terminator)
        if not raw:
            raise DeviceTimeout(_("No answer to {command} from {port}.").format(command=command, port=self.line.url))
        if not raw.endswith(self.commands.terminator):
            raise GarbledAnswer(_("The answer to {command} was cut short.").format(command=command))
        try:
            text = raw[: -len(self.commands.terminator)].decode("ascii")
        except UnicodeDecodeError as exc:
            raise GarbledAnswer(_("The answer to {command} is not text.").format(command=command)) from exc
        text = text.lstrip("\n")  # a CR LF device leaves the LF in front of the next answer
        if text == self.commands.error_answer:
            raise DeviceRejected(_("The device rejected {command}.").format(command=command))
        return text

    def send(self, command: str) -> None:
        """A set command: the device answers nothing."""
        address = self.link.address or None
        self.line.discard_input()
        self.line.write(encode_command(command, address, self.commands))

    def _number(self, command: str, *, allow_missing: bool = False) -> float | None:
        text = self.query(command)
        if allow_missing and text == self.commands.no_probe_answer:
            return None
        if not _NUMBER.fullmatch(text):
            raise GarbledAnswer(_("Unexpected answer to {command}: {text}").format(command=command, text=repr(text)))
        return float(text)

    def _alarms(self) -> frozenset[Alarm]:
        text = self.query(self.commands.queries["alarms"])
        if not text:
            return frozenset()
        codes = text.split(",")
        if not all(_ALARM.fullmatch(code) for code in codes):
            raise GarbledAnswer(_("Unexpected alarm list: {text}").format(text=repr(text)))
        alarms: set[Alarm] = set()
        for code in codes:
            known = self.commands.alarm_codes.get(code)
            alarms.add(alarm_from_text(known) if known else f"{self.commands.vendor_prefix}:{code}")
        return frozenset(alarms)

    def _flag(self, command: str) -> bool:
        text = self.query(command)
        if text not in ("0", "1"):
            raise GarbledAnswer(_("Unexpected answer to {command}: {text}").format(command=command, text=repr(text)))
        return text == "1"

    def read(self) -> Reading:
        queries = self.commands.queries
        with self.line.lock:
            temp_a = self._number(queries["temp_a"], allow_missing=True)
            temp_b = self._number(queries["temp_b"], allow_missing=True)
            level = self._number(queries["level"])
            alarms = self._alarms()
            filling = self._flag(queries["filling"])
        return Reading(
            unit_id=self.link.unit_id,
            taken_at=datetime.now(UTC),
            probes=(temp_a, temp_b),
            power_failure=AlarmCode.POWER_FAILURE in alarms,
            ln2_level_mm=level,
            ln2_filling=filling,
            alarms=alarms,
        )
