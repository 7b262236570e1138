"""One serial line, opened by URL, with every failure turned into a :class:`DeviceError`.

``serial.serial_for_url`` accepts device paths (``/dev/ttyUSB0``, ``/dev/pts/7``),
``socket://host:port`` and ``rfc2217://host:port``, so the drivers work the same on
a USB adapter, a pseudo-terminal from the simulator and a serial-over-LAN server.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from tracseq_desktop.domain.monitoring import DeviceDisconnected
from tracseq_desktop.i18n import _


class SerialLine:
    """An exclusively owned serial handle; the caller serialises requests on it."""

    def __init__(
        self,
        url: str,
        *,
        baud: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        timeout_s: float = 1.0,
    ) -> None:
        self.url = url
        self.baud = baud
        self.bytesize = bytesize
        self.parity = parity
        self.stopbits = stopbits
        self.timeout_s = timeout_s
        self._handle: Any = None
        self.lock = threading.Lock()  #: held by a driver for one request/answer exchange

    @property
    def is_open(self) -> bool:
        return self._handle is not None

    def open(self) -> None:
        import serial

        if self._handle is not None:
            return
        try:
            self._handle = serial.serial_for_url(
                self.url,
                baudrate=self.baud,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=self.timeout_s,
                write_timeout=self.timeout_s,
                exclusive=True if self.url.startswith("/") else None,
            )
        except (*_io_errors(), ValueError) as exc:  # type: ignore[misc]
            raise DeviceDisconnected(
                _("Cannot open {port}: {reason}").format(port=self.url, reason=_reason(exc))
            ) from exc

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(Exception):  # a vanished port may fail to close in any way; it is gone
                handle.close()

    def _require(self) -> Any:
        if self._handle is None:
            raise DeviceDisconnected(_("Port {port} is not open.").format(port=self.url))
        return self._handle

    def _fail(self, exc: BaseException) -> DeviceDisconnected:
        self.close()
        return DeviceDisconnected(_("Lost {port}: {reason}").format(port=self.url, reason=_reason(exc)))

    def discard_input(self) -> None:
        """Drop stale bytes (a late or truncated answer) before a new request."""
        handle = self._require()
        try:
            handle.reset_input_buffer()
        except _io_errors() as exc:
            raise self._fail(exc) from exc

    def write(self, data: bytes) -> None:
        handle = self._require()
        try:
            handle.write(data)
        except _io_errors() as exc:
            raise self._fail(exc) from exc

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only when the timeout ran out."""
        handle = self._require()
        try:
            return bytes(handle.read(size))
        except _io_errors() as exc:
            raise self._fail(exc) from exc

    def read_until(self, terminator: bytes, limit: int = 256) -> bytes:
        """Bytes up to and including ``terminator``; without it only when the timeout ran out."""
        handle = self._require()
        try:
            return bytes(handle.read_until(terminator, limit))
        except _io_errors() as exc:
            raise self._fail(exc) from exc


def _io_errors() -> tuple[type[BaseException], ...]:
    """What a vanished port raises: pyserial's error, OS errors and termios errors (not OSErrors)."""
    import serial

    errors: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
    try:
        import termios
    except ImportError:  # Windows
        return errors
    return (*errors, termios.error)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
