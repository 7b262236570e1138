"""Modbus frames through the pymodbus adapter, checked against a CRC computed here from the spec."""

from __future__ import annotations

import struct

import pytest

from hardware.freezer import modbus
from tracseq_desktop.domain.monitoring import ChecksumError, DeviceRejected, GarbledAnswer


def crc16_modbus(data: bytes) -> bytes:
    """CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF), low byte first on the wire."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


def test_read_request_is_a_standard_rtu_frame() -> None:
    frame = modbus.read_request(5, 256, 3)
    body = bytes([5, 3, 0x01, 0x00, 0x00, 0x03])
    assert frame == body + crc16_modbus(body)


def test_response_round_trip_keeps_signed_words() -> None:
    registers = [(-805) & 0xFFFF, 0, 0x8000]
    frame = modbus.read_response(7, registers)
    assert frame[:3] == bytes([7, 3, 6])
    assert frame[-2:] == crc16_modbus(frame[:-2])
    assert modbus.rtu_response_length(frame[:3]) == len(frame)
    assert modbus.decode_read_response(frame, 7, 3) == registers


def test_bad_crc_is_a_checksum_error() -> None:
    frame = bytearray(modbus.read_response(1, [1, 2]))
    frame[-1] ^= 0xFF
    with pytest.raises(ChecksumError):
        modbus.decode_read_response(bytes(frame), 1, 2)


def test_flipped_payload_bit_is_caught_by_the_crc() -> None:
    frame = bytearray(modbus.read_response(1, [1000, 2000]))
    frame[4] ^= 0x01
    with pytest.raises(ChecksumError):
        modbus.decode_read_response(bytes(frame), 1, 2)


def test_exception_response_carries_its_code() -> None:
    frame = modbus.exception_response(3, 3, modbus.ILLEGAL_ADDRESS)
    body = bytes([3, 0x83, 0x02])
    assert frame == body + crc16_modbus(body)
    assert modbus.rtu_response_length(frame[:3]) == 5
    with pytest.raises(DeviceRejected) as caught:
        modbus.decode_read_response(frame, 3, 1)
    assert caught.value.exception_code == 2


def test_answer_from_another_device_is_rejected() -> None:
    frame = modbus.read_response(2, [1])
    with pytest.raises(GarbledAnswer, match="Device 2"):
        modbus.decode_read_response(frame, 1, 1)


def test_wrong_register_count_is_garbled() -> None:
    frame = modbus.read_response(1, [1, 2, 3])
    with pytest.raises(GarbledAnswer, match="Expected 2"):
        modbus.decode_read_response(frame, 1, 2)


def test_server_side_decodes_requests_and_drops_bad_ones() -> None:
    frame = modbus.read_request(9, 3328, 2)
    assert modbus.rtu_request_length(frame[:2]) == 8
    assert modbus.decode_request(frame) == modbus.Request(device=9, function=3, start=3328, count=2)
    damaged = frame[:-1] + bytes([frame[-1] ^ 1])
    assert modbus.decode_request(damaged) is None


def test_modbus_ascii_frames_have_lrc_and_crlf() -> None:
    frame = modbus.read_request(1, 16, 1, modbus.Framing.ASCII)
    payload = bytes([1, 3, 0, 16, 0, 1])
    lrc = (-sum(payload)) & 0xFF
    assert frame == b":" + payload.hex().upper().encode() + f"{lrc:02X}".encode() + b"\r\n"
    answer = modbus.read_response(1, [0xFCE0], modbus.Framing.ASCII)
    assert modbus.decode_read_response(answer, 1, 1, modbus.Framing.ASCII) == [0xFCE0]
    broken = answer.replace(b"FCE0", b"FCE1")
    with pytest.raises(ChecksumError):
        modbus.decode_read_response(broken, 1, 1, modbus.Framing.ASCII)
