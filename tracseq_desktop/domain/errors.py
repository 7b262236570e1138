"""Domain errors: every rule violation ends in one of these, with a message for people.

The command line prints ``str(error)`` on one line and exits 1; the UI shows it in
words next to the field or in the dialog. ``code`` is stable for scripts and tests.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the inventory was broken; nothing was changed."""

    code = "domain"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class InvalidInput(DomainError):
    code = "invalid_input"


class PositionOccupied(DomainError):
    code = "position_occupied"


class InvalidPosition(DomainError):
    code = "invalid_position"


class BoxFull(DomainError):
    code = "box_full"


class InvalidState(DomainError):
    """The sample's status forbids the operation (e.g. moving a discarded sample)."""

    code = "invalid_state"


class TemperatureMismatch(DomainError):
    code = "temperature_mismatch"


class InvalidHierarchy(DomainError):
    code = "invalid_hierarchy"


class VolumeExceeded(DomainError):
    code = "volume_exceeded"


class DatabaseTooNew(DomainError):
    code = "database_too_new"


class ConcurrentChange(DomainError):
    code = "concurrent_change"


class Cancelled(DomainError):
    """The user cancelled a long query or import; nothing was changed."""

    code = "cancelled"
