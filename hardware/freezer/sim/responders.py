"""The controller side of each protocol: bytes in, answers out, from the unit models.

Responders frame requests from a byte stream, answer from the models' current
state, and know how to damage an answer for fault injection (bad CRC, garbled,
truncated, exception). They share the frame code with the drivers
(``hardware.freezer.modbus``), so both ends agree on the wire format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hardware.freezer import modbus
from hardware.freezer.devicemaps import AsciiCommandSet, RegisterMap, load_command_set, load_register_map
from hardware.freezer.sim.model import CabinetUnit, Ln2Unit, UnitModel

FAULTS = ("crc", "garble", "truncate", "exception", "silence")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request that reached a unit and the answer it gets (``None``: no answer)."""

    unit_id: str
    request: str
    reply: bytes | None


class Responder:
    """Base: subclasses frame requests and build answers."""

    protocol: str

    def feed(self, data: bytes) -> list[Exchange]:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget partial input (a new connection, an unplug, an idle gap)."""
        raise NotImplementedError

    def damage(self, reply: bytes, fault: str, unit_id: str) -> bytes | None:
        raise NotImplementedError


class ModbusResponder(Responder):
    """Dixell-style (RTU) or Thermo-style (ASCII) controllers on one bus."""

    def __init__(self, units: dict[int, CabinetUnit], *, ascii_framing: bool = False) -> None:
        self.units = units
        self.framing = modbus.Framing.ASCII if ascii_framing else modbus.Framing.RTU
        self.map: RegisterMap = load_register_map("thermo" if ascii_framing else "dixell")
        self.protocol = "modbus-ascii-thermo" if ascii_framing else "modbus-dixell"
        self._buffer = b""
        self._alarm_bits: dict[str, tuple[int, int]] = {
            code: (word.register, bit) for word in self.map.alarm_words for bit, code in word.bits.items()
        }

    def reset(self) -> None:
        self._buffer = b""

    def registers(self, unit: CabinetUnit) -> dict[int, int]:
        """Every register of the map for the unit's present state."""
        reg = self.map
        values = {address: reg.raw(unit.probe(index)) for index, address in enumerate(reg.probes)}
        if reg.setpoint is not None:
            values[reg.setpoint] = reg.raw(unit.setpoint)
        if reg.status_register is not None:
            state = {
                "compressor_on": unit.compressor_on,
                "door_open": unit.door_open,
                "defrost": unit.defrost,
                "power_failure": unit.power_latch or not unit.powered,
            }
            values[reg.status_register] = sum(1 << bit for name, bit in reg.status_bits.items() if state.get(name))
        for word in reg.alarm_words:
            values[word.register] = 0
        for code in unit.alarms():
            if code in self._alarm_bits:
                register, bit = self._alarm_bits[code]
                values[register] |= 1 << bit
        return values

    def feed(self, data: bytes) -> list[Exchange]:
        self._buffer += data
        frames: list[bytes] = []
        if self.framing is modbus.Framing.ASCII:
            end = modbus.ascii_frame_end()
            while (stop := self._buffer.find(end)) >= 0:
                start = self._buffer.rfind(b":", 0, stop)
                if start >= 0:
                    frames.append(self._buffer[start : stop + len(end)])
                self._buffer = self._buffer[stop + len(end) :]
        else:
            while len(self._buffer) >= 2:
                size = modbus.rtu_request_length(self._buffer[:2])
                if size is None:
                    self._buffer = self._buffer[1:]
                    continue
                if len(self._buffer) < size:
                    break
                frames.append(self._buffer[:size])
                self._buffer = self._buffer[size:]
        return [exchange for frame in frames if (exchange := self._answer(frame)) is not None]

    def _answer(self, frame: bytes) -> Exchange | None:
        request = modbus.decode_request(frame, self.framing)
        if request is None or request.device not in self.units:
            return None  # a damaged request or another device's: a real slave stays silent
        unit = self.units[request.device]
        text = f"fc{request.function} {request.start}+{request.count}"
        if request.function != modbus.READ_HOLDING_REGISTERS:
            reply = modbus.exception_response(request.device, request.function, 1, self.framing)
            return Exchange(unit.unit_id, text, reply)
        values = self.registers(unit)
        wanted = range(request.start, request.start + request.count)
        if any(address not in values for address in wanted):
            reply = modbus.exception_response(request.device, request.function, modbus.ILLEGAL_ADDRESS, self.framing)
            return Exchange(unit.unit_id, text, reply)
        if self.map.status_register in wanted and unit.powered:
            unit.power_latch = False  # "since last read": reading the status clears it
        reply = modbus.read_response(request.device, [values[a] for a in wanted], self.framing)
        return Exchange(unit.unit_id, text, reply)

    def damage(self, reply: bytes, fault: str, unit_id: str) -> bytes | None:
        address = next((a for a, u in self.units.items() if u.unit_id == unit_id), 1)
        if fault == "silence":
            return None
        if fault == "exception":
            return modbus.exception_response(
                address, modbus.READ_HOLDING_REGISTERS, modbus.DEVICE_FAILURE, self.framing
            )
        if fault == "truncate":
            return reply[: max(1, len(reply) // 2)]
        if self.framing is modbus.Framing.ASCII:
            body = bytearray(reply)
            position = len(body) - 3 if fault == "crc" else 5  # the LRC, or a data digit
            body[position] = ord("0") if body[position] != ord("0") else ord("1")
            return bytes(body)
        body = bytearray(reply)
        if fault == "crc":
            body[-1] ^= 0xA5
        else:  # garble: a flipped payload bit, the CRC left as it was
            body[min(3, len(body) - 3)] ^= 0x10
        return bytes(body)


class Ln2Responder(Responder):
    """LN2 controllers answering ``[NNN ]COMMAND\\r`` lines."""

    protocol = "ascii-ln2"

    def __init__(self, units: dict[int, Ln2Unit], commands: AsciiCommandSet | None = None) -> None:
        self.units = units
        self.commands = commands or load_command_set()
        self._buffer = b""

    def reset(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[Exchange]:
        self._buffer += data
        exchanges: list[Exchange] = []
        terminator = self.commands.terminator
        while (stop := self._buffer.find(terminator)) >= 0:
            line, self._buffer = self._buffer[:stop], self._buffer[stop + len(terminator) :]
            exchange = self._answer(line.decode("ascii", "replace").strip())
            if exchange is not None:
                exchanges.append(exchange)
        if len(self._buffer) > 256:
            self._buffer = b""
        return exchanges

    def _target(self, line: str) -> tuple[Ln2Unit | None, str]:
        digits = self.commands.address_digits
        head, _space, rest = line.partition(" ")
        if len(head) == digits and head.isdigit() and rest:
            return self.units.get(int(head)), rest.strip()
        if len(self.units) == 1:  # no prefix: the only controller on the line answers
            return next(iter(self.units.values())), line
        return None, line

    def _answer(self, line: str) -> Exchange | None:
        unit, command = self._target(line)
        if unit is None or not command:
            return None
        answer = self._value(unit, command.upper())
        reply = None if answer is None else answer.encode("ascii") + self.commands.terminator
        return Exchange(unit.unit_id, command, reply)

    def _value(self, unit: Ln2Unit, command: str) -> str | None:
        queries = self.commands.queries
        answers: dict[str, Callable[[], str]] = {
            queries["temp_a"]: lambda: self._temperature(unit.probe(0)),
            queries["temp_b"]: lambda: self._temperature(unit.probe(1)),
            queries["level"]: lambda: f"{unit.level:.0f}",
            queries["alarms"]: lambda: ",".join(sorted(unit.alarms())),
            queries["filling"]: lambda: "1" if unit.filling else "0",
        }
        if command in answers:
            return answers[command]()
        if command in ("FILL 1", "FILL 0"):
            unit.apply("fill" if command.endswith("1") else "fill_stop", {})
            return None  # set commands answer nothing
        if command.endswith("?"):
            return self.commands.error_answer
        return None

    def _temperature(self, value: float | None) -> str:
        return self.commands.no_probe_answer if value is None else f"{value:.2f}"

    def damage(self, reply: bytes, fault: str, unit_id: str) -> bytes | None:
        terminator = self.commands.terminator
        if fault == "silence":
            return None
        if fault == "exception":
            return self.commands.error_answer.encode("ascii") + terminator
        body = reply[: -len(terminator)]
        if fault == "truncate":
            return body[: len(body) // 2]  # no terminator: the line never ends
        # crc and garble alike: no checksum here, so damage the text so strict parsing must catch it
        middle = len(body) // 2
        return body[:middle] + b"#\x7f" + body[middle + 1 :] + terminator


def build_responder(protocol: str, units: dict[int, UnitModel]) -> Responder:
    if protocol == "ascii-ln2":
        ln2 = {a: u for a, u in units.items() if isinstance(u, Ln2Unit)}
        if len(ln2) != len(units):
            raise ValueError("an ascii-ln2 port serves LN2 units only")
        return Ln2Responder(ln2)
    cabinets = {a: u for a, u in units.items() if isinstance(u, CabinetUnit)}
    if len(cabinets) != len(units):
        raise ValueError(f"a {protocol} port serves compressor units only")
    if protocol == "modbus-dixell":
        return ModbusResponder(cabinets)
    if protocol == "modbus-ascii-thermo":
        return ModbusResponder(cabinets, ascii_framing=True)
    raise ValueError(f"unknown protocol {protocol!r}")
