"""Modbus freezer controllers (Dixell-style RTU, Thermo-style ASCII) read through a register map."""

from __future__ import annotations

from datetime import UTC, datetime

from hardware.freezer import modbus
from hardware.freezer.devicemaps import RegisterMap, load_register_map
from hardware.freezer.serialline import SerialLine
from tracseq_desktop.domain.monitoring import (
    Alarm,
    DeviceLink,
    DeviceProtocol,
    DeviceTimeout,
    GarbledAnswer,
    Reading,
    alarm_from_text,
)
from tracseq_desktop.i18n import _

_DEFAULT_MAPS = {DeviceProtocol.MODBUS_DIXELL: "dixell", DeviceProtocol.MODBUS_ASCII_THERMO: "thermo"}


class ModbusFreezerDriver:
    """Reads one controller on a Modbus line; implements ``FreezerDriver``.

    Pass ``line`` to share one port between several controllers (the worker does);
    without it the driver opens and closes its own line.
    """

    def __init__(
        self,
        link: DeviceLink,
        line: SerialLine | None = None,
        register_map: RegisterMap | None = None,
    ) -> None:
        self.link = link
        self.map = register_map or load_register_map(_DEFAULT_MAPS.get(link.protocol, "dixell"))
        self.framing = (
            modbus.Framing.ASCII if link.protocol is DeviceProtocol.MODBUS_ASCII_THERMO else modbus.Framing.RTU
        )
        self._owns_line = line is None
        self.line = line or line_for(link, self.map)
        self._blocks = self.map.blocks()

    def open(self) -> None:
        self.line.open()

    def close(self) -> None:
        if self._owns_line:
            self.line.close()

    def read(self) -> Reading:
        values: dict[int, int] = {}
        with self.line.lock:
            for start, count in self._blocks:
                for offset, raw in enumerate(self._transact(start, count)):
                    values[start + offset] = raw
        return self._reading(values)

    def _transact(self, start: int, count: int) -> list[int]:
        device = self.link.address
        self.line.discard_input()
        self.line.write(modbus.read_request(device, start, count, self.framing))
        if self.framing is modbus.Framing.ASCII:
            frame = self.line.read_until(modbus.ascii_frame_end(), limit=600)
            if not frame:
                raise DeviceTimeout(
                    _("No answer from device {address} on {port}.").format(address=device, port=self.line.url)
                )
            if not frame.endswith(modbus.ascii_frame_end()):
                raise GarbledAnswer(_("The answer was cut short ({count} bytes).").format(count=len(frame)))
            return modbus.decode_read_response(frame, device, count, self.framing)
        head = self.line.read(3)
        if not head:
            raise DeviceTimeout(
                _("No answer from device {address} on {port}.").format(address=device, port=self.line.url)
            )
        if len(head) < 3:
            raise GarbledAnswer(_("The answer was cut short ({count} bytes).").format(count=len(head)))
        size = modbus.rtu_response_length(head)
        if size is None:
            raise GarbledAnswer(_("The answer has an unexpected function code {code}.").format(code=head[1]))
        frame = head + self.line.read(size - 3)
        if len(frame) < size:
            raise GarbledAnswer(_("The answer was cut short ({count} bytes).").format(count=len(frame)))
        return modbus.decode_read_response(frame, device, count, self.framing)

    def _reading(self, values: dict[int, int]) -> Reading:
        reg = self.map
        flags: dict[str, bool] = {}
        if reg.status_register is not None:
            word = values[reg.status_register]
            flags = {name: bool(word >> bit & 1) for name, bit in reg.status_bits.items()}
        alarms: set[Alarm] = set()
        for alarm_word in reg.alarm_words:
            word = values[alarm_word.register]
            for bit in range(16):
                if word >> bit & 1:
                    code = alarm_word.bits.get(bit)
                    alarms.add(alarm_from_text(code) if code else f"{reg.vendor_prefix}:{alarm_word.register}.{bit}")
        return Reading(
            unit_id=self.link.unit_id,
            taken_at=datetime.now(UTC),
            probes=tuple(reg.value(values[address]) for address in reg.probes),
            setpoint=reg.value(values[reg.setpoint]) if reg.setpoint is not None else None,
            door_open=flags.get("door_open"),
            compressor_on=flags.get("compressor_on"),
            defrost=flags.get("defrost"),
            power_failure=flags.get("power_failure"),
            alarms=frozenset(alarms),
        )


def line_for(link: DeviceLink, register_map: RegisterMap) -> SerialLine:
    """A line with the map's framing settings and the link's speed and timeout."""
    settings = register_map.serial
    return SerialLine(
        link.port,
        baud=link.baud,
        bytesize=settings.bytesize,
        parity=settings.parity,
        stopbits=settings.stopbits,
        timeout_s=link.timeout_s,
    )
