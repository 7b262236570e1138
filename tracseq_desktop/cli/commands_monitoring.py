"""Monitoring commands: unit link / thresholds / links, alarms, ack, readings, exposure.

Core commands: they read and write the database only; talking to devices is
``tracseq monitor`` (``hardware``). Services are imported inside the handlers.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.domain.monitoring import DeviceProtocol
from tracseq_desktop.i18n import _

if TYPE_CHECKING:
    from tracseq_desktop.services.alarms_service import AlarmView
    from tracseq_desktop.services.monitoring import MonitoringService
    from tracseq_desktop.services.unit_links import UnitLinkView


def _monitoring(ctx: CliContext) -> MonitoringService:
    from tracseq_desktop.services.monitoring import monitoring_for

    return monitoring_for(ctx.services())


def _limit(text: str) -> float | None:
    """A temperature limit in °C, or ``none``/``off`` for no limit."""
    if text.strip().lower() in ("none", "off", "-"):
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("{text} is not a number of °C (or none)").format(text=text)) from exc


def _number(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:g} {unit}"


def _link_line(view: UnitLinkView) -> str:
    s = view.settings
    where = (
        _("{protocol} on {port} address {address}, {baud} baud, every {interval:g} s").format(
            protocol=view.protocol.value if view.protocol else "?",
            port=view.port,
            address=view.address,
            baud=view.baud,
            interval=view.poll_interval_s,
        )
        if view.linked
        else _("no device")
    )
    if view.simulated:
        where += " " + _("[simulated]")
    limits = _("high {high}, low {low}, delay {delay:g} s, door {door:g} s, margin {margin:g} °C").format(
        high=_number(s.high_c, "°C"),
        low=_number(s.low_c, "°C"),
        delay=s.delay_s,
        door=s.door_delay_s,
        margin=s.hysteresis_c,
    )
    if s.ln2_level_low_mm is not None:
        limits += ", " + _("LN2 level low {level}").format(level=_number(s.ln2_level_low_mm, "mm"))
    return f"{view.unit:<12} {where}; {limits}"


def _link(args: argparse.Namespace, ctx: CliContext) -> int:
    view = _monitoring(ctx).link(
        args.unit,
        port=args.port,
        protocol=args.protocol,
        address=args.address,
        baud=args.baud,
        poll_interval_s=args.interval,
        simulated=args.simulated,
    )
    ctx.emit(view.as_dict(), _("Linked {line}").format(line=_link_line(view)))
    return 0


def _unlink(args: argparse.Namespace, ctx: CliContext) -> int:
    view = _monitoring(ctx).unlink(args.unit)
    ctx.emit(view.as_dict(), _("{unit} has no device any more.").format(unit=view.unit))
    return 0


def _thresholds(args: argparse.Namespace, ctx: CliContext) -> int:
    limits: dict[str, float | None] = {"high_c": args.high, "low_c": args.low}
    for name, value in (
        ("delay_s", args.delay),
        ("door_delay_s", args.door_delay),
        ("hysteresis_c", args.hysteresis),
    ):
        if value is not None:
            limits[name] = value
    if args.ln2_low is not None:
        limits["ln2_level_low_mm"] = args.ln2_low
    view = _monitoring(ctx).set_limits(args.unit, **limits)
    ctx.emit(view.as_dict(), _("Limits set: {line}").format(line=_link_line(view)))
    return 0


def _links(args: argparse.Namespace, ctx: CliContext) -> int:
    views = _monitoring(ctx).links(linked_only=not args.all)
    ctx.emit(
        [v.as_dict() for v in views],
        lambda: "\n".join(_link_line(v) for v in views) or _("No unit is linked to a device."),
    )
    return 0


def _alarm_line(alarm: AlarmView) -> str:
    if alarm.active:
        state = _("active")
    else:
        state = _("cleared {when}").format(
            when=alarm.cleared_at.isoformat(timespec="seconds") if alarm.cleared_at else ""
        )
    if alarm.acknowledged:
        state += ", " + _("acknowledged by {user}: {comment}").format(user=alarm.acknowledged_by, comment=alarm.comment)
    else:
        state += ", " + _("not acknowledged")
    peak = "" if alarm.peak is None else " " + _("peak {value:g}").format(value=alarm.peak)
    return _("#{id} {unit} {title} raised {when}{peak}; {state}").format(
        id=alarm.id,
        unit=alarm.unit,
        title=alarm.title,
        when=alarm.raised_at.isoformat(timespec="seconds"),
        peak=peak,
        state=state,
    )


def _alarms(args: argparse.Namespace, ctx: CliContext) -> int:
    alarms = _monitoring(ctx).alarms(include_closed=args.all, unit=args.unit)
    ctx.emit(
        [a.as_dict() for a in alarms],
        lambda: "\n".join(_alarm_line(a) for a in alarms) or _("No open alarms."),
    )
    return 0


def _ack(args: argparse.Namespace, ctx: CliContext) -> int:
    text = str(args.alarm).lstrip("#")
    if not text.isdigit():
        raise UsageError(_("ALARM is the alarm's number, as `tracseq alarms` shows it"))
    alarm = _monitoring(ctx).acknowledge(int(text), args.comment)
    ctx.emit(alarm.as_dict(), _("Acknowledged {line}").format(line=_alarm_line(alarm)))
    return 0


def _readings(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.services.monitoring import parse_since

    monitoring = _monitoring(ctx)
    now = ctx.services().runner.clock()
    since = parse_since(args.since, now)
    until = parse_since(args.until, now) if args.until else now
    if args.raw:
        readings = monitoring.raw_readings(args.unit, since, until)
        ctx.emit(
            [r.as_dict() for r in readings],
            lambda: (
                "\n".join(
                    f"{r.taken_at.isoformat(timespec='seconds')}  "
                    + "  ".join("-" if p is None else f"{p:7.2f}" for p in r.probes)
                    for r in readings
                )
                or _("No readings in that period.")
            ),
        )
        return 0
    series = monitoring.readings(args.unit, since, until, max_points=args.max_points)

    def text() -> str:
        if not series.points:
            return _("No readings in that period.")
        lines = [
            _("{unit}: {count} points from {source}").format(
                unit=series.unit, count=len(series.points), source=series.source
            )
        ]
        for p in series.points:
            values = "-" if p.mean is None else f"{p.mean:8.2f}"
            if p.n > 1 and p.low is not None and p.high is not None:
                values += f"  ({p.low:.2f} .. {p.high:.2f}, n={p.n})"
            if p.level_mm is not None:
                values += "  " + _("level {level:.0f} mm").format(level=p.level_mm)
            lines.append(f"{p.at.isoformat(timespec='seconds')}  {values}")
        return "\n".join(lines)

    ctx.emit(series.as_dict(), text)
    return 0


def _exposure(args: argparse.Namespace, ctx: CliContext) -> int:
    exposures = _monitoring(ctx).exposure(args.barcode)
    ctx.emit(
        [e.as_dict() for e in exposures],
        lambda: (
            "\n".join(_alarm_line(e.alarm) for e in exposures)
            or _("{barcode} went through no temperature excursion.").format(barcode=args.barcode.upper())
        ),
    )
    return 0


def register(registry: CommandRegistry) -> None:
    group = registry.group("unit", _("link storage units to devices and set their alarm limits"))
    p = group.add("link", _("link a storage unit to its controller"), _link)
    p.add_argument("unit")
    p.add_argument("--port", required=True, help=_("serial port or URL: /dev/ttyUSB0, socket://host:port"))
    p.add_argument("--protocol", required=True, choices=[p.value for p in DeviceProtocol])
    p.add_argument("--address", type=int, default=1, help=_("device address on the line (default 1)"))
    p.add_argument("--baud", type=int, default=9600, help=_("line speed (default 9600)"))
    p.add_argument("--interval", type=float, default=10.0, help=_("seconds between polls (default 10)"))
    p.add_argument("--simulated", action="store_true", help=_("the device is a simulator (shown as such)"))
    p = group.add("unlink", _("remove a unit's device link"), _unlink)
    p.add_argument("unit")
    p = group.add("thresholds", _("set a unit's alarm limits"), _thresholds)
    p.add_argument("unit")
    p.add_argument("--high", type=_limit, required=True, help=_("high limit in °C (or none)"))
    p.add_argument("--low", type=_limit, required=True, help=_("low limit in °C (or none)"))
    p.add_argument("--delay", type=float, help=_("seconds beyond a limit before the alarm (default 300)"))
    p.add_argument("--door-delay", dest="door_delay", type=float, help=_("seconds of open door before the alarm"))
    p.add_argument("--hysteresis", type=float, help=_("°C back inside a limit before the alarm clears (default 2)"))
    p.add_argument("--ln2-low", dest="ln2_low", type=float, help=_("LN2 level alarm below this many mm"))
    p = group.add("links", _("list linked units with their devices and limits"), _links)
    p.add_argument("--all", action="store_true", help=_("include units without a device"))

    p = registry.add("alarms", _("list open alarms (active or not yet acknowledged)"), _alarms)
    p.add_argument("--all", action="store_true", help=_("include closed alarms"))
    p.add_argument("--unit", help=_("only this unit's alarms"))
    p = registry.add("ack", _("acknowledge an alarm with a comment"), _ack)
    p.add_argument("alarm", metavar="ALARM", help=_("the alarm's number"))
    p.add_argument("--comment", required=True, help=_("what was seen or done"))
    p = registry.add("readings", _("show a unit's temperatures over a period"), _readings)
    p.add_argument("unit")
    p.add_argument("--since", required=True, metavar="T", help=_("ISO time or a span back from now: 1h, 2d"))
    p.add_argument("--until", metavar="T", help=_("ISO time or a span back from now (default now)"))
    p.add_argument("--max-points", dest="max_points", type=int, default=500, help=_("at most this many points"))
    p.add_argument("--raw", action="store_true", help=_("every stored reading instead of a chart series"))
    p = registry.add("exposure", _("show the temperature excursions a sample went through"), _exposure)
    p.add_argument("barcode")
