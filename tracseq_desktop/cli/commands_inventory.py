"""Sample commands: find, search, box, register, store, move, check out/in, consume, discard, aliquot, edit, history."""

from __future__ import annotations

import argparse
import json

from tracseq_desktop.cli.context import CliContext, CommandRegistry, UsageError
from tracseq_desktop.cli.render import (
    audit_json,
    audit_text,
    box_json,
    box_text,
    sample_json,
    sample_line,
    sample_text,
)
from tracseq_desktop.domain.errors import NotFound
from tracseq_desktop.i18n import _, ngettext


def split_target(target: str) -> tuple[str, str | None]:
    """ "B-0042:C4" -> ("B-0042", "C4"); "BAG-7" -> ("BAG-7", None)."""
    box, sep, position = target.rpartition(":")
    if not sep:
        return target, None
    if not box or not position:
        raise UsageError(_("Write the target as BOX:POSITION, e.g. B-0042:C4."))
    return box, position


def _find(args: argparse.Namespace, ctx: CliContext) -> int:
    sample = ctx.services().queries.find(args.barcode)
    if sample is None:
        raise NotFound(_("No sample with barcode {barcode}.").format(barcode=args.barcode.strip().upper()))
    ctx.emit(sample_json(sample), lambda: sample_text(sample))
    return 0


def _search(args: argparse.Namespace, ctx: CliContext) -> int:
    queries = ctx.services().queries
    results = queries.search(args.text, limit=args.limit, offset=args.offset)
    ctx.emit(
        [sample_json(s) for s in results],
        lambda: "\n".join(sample_line(s) for s in results) or _("Nothing matches {text!r}.").format(text=args.text),
    )
    return 0


def _box(args: argparse.Namespace, ctx: CliContext) -> int:
    box = ctx.services().queries.box(args.box)
    ctx.emit(box_json(box), lambda: box_text(box))
    return 0


def _draft_from(args: argparse.Namespace, box: str | None, position: str | None) -> object:
    from tracseq_desktop.services.drafts import SampleDraft

    attributes = {}
    for item in args.attr or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(_("Write attributes as NAME=VALUE, not {item!r}.").format(item=item))
        attributes[key.strip()] = value
    return SampleDraft(
        barcode=args.barcode,
        sample_type=args.type,
        volume=args.volume,
        concentration=args.concentration,
        concentration_unit=args.concentration_unit,
        project=args.project,
        owner=args.owner,
        collected_at=args.collected_at,
        expires_at=args.expires_at,
        attributes=attributes,
        parent=args.parent,
        box=box,
        position=position,
        override_reason=getattr(args, "override_reason", None),
    )


def _add_sample_fields(parser: argparse.ArgumentParser, *, type_required: bool) -> None:
    parser.add_argument("--type", required=type_required, help=_("sample type, e.g. plasma, serum, DNA"))
    parser.add_argument("--volume", help=_("volume, e.g. 1.5ml or 200ul"))
    parser.add_argument("--concentration", type=float)
    parser.add_argument("--concentration-unit", dest="concentration_unit")
    parser.add_argument("--project")
    parser.add_argument("--owner")
    parser.add_argument("--collected-at", dest="collected_at", metavar="ISO_TIME")
    parser.add_argument("--expires-at", dest="expires_at", metavar="ISO_TIME")
    parser.add_argument("--parent", metavar="BARCODE")
    parser.add_argument("--attr", action="append", metavar="NAME=VALUE", help=_("free-form attribute (repeatable)"))


