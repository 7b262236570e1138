"""Words for readings and alarms, shared by the tiles, the alarm list, the chart table and notifications.

State is always spelled out (and marked with a symbol), so colour never carries
meaning alone.
"""

from __future__ import annotations

from datetime import datetime

from babel import dates as babel_dates

from tracseq_desktop.domain.alarms import AlarmEvent, AlarmEventType
from tracseq_desktop.domain.monitoring import Reading
from tracseq_desktop.i18n import _, current_locale, format_datetime, format_number
from tracseq_desktop.services.monitoring import AlarmView

ALARM_MARK = "⚠"  # warning sign: an active alarm
OK_MARK = "✓"  # check mark: nothing wrong
ACK_MARK = "☑"  # ballot box with check: acknowledged


def celsius(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return _("no value")
    return _("{value} °C").format(value=format_number(value, decimals))


def millimetres(value: float | None) -> str:
    if value is None:
        return _("no value")
    return _("{value} mm").format(value=format_number(value, 0))


def clock(value: datetime | None) -> str:
    return format_datetime(value, "medium") if value is not None else ""


def time_of_day(value: datetime) -> str:
    """Local time of day in the current language (for today's readings and alarms)."""
    local = value.astimezone()
    return babel_dates.format_time(local, format="medium", tzinfo=local.tzinfo, locale=current_locale())


def state_lines(reading: Reading) -> list[str]:
    """Door, compressor, power and LN2 as short phrases (only what the device reports)."""
    lines = []
    if reading.door_open is not None:
        lines.append(_("Door OPEN") if reading.door_open else _("Door closed"))
    if reading.compressor_on is not None:
        lines.append(_("Compressor on") if reading.compressor_on else _("Compressor off"))
    if reading.defrost:
        lines.append(_("Defrosting"))
    if reading.power_failure is not None:
        lines.append(_("POWER FAILURE") if reading.power_failure else _("Power OK"))
    if reading.ln2_level_mm is not None:
        level = _("LN2 level {level}").format(level=millimetres(reading.ln2_level_mm))
        lines.append(_("{level}, filling").format(level=level) if reading.ln2_filling else level)
    return lines


def alarm_state(alarms: list[AlarmView]) -> tuple[str, str]:
    """(level, text) for a unit's open alarms: level is ``"alarm"``, ``"acknowledged"``, ``"cleared"`` or ``"ok"``."""
    active = [a for a in alarms if a.active]
    unacknowledged = [a for a in active if not a.acknowledged]
    if unacknowledged:
        titles = ", ".join(a.title for a in unacknowledged)
        return "alarm", _("{mark} ALARM: {titles}").format(mark=ALARM_MARK, titles=titles)
    if active:
        titles = ", ".join(a.title for a in active)
        return "acknowledged", _("{mark} Acknowledged, still active: {titles}").format(mark=ACK_MARK, titles=titles)
    if alarms:
        titles = ", ".join(a.title for a in alarms)
        return "cleared", _("{mark} Cleared, not acknowledged: {titles}").format(mark=ALARM_MARK, titles=titles)
    return "ok", _("{mark} No alarm").format(mark=OK_MARK)


def alarm_status(alarm: AlarmView) -> str:
    """The alarm's state in words, with its symbol."""
    if alarm.active and not alarm.acknowledged:
        return _("{mark} Active").format(mark=ALARM_MARK)
    if alarm.active:
        return _("{mark} Active, acknowledged").format(mark=ACK_MARK)
    if not alarm.acknowledged:
        return _("{mark} Cleared, not acknowledged").format(mark=ALARM_MARK)
    return _("{mark} Closed").format(mark=ACK_MARK)


def notification(event: AlarmEvent) -> tuple[str, str] | None:
    """(title, message) for a desktop notification; ``None`` for events nobody needs to be told about."""
    detail = ""
    if event.value is not None:
        detail = _(" Now {value}, limit {limit}.").format(
            value=celsius(event.value), limit=celsius(event.limit) if event.limit is not None else "-"
        )
    if event.type is AlarmEventType.RAISED:
        title = _("Freezer alarm: {unit}").format(unit=event.unit)
        text = _("{title} since {when}.").format(title=event.title, when=time_of_day(event.started_at))
        return title, text + detail
    if event.type is AlarmEventType.ANNOUNCE:
        title = _("Freezer alarm still active: {unit}").format(unit=event.unit)
        text = _("{title} since {when}, not acknowledged.").format(title=event.title, when=clock(event.started_at))
        return title, text + detail
    return None
