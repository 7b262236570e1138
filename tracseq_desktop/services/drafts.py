"""Input records for registering and editing samples, validated before any write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tracseq_desktop.domain.errors import InvalidInput
from tracseq_desktop.domain.quantities import parse_volume
from tracseq_desktop.i18n import _


@dataclass
class SampleDraft:
    """A sample to register, optionally straight into a box position."""

    barcode: str
    sample_type: str
    volume: str | int | None = None  #: "1.5ml", "200ul" or nanolitres as int
    concentration: float | None = None
    concentration_unit: str | None = None
    project: str | None = None
    owner: str | None = None
    collected_at: datetime | str | None = None
    expires_at: datetime | str | None = None
    freeze_thaw_count: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    box: str | None = None
    position: str | None = None
    override_reason: str | None = None

    def volume_nl(self) -> int | None:
        if self.volume is None or self.volume == "":
            return None
        if isinstance(self.volume, int):
            if self.volume < 0:
                raise InvalidInput(_("A volume cannot be negative."))
            return self.volume
        return parse_volume(self.volume)


def parse_time(value: datetime | str | None, field_name: str) -> datetime | None:
    """ISO dates and times; a date or a time without zone is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            _("{field}: {value!r} is not a date; use e.g. 2026-03-31 or 2026-03-31T14:05.").format(
                field=field_name, value=value
            )
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


EDITABLE_FIELDS = (
    "sample_type",
    "project",
    "owner",
    "collected_at",
    "expires_at",
    "concentration",
    "concentration_unit",
    "attributes",
    "volume",
    "freeze_thaw_count",
)
