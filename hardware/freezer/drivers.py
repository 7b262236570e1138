"""Pick the driver for a link's protocol."""

from __future__ import annotations

from hardware.freezer.devicemaps import load_command_set, load_register_map
from hardware.freezer.ln2ascii import Ln2AsciiDriver
from hardware.freezer.modbusdriver import ModbusFreezerDriver, line_for
from hardware.freezer.serialline import SerialLine
from tracseq_desktop.domain.monitoring import DeviceLink, DeviceProtocol

Driver = ModbusFreezerDriver | Ln2AsciiDriver


def open_line(link: DeviceLink) -> SerialLine:
    """A (not yet opened) line with the framing the link's protocol uses."""
    if link.protocol is DeviceProtocol.ASCII_LN2:
        settings = load_command_set().serial
        return SerialLine(
            link.port,
            baud=link.baud,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            timeout_s=link.timeout_s,
        )
    return line_for(
        link, load_register_map("thermo" if link.protocol is DeviceProtocol.MODBUS_ASCII_THERMO else "dixell")
    )


def make_driver(link: DeviceLink, line: SerialLine | None = None) -> Driver:
    """The driver for ``link``; on ``line`` when given (a shared bus), else on its own line."""
    if link.protocol is DeviceProtocol.ASCII_LN2:
        return Ln2AsciiDriver(link, line)
    return ModbusFreezerDriver(link, line)
