"""Command-line commands of the freezer family: ``tracseq monitor``.

pyserial and pymodbus are imported inside the handler so ``tracseq`` starts fast.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.domain.monitoring import DeviceLink, DeviceProtocol
from tracseq_desktop.i18n import _

if TYPE_CHECKING:
    from tracseq_desktop.domain.monitoring import Reading


def register(registry: CommandRegistry) -> None:
    """Add this family's commands to ``tracseq``."""
    parser = registry.add("monitor", _("Read freezer controllers over serial lines."), _monitor)
    parser.add_argument(
        "--port", help=_("serial port or URL: /dev/ttyUSB0, /dev/pts/7, socket://host:port, rfc2217://host:port")
    )
    parser.add_argument(
        "--protocol", choices=[p.value for p in DeviceProtocol], default=DeviceProtocol.MODBUS_DIXELL.value
    )
    parser.add_argument("--address", type=int, default=1, help=_("device address on the line (default 1)"))
    parser.add_argument("--baud", type=int, default=9600, help=_("line speed (default 9600)"))
    parser.add_argument("--timeout", type=float, default=1.0, help=_("seconds to wait for each answer (default 1)"))
    parser.add_argument("--retries", type=int, default=2, help=_("further attempts after a failed read (default 2)"))
    parser.add_argument("--once", action="store_true", help=_("read one set of values, print them and exit"))
    parser.add_argument("--for", dest="for_s", type=float, help=_("without --once: stop the service after SECONDS"))


def _monitor(args: argparse.Namespace, ctx: CliContext) -> int:
    if not args.once:
        if args.port:
            raise UsageError(_("--port reads one device and needs --once; the service reads the configured links"))
        from hardware.freezer.service import run_service

        return run_service(args, ctx)
    if not args.port:
        raise UsageError(_("--port is required"))
    try:
        link = DeviceLink(
            unit_id=f"{args.port}#{args.address}",
            port=args.port,
            protocol=DeviceProtocol(args.protocol),
            address=args.address,
            baud=args.baud,
            timeout_s=args.timeout,
            retries=args.retries,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    reading = read_once(link)
    ctx.emit(reading.as_dict(), lambda: describe(reading))
    return 0


def read_once(link: DeviceLink) -> Reading:
    """Open, read with the link's retries, close. Raises the last ``DeviceError``."""
    from hardware.freezer.drivers import make_driver
    from tracseq_desktop.domain.monitoring import DeviceDisconnected, DeviceError, DeviceRejected

    driver = make_driver(link)
    driver.open()
    try:
        for attempt in range(link.retries + 1):
            try:
                return driver.read()
            except (DeviceDisconnected, DeviceRejected):
                raise
            except DeviceError:
                if attempt == link.retries:
                    raise
                time.sleep(0.05 * 2**attempt)
    finally:
        driver.close()
    raise AssertionError("unreachable")


def describe(reading: Reading) -> str:
    """Human lines for one reading."""

    def temperature(value: float | None) -> str:
        return _("no probe") if value is None else _("{value:.1f} °C").format(value=value)

    def flag(value: bool | None) -> str:
        return "-" if value is None else (_("yes") if value else _("no"))

    lines = [
        _("Unit {unit} at {time}").format(unit=reading.unit_id, time=reading.taken_at.isoformat(timespec="seconds"))
    ]
    for index, value in enumerate(reading.probes, start=1):
        lines.append(_("  probe {number}: {value}").format(number=index, value=temperature(value)))
    if reading.setpoint is not None:
        lines.append(_("  setpoint: {value}").format(value=temperature(reading.setpoint)))
    if reading.compressor_on is not None:
        lines.append(_("  compressor on: {value}").format(value=flag(reading.compressor_on)))
        lines.append(_("  door open: {value}").format(value=flag(reading.door_open)))
        lines.append(_("  defrost: {value}").format(value=flag(reading.defrost)))
    lines.append(_("  power failure: {value}").format(value=flag(reading.power_failure)))
    if reading.ln2_level_mm is not None:
        lines.append(_("  LN2 level: {value:.0f} mm").format(value=reading.ln2_level_mm))
        lines.append(_("  filling: {value}").format(value=flag(reading.ln2_filling)))
    alarms = ", ".join(sorted(str(a) for a in reading.alarms)) or _("none")
    lines.append(_("  alarms: {alarms}").format(alarms=alarms))
    return "\n".join(lines)
