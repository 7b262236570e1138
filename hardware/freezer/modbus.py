"""The one module that talks to pymodbus: Modbus frames in and out, nothing else.

We own the serial handle (``serial.serial_for_url``) so that pty, socket and RFC 2217
ports, timeouts and retries behave the same everywhere; pymodbus supplies the PDU
classes, the RTU framer with its CRC and the ASCII framer with its LRC. The
simulator builds its answers through the same functions, so both ends of the wire
agree on what a valid frame is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from pymodbus.framer import FramerAscii, FramerRTU
from pymodbus.pdu import DecodePDU, ExceptionResponse
from pymodbus.pdu.register_message import ReadHoldingRegistersRequest, ReadHoldingRegistersResponse

from tracseq_desktop.domain.monitoring import ChecksumError, DeviceRejected, GarbledAnswer
from tracseq_desktop.i18n import _

READ_HOLDING_REGISTERS = 3
ILLEGAL_ADDRESS = 2
DEVICE_FAILURE = 4


class Framing(Enum):
    RTU = "rtu"
    ASCII = "ascii"


_client_decoder = DecodePDU(is_server=False)
_server_decoder = DecodePDU(is_server=True)


def _framer(framing: Framing, *, server: bool) -> FramerRTU | FramerAscii:
    decoder = _server_decoder if server else _client_decoder
    return FramerRTU(decoder) if framing is Framing.RTU else FramerAscii(decoder)


# -- client side -------------------------------------------------------------------


def read_request(device: int, start: int, count: int, framing: Framing = Framing.RTU) -> bytes:
    """A complete "read holding registers" request frame (with CRC or LRC)."""
    pdu = ReadHoldingRegistersRequest(dev_id=device, address=start, count=count)
    return _framer(framing, server=False).buildFrame(pdu)


def rtu_response_length(head: bytes) -> int | None:
    """Length of the RTU response that starts with ``head`` (≥ 3 bytes), ``None`` if unknown."""
    if len(head) < 3:
        raise ValueError("need the first three bytes of the answer")
    function = head[1]
    if function & 0x80:
        return ExceptionResponse.rtu_frame_size
    if function == READ_HOLDING_REGISTERS:
        return ReadHoldingRegistersResponse.calculateRtuFrameSize(head)
    return None


def decode_read_response(frame: bytes, device: int, count: int, framing: Framing = Framing.RTU) -> list[int]:
    """The register values of a complete response frame, or a :class:`DeviceError`."""
    framer = _framer(framing, server=False)
    if framing is Framing.RTU:
        if len(frame) < FramerRTU.MIN_SIZE:
            raise GarbledAnswer(_("The answer is too short ({count} bytes).").format(count=len(frame)))
        crc = int.from_bytes(frame[-2:], "big")
        if not FramerRTU.check_CRC(frame[:-2], crc):
            raise ChecksumError(_("The answer failed its CRC check."))
    _used, dev_id, _tid, pdu_bytes = framer.decode(frame)
    if not pdu_bytes:
        raise ChecksumError(_("The answer failed its checksum or framing check."))
    if dev_id != device:
        raise GarbledAnswer(
            _("Device {got} answered a request for device {expected}.").format(got=dev_id, expected=device)
        )
    pdu = _client_decoder.decode(pdu_bytes)
    if pdu is None:
        raise GarbledAnswer(_("The answer could not be decoded."))
    if isinstance(pdu, ExceptionResponse):
        raise DeviceRejected(
            _("The device refused the request (Modbus exception {code}).").format(code=pdu.exception_code),
            exception_code=pdu.exception_code,
        )
    if pdu.function_code != READ_HOLDING_REGISTERS or len(pdu.registers) != count:
        raise GarbledAnswer(
            _("Expected {expected} registers, got {got}.").format(expected=count, got=len(pdu.registers))
        )
    return list(pdu.registers)


# -- server side (the simulator) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    device: int
    function: int
    start: int
    count: int


def rtu_request_length(head: bytes) -> int | None:
    """Length of an RTU request starting with ``head`` (≥ 2 bytes), ``None`` for unknown functions."""
    pdu_class = _server_decoder.lookupPduClass(head)
    if pdu_class is None:
        return None
    return pdu_class.calculateRtuFrameSize(head) or None


def decode_request(frame: bytes, framing: Framing = Framing.RTU) -> Request | None:
    """The request in one complete frame; ``None`` when the checksum or contents are bad."""
    framer = _framer(framing, server=True)
    _used, dev_id, _tid, pdu_bytes = framer.decode(frame)
    if not pdu_bytes:
        return None
    pdu = _server_decoder.decode(pdu_bytes)
    if pdu is None:
        return None
    return Request(device=dev_id, function=pdu.function_code, start=pdu.address, count=pdu.count)


def read_response(device: int, registers: Sequence[int], framing: Framing = Framing.RTU) -> bytes:
    """A complete "read holding registers" response frame."""
    pdu = ReadHoldingRegistersResponse(dev_id=device, registers=[r & 0xFFFF for r in registers])
    return _framer(framing, server=True).buildFrame(pdu)


def exception_response(device: int, function: int, code: int, framing: Framing = Framing.RTU) -> bytes:
    """A complete exception response frame."""
    pdu = ExceptionResponse(function, code, device_id=device)
    return _framer(framing, server=True).buildFrame(pdu)


def ascii_frame_end() -> bytes:
    """The terminator of a Modbus ASCII frame (CR LF)."""
    return FramerAscii.END