def _register(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services()
    box, position = split_target(args.to) if args.to else (None, None)
    sample = services.samples.register(_draft_from(args, box, position))  # type: ignore[arg-type]
    ctx.emit(
        sample_json(sample),
        lambda: _("Registered {barcode}.").format(barcode=sample.barcode) + "\n" + sample_text(sample),
    )
    return 0


def _store(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services()
    existing = services.queries.find(args.barcode)
    if existing is None:
        if not args.type:
            raise NotFound(
                _("No sample with barcode {barcode}; give --type (and --volume...) to register it.").format(
                    barcode=args.barcode.strip().upper()
                )
            )
        sample = services.samples.register(_draft_from(args, args.box, args.position))  # type: ignore[arg-type]
    else:
        sample = services.samples.store(args.barcode, args.box, args.position, override_reason=args.override_reason)
    ctx.emit(
        sample_json(sample),
        lambda: _("Stored {barcode} in {where}.").format(barcode=sample.barcode, where=sample.where),
    )
    return 0


def _move(args: argparse.Namespace, ctx: CliContext) -> int:
    box, position = split_target(args.to)
    sample = ctx.services().samples.move(
        args.barcode, box, position, reason=args.reason, override_reason=args.override_reason
    )
    ctx.emit(
        sample_json(sample), lambda: _("Moved {barcode} to {where}.").format(barcode=sample.barcode, where=sample.where)
    )
    return 0


def _move_box(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.cli.render import location_json

    location = ctx.services().locations.move(
        args.box, args.to, reason=args.reason, override_reason=args.override_reason
    )
    ctx.emit(
        location_json(location),
        lambda: _("Moved {label} to {path}.").format(label=location.label, path=location.path_text),
    )
    return 0


def _unstore(args: argparse.Namespace, ctx: CliContext) -> int:
    sample = ctx.services().samples.unstore(args.barcode, reason=args.reason)
    ctx.emit(sample_json(sample), lambda: _("Took {barcode} out of its box.").format(barcode=sample.barcode))
    return 0


def _checkout(args: argparse.Namespace, ctx: CliContext) -> int:
    sample = ctx.services().samples.check_out(args.barcode, reason=args.reason)
    ctx.emit(
        sample_json(sample),
        lambda: _("Checked out {barcode}; {where} stays reserved.").format(barcode=sample.barcode, where=sample.where),
    )
    return 0


def _checkin(args: argparse.Namespace, ctx: CliContext) -> int:
    box, position = split_target(args.to) if args.to else (None, None)
    sample = ctx.services().samples.check_in(args.barcode, box=box, position=position)
    ctx.emit(
        sample_json(sample),
        lambda: _("Checked in {barcode} at {where}.").format(barcode=sample.barcode, where=sample.where),
    )
    return 0


def _consume(args: argparse.Namespace, ctx: CliContext) -> int:
    from tracseq_desktop.domain.quantities import format_volume

    sample = ctx.services().samples.consume(args.barcode, args.volume, reason=args.reason)
    ctx.emit(
        sample_json(sample),
        lambda: _("{barcode} now holds {volume} ({status}).").format(
            barcode=sample.barcode, volume=format_volume(sample.volume_nl), status=sample.status.display_name
        ),
    )
    return 0


def _discard(args: argparse.Namespace, ctx: CliContext) -> int:
    sample = ctx.services().samples.discard(args.barcode, reason=args.reason)
    ctx.emit(sample_json(sample), lambda: _("Discarded {barcode}.").format(barcode=sample.barcode))
    return 0


def _aliquot(args: argparse.Namespace, ctx: CliContext) -> int:
    children = ctx.services().samples.aliquot(
        args.barcode, count=args.count, volume=args.volume, box=args.box, override_reason=args.override_reason
    )
    ctx.emit(
        [sample_json(c) for c in children],
        lambda: (
            ngettext("Made {count} aliquot:", "Made {count} aliquots:", len(children)).format(count=len(children))
            + "\n"
            + "\n".join("  " + sample_line(c) for c in children)
        ),
    )
    return 0


def _edit(args: argparse.Namespace, ctx: CliContext) -> int:
    changes: dict[str, object] = {}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(_("Write changes as FIELD=VALUE, not {item!r}.").format(item=item))
        changes[key.strip()] = value
    for item in args.attr or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(_("Write attributes as NAME=VALUE, not {item!r}.").format(item=item))
        changes.setdefault("attributes", {})[key.strip()] = value  # type: ignore[index]
    if not changes:
        raise UsageError(_("Nothing to change: give --set FIELD=VALUE or --attr NAME=VALUE."))
    sample = ctx.services().samples.edit(args.barcode, changes, reason=args.reason)
    ctx.emit(sample_json(sample), lambda: sample_text(sample))
    return 0


def _history(args: argparse.Namespace, ctx: CliContext) -> int:
    queries = ctx.services().queries
    queries.get(args.barcode)  # a clear error for an unknown barcode
    entries = queries.history(args.barcode)
    ancestors, children = queries.lineage(args.barcode)
    data = {
        "barcode": args.barcode.strip().upper(),
        "entries": [audit_json(e) for e in entries],
        "ancestors": [a.barcode for a in ancestors],
        "children": [c.barcode for c in children],
    }

    def text() -> str:
        lines = [audit_text(e) for e in entries]
        if ancestors:
            lines.append(_("ancestors: {codes}").format(codes=" › ".join(a.barcode for a in ancestors)))
        if children:
            lines.append(_("aliquots: {codes}").format(codes=", ".join(c.barcode for c in children)))
        return "\n".join(lines)

    ctx.emit(data, text)
    return 0


def register(registry: CommandRegistry) -> None:
    p = registry.add("find", _("show one sample by barcode"), _find)
    p.add_argument("barcode")
    p = registry.add("search", _("find samples by barcode prefix, type, project, owner or location words"), _search)
    p.add_argument("text", nargs="?", default="")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p = registry.add("box", _("show a box with its occupants"), _box)
    p.add_argument("box")
    p = registry.add("register", _("register a new sample (optionally straight into BOX:POSITION)"), _register)
    p.add_argument("barcode")
    _add_sample_fields(p, type_required=True)
    p.add_argument("--to", metavar="BOX:POSITION")
    p.add_argument("--override-reason", dest="override_reason", help=_("why the temperature rule may be broken"))
    p = registry.add("store", _("store a sample in a box (registering it if --type is given)"), _store)
    p.add_argument("barcode")
    p.add_argument("--box", required=True)
    p.add_argument("--position", help=_("e.g. A1; the next free position if left out"))
    _add_sample_fields(p, type_required=False)
    p.add_argument("--override-reason", dest="override_reason")
    p = registry.add("move", _("move a sample to another position"), _move)
    p.add_argument("barcode")
    p.add_argument("--to", required=True, metavar="BOX:POSITION")
    p.add_argument("--reason")
    p.add_argument("--override-reason", dest="override_reason")
    p = registry.add("move-box", _("move a box with its samples into another rack, shelf or unit"), _move_box)
    p.add_argument("box")
    p.add_argument("--to", required=True, metavar="RACK")
    p.add_argument("--reason")
    p.add_argument("--override-reason", dest="override_reason")
    p = registry.add("unstore", _("take a sample out of its box without another place (undo a storage)"), _unstore)
    p.add_argument("barcode")
    p.add_argument("--reason", required=True)
    p = registry.add("checkout", _("check a sample out; its position stays reserved"), _checkout)
    p.add_argument("barcode")
    p.add_argument("--reason", required=True)
    p = registry.add("checkin", _("check a sample back in"), _checkin)
    p.add_argument("barcode")
    p.add_argument("--to", metavar="BOX:POSITION")
    p = registry.add("consume", _("withdraw volume from a sample"), _consume)
    p.add_argument("barcode")
    p.add_argument("--volume", required=True)
    p.add_argument("--reason")
    p = registry.add("discard", _("discard a sample"), _discard)
    p.add_argument("barcode")
    p.add_argument("--reason", required=True)
    p = registry.add("aliquot", _("split aliquots off a sample into a box"), _aliquot)
    p.add_argument("barcode")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--volume", required=True)
    p.add_argument("--box", required=True)
    p.add_argument("--override-reason", dest="override_reason")
    p = registry.add("edit", _("change a sample's fields"), _edit)
    p.add_argument("barcode")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE")
    p.add_argument("--attr", action="append", metavar="NAME=VALUE")
    p.add_argument("--reason")
    p = registry.add("history", _("show a sample's audit history and lineage"), _history)
    p.add_argument("barcode")


__all__ = ["json", "register", "split_target"]
