"""Where the simulator's controllers are plugged in: a pseudo-terminal or a TCP socket.

Both can be unplugged and plugged back. A pseudo-terminal gets a new ``/dev/pts/N``
each time it is reopened, so the simulator publishes a stable symlink to it (as
``/dev/serial/by-id`` does for real USB adapters) and points it at the new
terminal after a replug.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import tty
from pathlib import Path


class Endpoint:
    """One simulated serial port."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    @property
    def device(self) -> str:
        """The underlying device path (``/dev/pts/N``), or ``-``."""
        return "-"

    @property
    def is_open(self) -> bool:
        raise NotImplementedError

    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def fds(self) -> list[int]:
        raise NotImplementedError

    def receive(self, fd: int) -> bytes:
        """Bytes that arrived on ``fd`` (which select reported readable); ``b""`` if none."""
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        raise NotImplementedError


class PtyEndpoint(Endpoint):
    """A pseudo-terminal; the client opens ``url`` (a symlink to the slave)."""

    def __init__(self, link_path: Path) -> None:
        self.link_path = link_path
        self._master: int | None = None
        self._slave: int | None = None
        self._device = "-"

    @property
    def url(self) -> str:
        return str(self.link_path)

    @property
    def device(self) -> str:
        return self._device

    @property
    def is_open(self) -> bool:
        return self._master is not None

    def open(self) -> None:
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no CR/LF translation before the client configures the line
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._device = os.ttyname(slave)
        temporary = self.link_path.with_name(self.link_path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(self._device)
        temporary.replace(self.link_path)

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.link_path.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None
        self._device = "-"

    def fds(self) -> list[int]:
        return [self._master] if self._master is not None else []

    def receive(self, fd: int) -> bytes:
        try:
            return os.read(fd, 4096)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""
            raise

    def send(self, data: bytes) -> None:
        if self._master is None:
            return
        # Nobody reads the terminal and its buffer is full: the answer is lost, as on a real line.
        with contextlib.suppress(BlockingIOError):
            os.write(self._master, data)


class TcpEndpoint(Endpoint):
    """A TCP listener on 127.0.0.1; the client opens ``socket://127.0.0.1:PORT``. One client at a time."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._listener is not None

    def open(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(4)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def close(self) -> None:
        for sock in (self._client, self._listener):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self._client = self._listener = None

    def fds(self) -> list[int]:
        return [s.fileno() for s in (self._listener, self._client) if s is not None]

    def receive(self, fd: int) -> bytes:
        if self._listener is not None and fd == self._listener.fileno():
            try:
                client, _address = self._listener.accept()
            except BlockingIOError:
                return b""
            if self._client is not None:
                self._client.close()
            client.settimeout(1.0)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._client = client
            return b""
        if self._client is None or fd != self._client.fileno():
            return b""
        try:
            data = self._client.recv(4096)
        except OSError:
            data = b""
        if not data:
            self._client.close()
            self._client = None
        return data

    def send(self, data: bytes) -> None:
        if self._client is None:
            return
        try:
            self._client.sendall(data)
        except OSError:
            self._client.close()
            self._client = None
