"""Where the refresh token lives: the OS keyring, or this process's memory when there is none.

Never a file: on a machine without a keyring the token lasts for the session, and the
user is asked for the password again next time.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Protocol

SERVICE = "TracSeq sync"


class TokenStore(Protocol):
    def load(self, account: str) -> str | None: ...

    def save(self, account: str, token: str) -> None: ...

    def delete(self, account: str) -> None: ...

    @property
    def persistent(self) -> bool: ...


class MemoryTokenStore:
    """Tokens for this process only."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def persistent(self) -> bool:
        return False

    def load(self, account: str) -> str | None:
        with self._lock:
            return self._tokens.get(account)

    def save(self, account: str, token: str) -> None:
        with self._lock:
            self._tokens[account] = token

    def delete(self, account: str) -> None:
        with self._lock:
            self._tokens.pop(account, None)


class KeyringTokenStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    @property
    def persistent(self) -> bool:
        return True

    def load(self, account: str) -> str | None:
        import keyring

        value = keyring.get_password(SERVICE, account)
        return None if value is None else str(value)

    def save(self, account: str, token: str) -> None:
        import keyring

        keyring.set_password(SERVICE, account, token)

    def delete(self, account: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(SERVICE, account)


_MEMORY = MemoryTokenStore()


def keyring_available() -> bool:
    """A real backend, not the ``fail`` or ``null`` placeholder keyring uses when none exists."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration is the same as none
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "null" in name.lower():
        return False
    try:
        return float(getattr(backend, "priority", 0)) > 0
    except Exception:
        return False


def default_token_store() -> TokenStore:
    return KeyringTokenStore() if keyring_available() else _MEMORY


def account_name(server: str, workstation: str) -> str:
    return f"{server.rstrip('/')}|{workstation}"
