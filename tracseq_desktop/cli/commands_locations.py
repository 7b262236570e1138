"""Database and location commands: init, demo, location add / rename / move / retire / list."""

from __future__ import annotations

import argparse
import sys

from tracseq_desktop.cli.context import CliContext, CommandRegistry
from tracseq_desktop.cli.render import location_json
from tracseq_desktop.domain.enums import LocationKind, UnitType
from tracseq_desktop.i18n import _


def _init(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services(create=True)
    path = str(services.db.path)
    ctx.emit({"database": path, "schema": _schema()}, _("Database ready at {path}.").format(path=path))
    return 0


def _schema() -> str:
    from tracseq_desktop.store.database import SCHEMA_HEAD

    return SCHEMA_HEAD


def _demo(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.services.demo import build_demo

    services = ctx.services(create=True)

    def progress(message: str) -> None:
        if not ctx.json:
            print(message, file=sys.stderr)

    report = build_demo(services, samples=args.samples, seed=args.seed, progress=progress)
    data = {
        "database": str(services.db.path),
        "samples": report.samples,
        "locations": report.locations,
        "audit_entries": report.audit_entries,
        "seconds": round(report.seconds, 2),
    }
    ctx.emit(
        data,
        _(
            "Demo laboratory with {samples} samples in {locations} locations written to {path} in {seconds:.1f} s."
        ).format(samples=report.samples, locations=report.locations, path=services.db.path, seconds=report.seconds),
    )
    return 0


def _add(args: argparse.Namespace, ctx: CliContext) -> int:
    location = ctx.services().locations.create(
        args.kind,
        args.label,
        parent=args.parent,
        name=args.name or "",
        unit_type=args.unit_type,
        geometry=args.geometry,
    )
    ctx.emit(
        location_json(location),
        _("Created {kind} {label} at {path}.").format(
            kind=location.kind.display_name, label=location.label, path=location.path_text
        ),
    )
    return 0


def _rename(args: argparse.Namespace, ctx: CliContext) -> int:
    location = ctx.services().locations.rename(args.label, new_label=args.new_label, new_name=args.name)
    ctx.emit(location_json(location), _("{label} is now {path}.").format(label=args.label, path=location.path_text))
    return 0


def _move(args: argparse.Namespace, ctx: CliContext) -> int:
    location = ctx.services().locations.move(
        args.label, args.to, reason=args.reason, override_reason=args.override_reason
    )
    ctx.emit(
        location_json(location), _("Moved {label} to {path}.").format(label=location.label, path=location.path_text)
    )
    return 0


def _retire(args: argparse.Namespace, ctx: CliContext) -> int:
    location = ctx.services().locations.retire(args.label, reason=args.reason)
    ctx.emit(location_json(location), _("Retired {label}.").format(label=location.label))
    return 0


def _list(args: argparse.Namespace, ctx: CliContext) -> int:
    queries = ctx.services().queries
    kind = LocationKind(args.kind) if args.kind else None
    locations = queries.locations(kind, include_retired=args.all)
    fill = queries.fill_levels()
    data = [
        {**location_json(loc), "occupied": fill.get(loc.id, (0, 0))[0], "places": fill.get(loc.id, (0, 0))[1]}
        for loc in locations
    ]
    ctx.emit(
        data,
        lambda: "\n".join(
            f"{d['kind']:<6} {d['label']:<16} {d['occupied']:>7}/{d['places']:<7} {' › '.join(d['path'])}" for d in data
        ),
    )
    return 0


def register(registry: CommandRegistry) -> None:
    registry.add("init", _("create the database (or upgrade it) and print where it is"), _init)
    p = registry.add("demo", _("fill an empty database with a demo laboratory"), _demo)
    p.add_argument("--samples", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=7)
    group = registry.group("location", _("create, rename, move, retire and list storage locations"))
    p = group.add("add", _("create a site, room, unit, rack, shelf or box"), _add)
    p.add_argument("kind", choices=[k.value for k in LocationKind])
    p.add_argument("label")
    p.add_argument("--parent", metavar="LABEL")
    p.add_argument("--name")
    p.add_argument("--unit-type", dest="unit_type", choices=[t.value for t in UnitType])
    p.add_argument("--geometry", help=_("box layout: 9x9, 8x12 ... or a capacity for bags and bins"))
    p = group.add("rename", _("change a location's label or name"), _rename)
    p.add_argument("label")
    p.add_argument("--to", dest="new_label", metavar="NEW_LABEL")
    p.add_argument("--name")
    p = group.add("move", _("move a rack, shelf or box under another location"), _move)
    p.add_argument("label")
    p.add_argument("--to", required=True, metavar="LABEL")
    p.add_argument("--reason")
    p.add_argument("--override-reason", dest="override_reason")
    p = group.add("retire", _("retire an empty location"), _retire)
    p.add_argument("label")
    p.add_argument("--reason", required=True)
    p = group.add("list", _("list locations with their fill levels"), _list)
    p.add_argument("--kind", choices=[k.value for k in LocationKind])
    p.add_argument("--all", action="store_true", help=_("include retired locations"))
