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
