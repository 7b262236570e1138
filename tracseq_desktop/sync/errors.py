"""Why a sync could not run: each is a one-line ``DomainError`` for the CLI and the UI."""

from __future__ import annotations

from tracseq_desktop.domain.errors import DomainError


class Offline(DomainError):
    """The server could not be reached (or the answer was lost); nothing is lost, try again later."""

    code = "offline"


class NotSignedIn(DomainError):
    code = "not_signed_in"


class ServerRefused(DomainError):
    """The server answered 4xx/5xx; ``status`` is the HTTP status."""

    code = "server_refused"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class UntrustedServer(ServerRefused):
    """The server's TLS certificate did not verify: not signed by a trusted authority, or for another name.

    Not ``Offline``: trying again will not help until the certificate or the trust store
    is put right, so nothing retries it silently.
    """

    code = "untrusted_server"

    def __init__(self, message: str) -> None:
        super().__init__(message, 0)
