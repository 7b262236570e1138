"""Who is acting: the signed-in user (for now the OS account) at this workstation."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    user: str
    workstation: str

    @classmethod
    def from_environment(cls) -> Actor:
        """``TRACSEQ_USER`` or the OS account; the host name as the workstation."""
        user = os.environ.get("TRACSEQ_USER")
        if not user:
            try:
                user = getpass.getuser()
            except (KeyError, OSError):
                user = "unknown"
        return cls(user=user, workstation=os.environ.get("TRACSEQ_WORKSTATION") or socket.gethostname())
