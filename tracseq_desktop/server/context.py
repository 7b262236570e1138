"""Shared ground of the server's intent handlers: the push context, outcomes and lookups.

Split from ``apply`` so that the handlers (one per intent kind) read on their own; the
helpers here find visible entities, describe places, record conflicts and field history.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.i18n import _
from tracseq_desktop.server.models import Conflict, FieldHistory, Location, Sample, UserAccount, Workstation
from tracseq_desktop.sync.wire import ConflictKind, Outcome

FINAL = ("consumed", "discarded")
LOCATION_ROLES = ("manager", "admin")


class Rejected(Exception):
    """The intent breaks a rule on the server; it changes nothing."""


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str | None = None
    conflict: str | None = None


APPLIED = Result(Outcome.APPLIED)


@dataclass
class PushContext:
    session: Session
    user: UserAccount
    sites: frozenset[str]
    workstation: Workstation
    now: datetime
    #: (entity type, key) in first-touch order; their states go out after the batch
    touched: dict[tuple[str, str], None] = field(default_factory=dict)
    #: mutation records already held for this batch's keys (looked up once per batch)
    known: dict[str, Any] = field(default_factory=dict)
    #: states of samples the bulk path wrote, while nothing else has changed anything since
    fresh: dict[str, dict[str, Any]] = field(default_factory=dict)

    def touch(self, entity_type: str, key: str | None) -> None:
        if key:
            self.touched[(entity_type, key)] = None


def parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# -- lookups limited to the user's sites ----------------------------------------------------
def visible_location(ctx: PushContext, key: str | None) -> Location | None:
    if key is None:
        return None
    loc = ctx.session.get(Location, key)
    return loc if loc is not None and loc.site in ctx.sites else None


def visible_sample(ctx: PushContext, key: str) -> Sample | None:
    s = ctx.session.get(Sample, key)
    return s if s is not None and s.site in ctx.sites else None


def _need_location(ctx: PushContext, key: str) -> Location:
    loc = visible_location(ctx, key)
    if loc is None:
        raise Rejected(_("The server knows no location {key}.").format(key=key))
    return loc


def _need_sample(ctx: PushContext, key: str) -> Sample:
    s = visible_sample(ctx, key)
    if s is None:
        raise Rejected(_("The server knows no sample {key}.").format(key=key))
    return s


def _need_box(ctx: PushContext, key: str) -> Location:
    box = _need_location(ctx, key)
    if box.kind != "box":
        raise Rejected(_("{label} is not a box.").format(label=box.label))
    if box.retired:
        raise Rejected(_("{label} is retired and takes nothing new.").format(label=box.label))
    return box


def _where(ctx: PushContext, box: str | None, row: int | None, col: int | None) -> str:
    loc = ctx.session.get(Location, box) if box else None
    if loc is None:
        return _("no place")
    if row is None or col is None:
        return loc.label
    return f"{loc.label}:{position_label(row, col)}"


# -- conflicts -----------------------------------------------------------------------------
def _conflict(
    ctx: PushContext,
    kind: ConflictKind,
    site: str,
    summary: str,
    subject: dict[str, Any],
    options: list[tuple[str, str]],
    mutation_key: str,
) -> Result:
    row = Conflict(
        id=str(uuidlib.uuid4()),
        site=site,
        kind=kind.value,
        status="open",
        summary=summary,
        subject=subject,
        options=[{"id": i, "title": t} for i, t in options],
        mutation_key=mutation_key,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.touch("conflict", row.id)
    return Result(Outcome.CONFLICT, summary, row.id)


def _slot_collision(
    ctx: PushContext, mover: Sample, box: Location, row: int | None, col: int | None, key: str
) -> Result:
    occupant = _occupant(ctx, box.uuid, row, col)
    where = _where(ctx, box.uuid, row, col)
    if occupant is None:  # a gridless container is full
        summary = _("{barcode} could not go into {box}: it is full.").format(barcode=mover.barcode, box=box.label)
        options = [("keep_first", _("Leave {barcode} where the server has it").format(barcode=mover.barcode))]
    else:
        summary = _("{first} and {second} were both stored at {where}.").format(
            first=occupant.barcode, second=mover.barcode, where=where
        )
        options = [
            ("keep_first", _("{first} stays at {where}; {second} stays where it was").format(
                first=occupant.barcode, second=mover.barcode, where=where)),
            ("keep_second", _("{second} goes to {where}; {first} is left without a place").format(
                first=occupant.barcode, second=mover.barcode, where=where)),
        ]  # fmt: skip
    subject = {
        "box": box.uuid,
        "row": row,
        "col": col,
        "where": where,
        "first": occupant.uuid if occupant else None,
        "first_barcode": occupant.barcode if occupant else None,
        "second": mover.uuid,
        "second_barcode": mover.barcode,
        "second_at": _where(ctx, mover.box, mover.row, mover.col) if mover.box else None,  # None: had no place
    }
    return _conflict(ctx, ConflictKind.SLOT_COLLISION, box.site, summary, subject, options, key)


def _occupant(ctx: PushContext, box: str, row: int | None, col: int | None) -> Sample | None:
    if row is None or col is None:
        return None
    return ctx.session.scalar(select(Sample).where(Sample.box == box, Sample.row == row, Sample.col == col))


def _slot_free(ctx: PushContext, s: Sample, box: Location, row: int | None, col: int | None) -> bool:
    if box.rows is not None:
        if row is None or col is None or not (0 <= row < box.rows and 0 <= col < (box.cols or 0)):
            raise Rejected(_("That position does not exist in {box}.").format(box=box.label))
        occupant = _occupant(ctx, box.uuid, row, col)
        return occupant is None or occupant.uuid == s.uuid
    if row is not None or col is not None:
        raise Rejected(_("{box} has no grid; store without a position.").format(box=box.label))
    if s.box == box.uuid:
        return True
    held = ctx.session.scalar(select(func.count()).select_from(Sample).where(Sample.box == box.uuid)) or 0
    return held < (box.capacity or 0)


def _set_place(ctx: PushContext, s: Sample, box: str | None, row: int | None, col: int | None) -> None:
    if (s.box, s.row, s.col) != (box, row, col):
        s.box, s.row, s.col = None, None, None
        ctx.session.flush()
        s.box, s.row, s.col = box, row, col
        ctx.session.flush()


def _bump(ctx: PushContext, entity: Sample | Location, at: datetime) -> None:
    entity.version += 1
    entity.updated_at = at
    ctx.session.flush()


def _history(
    ctx: PushContext, entity_type: str, entity: Sample | Location, name: str, kept: Any, lost: Any, key: str
) -> None:
    ctx.session.add(
        FieldHistory(
            site=entity.site,
            entity_type=entity_type,
            entity_key=entity.uuid,
            field=name,
            kept={"value": kept},
            lost={"value": lost},
            mutation_key=key,
            at=ctx.now,
        )
    )


# -- locations -------------------------------------------------------------------------------
