"""Read-side queries: find, identify a scanned code, search, open a box, tree fill levels, history.

Queries run in short read transactions and return immutable views; heavy ones
(``search_ids`` over a million rows) are meant for worker threads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import Row, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tracseq_desktop.domain.enums import LocationKind, SampleStatus
from tracseq_desktop.domain.errors import Cancelled, NotFound
from tracseq_desktop.domain.views import (
    AuditEntryView,
    AuditVerification,
    BoxView,
    LocationNode,
    LocationView,
    SampleView,
)
from tracseq_desktop.i18n import _
from tracseq_desktop.services.audit import verify_chain
from tracseq_desktop.services.records import (
    get_location,
    get_sample,
    location_path,
    location_view,
    normalise_code,
    sample_view,
)
from tracseq_desktop.store.database import Change, Database
from tracseq_desktop.store.models import AuditEntry, Location, Sample, SampleType
from tracseq_desktop.store.types import from_utc_text

SortKey = Literal["id", "barcode", "sample_type", "status", "project", "owner", "volume_nl", "expires_at", "box"]
SORT_COLUMNS: dict[str, str] = {
    "id": "s.id",
    "barcode": "s.barcode",
    "sample_type": "s.sample_type",
    "status": "s.status",
    "project": "s.project",
    "owner": "s.owner",
    "volume_nl": "s.volume_nl",
    "expires_at": "s.expires_at",
    "box": "b.label",
}
_TOKEN = re.compile(r"[^\s\"]+")


@dataclass(frozen=True)
class Identified:
    """What a scanned or typed code is: a sample, a location (box, rack...), or nothing known."""

    code: str
    sample: SampleView | None = None
    location: LocationView | None = None

    @property
    def kind(self) -> str | None:
        return "sample" if self.sample else "location" if self.location else None


def fts_query(text_query: str) -> str | None:
    """Every word must match as a prefix of some indexed word: "plasma st" -> plasma* AND st*."""
    tokens = _TOKEN.findall(text_query)
    if not tokens:
        return None
    return " ".join('"{}"*'.format(t.replace('"', "")) for t in tokens)


@dataclass
class _FillTree:
    """Samples held and places per box, and the parent of every location."""

    parents: dict[int, int | None]
    held: dict[int, int]
    capacity: dict[int, int]

    def totals(self) -> dict[int, tuple[int, int]]:
        fill: dict[int, list[int]] = {loc_id: [0, 0] for loc_id in self.parents}
        for box_id, places in self.capacity.items():
            count = self.held.get(box_id, 0)
            node: int | None = box_id
            while node is not None and node in fill:
                fill[node][0] += count
                fill[node][1] += places
                node = self.parents.get(node)
        return {k: (v[0], v[1]) for k, v in fill.items()}


class QueryService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._paths: dict[int, tuple[str, ...]] = {}
        self._fill: dict[int, tuple[int, int]] | None = None
        self._tree: _FillTree | None = None
        self._dirty_boxes: set[int] = set()
        db.add_listener(self._on_change)

    def _on_change(self, change: Change) -> None:
        with self._lock:
            structural = "location" in change.kinds or "all" in change.kinds
            if structural:
                self._paths.clear()
                self._fill, self._tree = None, None
                self._dirty_boxes.clear()
            elif change.locations:
                # samples came and went: recount only the boxes they touched
                self._dirty_boxes.update(change.locations)
                self._fill = None

    # -- single records ---------------------------------------------------------------
    def find(self, barcode: str) -> SampleView | None:
        code = normalise_code(barcode)
        with self._db.reading() as session:
            row = session.execute(self._sample_select("s.barcode = :code"), {"code": code}).first()
            return self._row_view(session, row) if row is not None else None

    def get(self, barcode: str) -> SampleView:
        found = self.find(barcode)
        if found is None:
            raise NotFound(_("No sample with barcode {barcode}.").format(barcode=normalise_code(barcode)))
        return found

    def identify(self, code: str) -> Identified:
        """Resolve a scan: a sample barcode first, then a location label."""
        normal = normalise_code(code)
        with self._db.reading() as session:
            sample = session.scalar(select(Sample).where(Sample.barcode == normal))
            if sample is not None:
                return Identified(normal, sample=sample_view(session, sample))
            location = session.scalar(select(Location).where(Location.label == normal))
            if location is not None:
                return Identified(normal, location=location_view(session, location))
        return Identified(normal)

    def location(self, label: str) -> LocationView:
        with self._db.reading() as session:
            return location_view(session, get_location(session, label))

    def location_by_id(self, location_id: int) -> LocationView:
        with self._db.reading() as session:
            location = session.get(Location, location_id)
            if location is None:
                raise NotFound(_("No location with id {id}.").format(id=location_id))
            return location_view(session, location)

    def box(self, label: str) -> BoxView:
        with self._db.reading() as session:
            box = get_location(session, label, LocationKind.BOX)
            return self._box_view(session, box)

    def box_by_id(self, box_id: int) -> BoxView:
        with self._db.reading() as session:
            box = session.get(Location, box_id)
            if box is None or box.kind != LocationKind.BOX:
                raise NotFound(_("No box with id {id}.").format(id=box_id))
            return self._box_view(session, box)

    def _box_view(self, session: Session, box: Location) -> BoxView:
        view = location_view(session, box)
        rows = session.execute(
            self._sample_select("s.box_id = :box ORDER BY s.pos_row, s.pos_col, s.id"), {"box": box.id}
        )
        return BoxView(view, tuple(self._row_view(session, r) for r in rows))

    def next_free_position(self, box_label: str) -> str | None:
        """The position scan-to-store fills next, or None when the box is full or gridless."""
        box = self.box(box_label)
        geometry = box.geometry
        taken = {(s.row, s.col) for s in box.samples}
        for row, col in geometry.positions():
            if (row, col) not in taken:
                from tracseq_desktop.domain.geometry import position_label

                return position_label(row, col)
        return None

    # -- lists -------------------------------------------------------------------------
    def _sample_select(self, where: str) -> Any:
        return text(
            "SELECT s.id, s.barcode, s.sample_type, s.status, s.volume_nl, s.concentration, s.concentration_unit,"
            " s.project, s.owner, s.collected_at, s.expires_at, s.freeze_thaw_count, s.attributes, s.box_id,"
            " s.pos_row, s.pos_col, s.version, s.created_at, s.updated_at, b.label AS box_label,"
            " p.barcode AS parent_barcode FROM sample s LEFT JOIN location b ON b.id = s.box_id"
            f" LEFT JOIN sample p ON p.id = s.parent_id WHERE {where}"
        )

    def _row_view(self, session: Session, row: Row[Any]) -> SampleView:
        import json

        path: tuple[str, ...] = ()
        if row.box_id is not None:
            with self._lock:
                path = self._paths.get(row.box_id) or ()
            if not path:
                path = location_path(session, row.box_id)
                with self._lock:
                    self._paths[row.box_id] = path
        return SampleView(
            id=row.id,
            barcode=row.barcode,
            sample_type=row.sample_type,
            status=SampleStatus(row.status),
            volume_nl=row.volume_nl,
            concentration=row.concentration,
            concentration_unit=row.concentration_unit,
            project=row.project,
            owner=row.owner,
            collected_at=from_utc_text(row.collected_at),
            expires_at=from_utc_text(row.expires_at),
            freeze_thaw_count=row.freeze_thaw_count,
            attributes=json.loads(row.attributes) if row.attributes else {},
            parent_barcode=row.parent_barcode,
            box_label=row.box_label,
            box_id=row.box_id,
            row=row.pos_row,
            col=row.pos_col,
            location_path=path,
            version=row.version,
            created_at=from_utc_text(row.created_at),
            updated_at=from_utc_text(row.updated_at),
        )

    def _filters(
        self, text_query: str, status: Sequence[SampleStatus] | None, sample_type: str | None
    ) -> tuple[str, str, dict[str, Any]]:
        joins, where, params = "", ["1=1"], {}
        match = fts_query(text_query)
        if match:
            joins = " JOIN sample_fts ON sample_fts.rowid = s.id"
            where.append("sample_fts MATCH :match")
            params["match"] = match
        if status:
            names = [SampleStatus(s).value for s in status]
            where.append("s.status IN ({})".format(",".join(f":st{i}" for i in range(len(names)))))
            params.update({f"st{i}": n for i, n in enumerate(names)})
        if sample_type:
            where.append("s.sample_type = :stype")
            params["stype"] = sample_type
        return joins, " AND ".join(where), params

    def search(
        self,
        text_query: str = "",
        *,
        limit: int = 50,
        offset: int = 0,
        status: Sequence[SampleStatus] | None = None,
        sample_type: str | None = None,
    ) -> list[SampleView]:
        """Samples whose barcode, type, project, owner or place match every word, in registration order.

        With words, the search index drives the loop in its own (rowid) order, so the
        first page of a word matching half a million samples costs a few milliseconds.
        """
        joins, where, params = self._filters(text_query, status, sample_type)
        if joins:
            source, order = "sample_fts JOIN sample s ON s.id = sample_fts.rowid", "sample_fts.rowid"
        else:
            source, order = "sample s", "s.id"
        sql = (
            "SELECT s.id, s.barcode, s.sample_type, s.status, s.volume_nl, s.concentration, s.concentration_unit,"
            " s.project, s.owner, s.collected_at, s.expires_at, s.freeze_thaw_count, s.attributes, s.box_id,"
            " s.pos_row, s.pos_col, s.version, s.created_at, s.updated_at, b.label AS box_label,"
            f" p.barcode AS parent_barcode FROM {source} LEFT JOIN location b ON b.id = s.box_id"
            f" LEFT JOIN sample p ON p.id = s.parent_id WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset"
        )
        with self._db.reading() as session:
            rows = session.execute(text(sql), {**params, "limit": limit, "offset": offset})
            return [self._row_view(session, r) for r in rows]

    def count(
        self, text_query: str = "", *, status: Sequence[SampleStatus] | None = None, sample_type: str | None = None
    ) -> int:
        joins, where, params = self._filters(text_query, status, sample_type)
        with self._db.reading() as session:
            return int(
                session.execute(text(f"SELECT count(*) FROM sample s{joins} WHERE {where}"), params).scalar_one()
            )

    def search_ids(
        self,
        text_query: str = "",
        *,
        status: Sequence[SampleStatus] | None = None,
        sample_type: str | None = None,
        sort: str = "id",
        descending: bool = False,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[int]:
        """Ids of every match in ``sort`` order: a lazy table loads rows for the ids it shows.

        ``should_cancel`` is polled while SQLite works; when it returns True the query
        stops and ``Cancelled`` is raised.
        """
        column = SORT_COLUMNS.get(sort)
        if column is None:
            raise ValueError(sort)
        joins, where, params = self._filters(text_query, status, sample_type)
        if sort == "box":
            joins += " LEFT JOIN location b ON b.id = s.box_id"
        order = f"{column} {'DESC' if descending else 'ASC'}, s.id"
        with self._db.reading() as session:
            raw = session.connection().connection.dbapi_connection
            if should_cancel is not None and raw is not None:
                raw.set_progress_handler(lambda: 1 if should_cancel() else 0, 1_000)
            try:
                result = session.execute(
                    text(f"SELECT s.id FROM sample s{joins} WHERE {where} ORDER BY {order}"), params
                )
                return [r[0] for r in result]
            except OperationalError as error:
                if should_cancel is not None and should_cancel():
                    raise Cancelled(_("The search was cancelled.")) from error
                raise
            finally:
                if should_cancel is not None and raw is not None:
                    raw.set_progress_handler(None, 0)

    def samples_by_ids(self, ids: Sequence[int]) -> list[SampleView]:
        """Views for ``ids`` in the order given (missing ids are left out)."""
        if not ids:
            return []
        found: dict[int, SampleView] = {}
        with self._db.reading() as session:
            for start in range(0, len(ids), 500):
                chunk = [int(i) for i in ids[start : start + 500]]
                where = "s.id IN ({})".format(",".join(str(i) for i in chunk))
                for row in session.execute(self._sample_select(where)):
                    found[row.id] = self._row_view(session, row)
        return [found[i] for i in ids if i in found]

    def lineage(self, barcode: str) -> tuple[list[SampleView], list[SampleView]]:
        """(ancestors from the root down, direct children) of a sample."""
        with self._db.reading() as session:
            sample = get_sample(session, barcode)
            ancestors: list[SampleView] = []
            current = sample
            seen = {sample.id}
            while current.parent_id is not None and current.parent_id not in seen:
                parent = session.get(Sample, current.parent_id)
                if parent is None:
                    break
                seen.add(parent.id)
                ancestors.insert(0, sample_view(session, parent))
                current = parent
            children = [
                sample_view(session, c)
                for c in session.scalars(select(Sample).where(Sample.parent_id == sample.id).order_by(Sample.id))
            ]
            return ancestors, children

    def history(self, barcode: str) -> list[AuditEntryView]:
        code = normalise_code(barcode)
        return self._history("sample", code)

    def location_history(self, label: str) -> list[AuditEntryView]:
        return self._history("location", normalise_code(label))

    def _history(self, entity_type: str, key: str) -> list[AuditEntryView]:
        with self._db.reading() as session:
            entries = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_key == key)
                .order_by(AuditEntry.id)
            )
            return [
                AuditEntryView(
                    id=e.id,
                    at=e.at,
                    actor=e.actor,
                    workstation=e.workstation,
                    action=e.action,
                    entity_type=e.entity_type,
                    entity_key=e.entity_key,
                    before=e.before,
                    after=e.after,
                    reason=e.reason,
                    operation_id=e.operation_id,
                )
                for e in entries
            ]

    # -- the storage tree ----------------------------------------------------------
    def children(self, parent_id: int | None, *, compute_fill: bool = True) -> list[LocationNode]:
        """The locations directly under ``parent_id`` (sites for None), with fill levels.

        With ``compute_fill=False`` a cold fill cache is not filled here (one pass over all
        samples): the nodes carry 0/0 until the caller loads ``fill_levels()`` on a worker.
        """
        with self._lock:
            cached = self._fill
        fill = cached if cached is not None or not compute_fill else None
        if fill is None:
            fill = self.fill_levels() if compute_fill else {}
        with self._db.reading() as session:
            condition = Location.parent_id.is_(None) if parent_id is None else Location.parent_id == parent_id
            locations = session.scalars(select(Location).where(condition).order_by(Location.label)).all()
            counts = dict(
                session.execute(
                    select(Location.parent_id, func.count())
                    .where(Location.parent_id.in_([loc.id for loc in locations]))
                    .group_by(Location.parent_id)
                ).all()
            )
            base = location_path(session, parent_id) if parent_id is not None else ()
            nodes = []
            for loc in locations:
                occupied, capacity = fill.get(loc.id, (0, 0))
                view = replace(location_view(session, loc, with_path=False), path=(*base, loc.label))
                nodes.append(LocationNode(view, counts.get(loc.id, 0), occupied, capacity))
            return nodes

    def fill_levels(self) -> dict[int, tuple[int, int]]:
        """(samples held, places) for every location, boxes summed up the tree.

        Computed once (one GROUP BY over all samples), then kept current by recounting
        only the boxes each committed operation touched.
        """
        with self._lock:
            if self._fill is not None:
                return self._fill
            tree, dirty = self._tree, set(self._dirty_boxes)
            self._dirty_boxes.clear()
        if tree is None:
            tree = self._load_fill_tree()
        elif dirty:
            self._recount(tree, dirty)
        result = tree.totals()
        with self._lock:
            if self._tree is None or self._tree is tree:
                self._tree, self._fill = tree, result
        return result

    def _load_fill_tree(self) -> _FillTree:
        with self._db.reading() as session:
            parents = dict(session.execute(select(Location.id, Location.parent_id)).all())
            held: dict[int, int] = dict(
                session.execute(
                    text("SELECT box_id, count(*) FROM sample WHERE box_id IS NOT NULL GROUP BY box_id")
                ).all()
            )
            capacity = dict(
                session.execute(
                    select(Location.id, Location.capacity).where(Location.kind == LocationKind.BOX.value)
                ).all()
            )
        return _FillTree(
            parents, {b: int(held.get(b, 0)) for b in capacity}, {b: int(c or 0) for b, c in capacity.items()}
        )

    def _recount(self, tree: _FillTree, boxes: set[int]) -> None:
        known = [b for b in boxes if b in tree.capacity]
        if not known:
            return
        with self._db.reading() as session:
            counts: dict[int, int] = dict(
                session.execute(
                    text(
                        "SELECT box_id, count(*) FROM sample WHERE box_id IN ({}) GROUP BY box_id".format(
                            ",".join(str(int(b)) for b in known)
                        )
                    )
                ).all()
            )
        for box in known:
            tree.held[box] = int(counts.get(box, 0))

    def location_ancestors(self, location_id: int) -> list[LocationView]:
        """The location and everything above it, from the site down (for revealing it in a tree)."""
        from tracseq_desktop.services.records import ancestor_ids

        with self._db.reading() as session:
            ids = ancestor_ids(session, location_id)
            found = {loc.id: loc for loc in session.scalars(select(Location).where(Location.id.in_(ids)))}
            return [location_view(session, found[i]) for i in ids if i in found]

    def locations(self, kind: LocationKind | None = None, *, include_retired: bool = False) -> list[LocationView]:
        with self._db.reading() as session:
            query = select(Location).order_by(Location.label)
            if kind is not None:
                query = query.where(Location.kind == kind.value)
            if not include_retired:
                query = query.where(~Location.retired)
            return [location_view(session, loc) for loc in session.scalars(query)]

    def sample_types(self) -> list[str]:
        with self._db.reading() as session:
            return list(session.scalars(select(SampleType.name).order_by(SampleType.name)))

    def verify_audit(self) -> AuditVerification:
        with self._db.reading() as session:
            return verify_chain(session)

    def statistics(self) -> dict[str, int]:
        with self._db.reading() as session:
            stats = {"samples": int(session.scalar(select(func.count()).select_from(Sample)) or 0)}
            for status, count in session.execute(select(Sample.status, func.count()).group_by(Sample.status)):
                stats[f"samples_{status}"] = int(count)
            stats["locations"] = int(session.scalar(select(func.count()).select_from(Location)) or 0)
            stats["audit_entries"] = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
            return stats
