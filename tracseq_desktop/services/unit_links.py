"""Device links and alarm limits of storage units: which controller each unit has and when it alarms.

Each change is one audited operation. A unit without stored limits uses the
defaults of its temperature class (``domain.alarms.default_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracseq_desktop.domain.alarms import AlarmSettings, default_settings
from tracseq_desktop.domain.enums import LocationKind
from tracseq_desktop.domain.errors import InvalidInput, NotFound
from tracseq_desktop.domain.monitoring import DeviceLink, DeviceProtocol
from tracseq_desktop.i18n import _
from tracseq_desktop.services.operation import OperationRunner
from tracseq_desktop.services.records import get_location
from tracseq_desktop.store.models import Location, UnitAlarmSettings, UnitLink

_KEEP: Any = object()  #: "leave this limit as it is"


@dataclass(frozen=True, slots=True)
class UnitLinkView:
    """A storage unit with its device link (if any) and its alarm limits."""

    unit: str  #: the unit's label, also the ``unit_id`` of its readings
    name: str
    temperature_class: str | None
    port: str | None
    protocol: DeviceProtocol | None
    address: int | None
    baud: int | None
    poll_interval_s: float | None
    simulated: bool
    settings: AlarmSettings
    default_limits: bool  #: the limits are the temperature class's defaults
    updated_at: datetime | None

    @property
    def linked(self) -> bool:
        return self.port is not None

    def device_link(self) -> DeviceLink | None:
        """What the poller needs, ``None`` for a unit without a device."""
        if self.port is None or self.protocol is None:
            return None
        return DeviceLink(
            unit_id=self.unit,
            port=self.port,
            protocol=self.protocol,
            address=self.address if self.address is not None else 1,
            baud=self.baud or 9600,
            poll_interval_s=self.poll_interval_s or 10.0,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            "temperature_class": self.temperature_class,
            "port": self.port,
            "protocol": None if self.protocol is None else self.protocol.value,
            "address": self.address,
            "baud": self.baud,
            "poll_interval_s": self.poll_interval_s,
            "simulated": self.simulated,
            "limits": self.settings.as_dict(),
            "default_limits": self.default_limits,
        }


def get_unit(session: Session, label: str) -> Location:
    location = get_location(session, label)
    if location.kind != LocationKind.UNIT:
        raise InvalidInput(
            _("{label} is a {kind}, not a storage unit.").format(
                label=location.label, kind=LocationKind(location.kind).display_name
            )
        )
    return location


def settings_of(session: Session, unit: Location) -> tuple[AlarmSettings, bool]:
    """The unit's limits and whether they are its class's defaults."""
    row = session.get(UnitAlarmSettings, unit.id)
    if row is None:
        return default_settings(unit.temperature_class), True
    return (
        AlarmSettings(
            high_c=row.high_c,
            low_c=row.low_c,
            delay_s=row.delay_s,
            door_delay_s=row.door_delay_s,
            hysteresis_c=row.hysteresis_c,
            ln2_level_low_mm=row.ln2_level_low_mm,
        ),
        False,
    )


def link_view(session: Session, unit: Location) -> UnitLinkView:
    link = session.get(UnitLink, unit.id)
    settings, defaults = settings_of(session, unit)
    return UnitLinkView(
        unit=unit.label,
        name=unit.name,
        temperature_class=unit.temperature_class,
        port=link.port if link else None,
        protocol=DeviceProtocol(link.protocol) if link else None,
        address=link.address if link else None,
        baud=link.baud if link else None,
        poll_interval_s=link.poll_interval_s if link else None,
        simulated=bool(link.simulated) if link else False,
        settings=settings,
        default_limits=defaults,
        updated_at=link.updated_at if link else None,
    )


def _link_state(link: UnitLink | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "port": link.port,
        "protocol": link.protocol,
        "address": link.address,
        "baud": link.baud,
        "poll_interval_s": link.poll_interval_s,
        "simulated": link.simulated,
    }


class UnitLinkService:
    def __init__(self, runner: OperationRunner) -> None:
        self._runner = runner

    def link(
        self,
        unit: str,
        *,
        port: str,
        protocol: DeviceProtocol | str,
        address: int = 1,
        baud: int = 9600,
        poll_interval_s: float = 10.0,
        simulated: bool = False,
    ) -> UnitLinkView:
        """Attach (or re-attach) a device to ``unit``."""
        port = (port or "").strip()
        if not port:
            raise InvalidInput(_("Give the port or URL of the device."))
        try:
            wire = DeviceProtocol(protocol)
        except ValueError as exc:
            choices = ", ".join(p.value for p in DeviceProtocol)
            raise InvalidInput(
                _("Unknown protocol {protocol}; use one of {choices}.").format(protocol=protocol, choices=choices)
            ) from exc
        if not 0 <= address <= 999:
            raise InvalidInput(_("The device address must be between 0 and 999."))
        if baud <= 0 or poll_interval_s <= 0:
            raise InvalidInput(_("The line speed and the poll interval must be positive."))
        with self._runner.operation() as op:
            location = get_unit(op.session, unit)
            link = op.session.get(UnitLink, location.id)
            before = _link_state(link)
            if link is None:
                link = UnitLink(unit_id=location.id)
                op.session.add(link)
            link.port, link.protocol, link.address, link.baud = port, wire.value, address, baud
            link.poll_interval_s, link.simulated, link.updated_at = float(poll_interval_s), simulated, op.now
            op.session.flush()
            op.record("link", "unit_link", location.label, before, _link_state(link))
            op.locations.add(location.id)
            return link_view(op.session, location)

    def unlink(self, unit: str) -> UnitLinkView:
        with self._runner.operation() as op:
            location = get_unit(op.session, unit)
            link = op.session.get(UnitLink, location.id)
            if link is None:
                raise NotFound(_("{unit} has no device link.").format(unit=location.label))
            before = _link_state(link)
            op.session.delete(link)
            op.session.flush()
            op.record("unlink", "unit_link", location.label, before, None)
            op.locations.add(location.id)
            return link_view(op.session, location)

    def set_limits(
        self,
        unit: str,
        *,
        high_c: float | None = _KEEP,
        low_c: float | None = _KEEP,
        delay_s: float | None = None,
        door_delay_s: float | None = None,
        hysteresis_c: float | None = None,
        ln2_level_low_mm: float | None = _KEEP,
    ) -> UnitLinkView:
        """Change a unit's alarm limits; arguments left out keep their present value (``None`` turns a limit off)."""
        with self._runner.operation() as op:
            location = get_unit(op.session, unit)
            current, _defaults = settings_of(op.session, location)
            try:
                wanted = AlarmSettings(
                    high_c=current.high_c if high_c is _KEEP else high_c,
                    low_c=current.low_c if low_c is _KEEP else low_c,
                    delay_s=current.delay_s if delay_s is None else float(delay_s),
                    door_delay_s=current.door_delay_s if door_delay_s is None else float(door_delay_s),
                    hysteresis_c=current.hysteresis_c if hysteresis_c is None else float(hysteresis_c),
                    ln2_level_low_mm=current.ln2_level_low_mm if ln2_level_low_mm is _KEEP else ln2_level_low_mm,
                )
            except ValueError as exc:
                raise InvalidInput(str(exc)) from exc
            row = op.session.get(UnitAlarmSettings, location.id)
            if row is None:
                row = UnitAlarmSettings(unit_id=location.id)
                op.session.add(row)
            row.high_c, row.low_c = wanted.high_c, wanted.low_c
            row.delay_s, row.door_delay_s, row.hysteresis_c = wanted.delay_s, wanted.door_delay_s, wanted.hysteresis_c
            row.ln2_level_low_mm, row.updated_at = wanted.ln2_level_low_mm, op.now
            op.session.flush()
            op.record("set_limits", "alarm_settings", location.label, current.as_dict(), wanted.as_dict())
            op.locations.add(location.id)
            return link_view(op.session, location)

    def links(self, *, linked_only: bool = True) -> list[UnitLinkView]:
        """Storage units (by label) with their links; only linked ones unless ``linked_only`` is false."""
        with self._runner.db.reading() as session:
            query = select(Location).where(Location.kind == LocationKind.UNIT.value, Location.retired.is_(False))
            if linked_only:
                query = query.join(UnitLink, UnitLink.unit_id == Location.id)
            units = session.scalars(query.order_by(Location.label)).all()
            return [link_view(session, unit) for unit in units]

    def link_of(self, unit: str) -> UnitLinkView:
        with self._runner.db.reading() as session:
            return link_view(session, get_unit(session, unit))
