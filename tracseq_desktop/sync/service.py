"""``SyncService``: what the window and the command line call to sync, inspect and resolve.

Every call is blocking; the window runs ``sync_now`` (and ``login``) in a worker thread
and keeps ``status()``/``conflicts()`` for quick reads (indexed queries, no network).
Everything returned is a frozen dataclass, safe to hand between threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracseq_desktop.domain.errors import InvalidInput, NotFound
from tracseq_desktop.i18n import _
from tracseq_desktop.services.facade import Services
from tracseq_desktop.store.models import Sample, SyncConflict, SyncKey
from tracseq_desktop.sync.client import SyncClient
from tracseq_desktop.sync.conflict_text import describe
from tracseq_desktop.sync.engine import LAST_SYNC_KEY, SyncEngine, SyncReport, open_conflict_count, pending_count
from tracseq_desktop.sync.errors import NotSignedIn, Offline, ServerRefused
from tracseq_desktop.sync.outbox import SITE_KEY, meta_get, meta_set, node_id
from tracseq_desktop.sync.replica import parse_utc
from tracseq_desktop.sync.telemetry import TelemetryPusher, TelemetryReport
from tracseq_desktop.sync.tokens import TokenStore, default_token_store

log = logging.getLogger(__name__)

SERVER_KEY = "sync.server"
USER_KEY = "sync.user"


@dataclass(frozen=True)
class SyncStatus:
    signed_in: bool  #: a server is configured for this database
    online: bool | None  #: result of the last contact; None before any
    pending: int  #: local changes not yet accepted by the server
    last_sync: datetime | None
    open_conflicts: int
    server: str | None
    user: str | None
    last_error: str | None


@dataclass(frozen=True)
class ConflictOptionView:
    id: str
    title: str


@dataclass(frozen=True)
class ConflictView:
    id: str
    kind: str  #: slot_collision, discard_versus_move, over_withdrawal
    site: str
    status: str  #: open or resolved
    summary: str
    options: tuple[ConflictOptionView, ...]
    created_at: datetime
    resolved_option: str | None
    resolved_by: str | None
    resolved_reason: str | None
    subject: tuple[tuple[str, str], ...]  #: the entities concerned (barcodes, places), for display


@dataclass(frozen=True)
class SyncResult:
    pushed: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    pulled: int
    bootstrapped: bool
    rejections: tuple[tuple[int, str, str], ...]  #: (sequence number, intent, reason)
    new_conflicts: tuple[ConflictView, ...]  #: conflicts this sync brought that were not shown before
    readings: int = 0  #: freezer readings new to the server
    alarm_events: int = 0  #: alarm events new to the server
    telemetry_duplicates: int = 0  #: alarm events the server already held (an earlier answer was lost)
    telemetry_held: int = 0  #: units whose readings wait until the server knows the unit
    telemetry_more: bool = False  #: a telemetry backlog is left for the next sync
    telemetry_error: str | None = None  #: why telemetry could not be pushed this time (the sync itself went through)


ClientFactory = Callable[[str, str, TokenStore], SyncClient]


def _default_client(server: str, workstation: str, tokens: TokenStore) -> SyncClient:
    return SyncClient(server, workstation, tokens)


class SyncService:
    def __init__(
        self,
        services: Services,
        *,
        token_store: TokenStore | None = None,
        client_factory: ClientFactory = _default_client,
    ) -> None:
        self._services = services
        self._tokens = token_store or default_token_store()
        self._factory = client_factory
        self._client: SyncClient | None = None
        self._online: bool | None = None
        self._error: str | None = None
        self._lock = threading.Lock()
        #: test hook handed to the engine (see ``SyncEngine.before_cursor_saved``)
        self.before_cursor_saved: Callable[[], None] | None = None

    # -- signing in ---------------------------------------------------------------------------
    def login(self, server: str, user: str, password: str) -> None:
        """Sign in and register this workstation (its id is made once per database)."""
        db = self._services.db
        with db.writing() as session:
            workstation = node_id(session)
        client = self._factory(server.rstrip("/"), workstation, self._tokens)
        try:
            answer = client.login(user, password, self._services.actor.workstation[:100] or "workstation")
        except Exception:
            client.close()
            raise
        with db.writing() as session:
            meta_set(session, SERVER_KEY, server.rstrip("/"))
            meta_set(session, USER_KEY, answer.user)
            meta_set(session, SITE_KEY, answer.site)
        self._replace_client(client)
        self._online = True

    def logout(self) -> None:
        client = self._ensure_client()
        client.forget()

    def needs_password(self) -> bool:
        """True when no token is kept (no keyring, new session): ask the user, then ``login``."""
        server = self.server
        if server is None:
            return True
        client = self._ensure_client()
        return not client.has_refresh_token()

    @property
    def server(self) -> str | None:
        with self._services.db.reading() as session:
            return meta_get(session, SERVER_KEY)

    @property
    def user(self) -> str | None:
        with self._services.db.reading() as session:
            return meta_get(session, USER_KEY)

    def _replace_client(self, client: SyncClient) -> None:
        if self._client is not None:
            self._client.close()
        self._client = client

    def _ensure_client(self) -> SyncClient:
        if self._client is None:
            server = self.server
            if server is None:
                raise NotSignedIn(_("This workstation is not signed in to a server (tracseq login)."))
            with self._services.db.writing() as session:
                workstation = node_id(session)
            self._client = self._factory(server, workstation, self._tokens)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- status and syncing ------------------------------------------------------------------
    def status(self) -> SyncStatus:
        with self._services.db.reading() as session:
            last = meta_get(session, LAST_SYNC_KEY)
            return SyncStatus(
                signed_in=meta_get(session, SERVER_KEY) is not None,
                online=self._online,
                pending=pending_count(session),
                last_sync=parse_utc(last) if last else None,
                open_conflicts=open_conflict_count(session),
                server=meta_get(session, SERVER_KEY),
                user=meta_get(session, USER_KEY),
                last_error=self._error,
            )

    def engine(self) -> SyncEngine:
        engine = SyncEngine(self._services.db, self._ensure_client())
        engine.before_cursor_saved = self.before_cursor_saved
        return engine

    def sync_now(self) -> SyncResult:
        """Push, then pull; raises ``Offline``/``NotSignedIn`` (nothing is lost either way)."""
        with self._lock:
            try:
                report = self.engine().sync()
            except Offline as error:
                self._online, self._error = False, str(error)
                raise
            except (NotSignedIn, ServerRefused, httpx.HTTPError) as error:
                self._error = str(error)
                raise
            self._online, self._error = True, None
            telemetry, problem = self._push_telemetry()
            if problem is not None:  # the sync went through; say in the status why readings wait
                self._error = _("Freezer readings and alarm events were not sent: {error}").format(error=problem)
            return _result(report, self._announce(), telemetry, problem)

    def _push_telemetry(self) -> tuple[TelemetryReport, str | None]:
        """Readings and alarm events, after the intents (their units must be on the server first).

        A failure here does not fail the sync: what was not confirmed goes next time.
        """
        report = TelemetryReport()
        try:
            TelemetryPusher(self._services.db, self._ensure_client()).push(report)
        except (Offline, ServerRefused, NotSignedIn, httpx.HTTPError) as error:
            log.warning("telemetry not pushed: %s", error)
            return report, str(error)
        return report, None

    def _announce(self) -> tuple[ConflictView, ...]:
        with self._services.db.writing() as session:
            fresh = list(
                session.scalars(
                    select(SyncConflict).where(SyncConflict.announced.is_(False)).order_by(SyncConflict.created_at)
                )
            )
            for row in fresh:
                row.announced = True
            return tuple(_view(row, session) for row in fresh)

    # -- conflicts ------------------------------------------------------------------------------
    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictView]:
        with self._services.db.reading() as session:
            stmt = select(SyncConflict).order_by(SyncConflict.created_at, SyncConflict.id)
            if not include_resolved:
                stmt = stmt.where(SyncConflict.status == "open")
            return [_view(row, session) for row in session.scalars(stmt)]

    def resolve(self, conflict_id: str, option: str, reason: str | None = None) -> ConflictView:
        """Record the decision (audited) and queue it for the server; the next sync applies it.

        ``conflict_id`` may be abbreviated to a unique prefix, as the inbox shows it.
        """
        with self._services.runner.operation() as op:
            row = _find_conflict(op.session, conflict_id)
            if row.status != "open":
                raise InvalidInput(
                    _("This conflict is already resolved ({option}).").format(option=row.resolved_option)
                )
            choices = [o["id"] for o in row.options]
            if option not in choices:
                raise InvalidInput(
                    _("Choose one of: {options}.").format(options=", ".join(choices)) if choices else _("No options.")
                )
            op.record("resolve", "conflict", row.id, {"status": "open"}, {"option": option, "kind": row.kind}, reason)
            op.intent("conflict.resolve", {"conflict": row.id, "option": option, "reason": reason})
            row.status, row.resolved_option, row.resolved_by = "resolved", option, op.actor.user
            row.resolved_reason, row.resolved_at = reason, op.now
            op.session.flush()
            return _view(row, op.session)


def _sample_status(session: Session, key: str) -> str | None:
    found = session.execute(
        select(Sample.status)
        .join(SyncKey, SyncKey.local_id == Sample.id)
        .where(SyncKey.entity_type == "sample", SyncKey.uuid == key)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def _find_conflict(session: object, conflict_id: str) -> SyncConflict:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    prefix = conflict_id.strip().lower()
    rows = (
        list(session.scalars(select(SyncConflict).where(SyncConflict.id.startswith(prefix)).limit(2))) if prefix else []
    )
    if len(rows) != 1:
        raise NotFound(_("No single conflict matches {id}.").format(id=conflict_id))
    return rows[0]


def _view(row: SyncConflict, session: Session) -> ConflictView:
    subject = tuple(sorted((str(k), str(v)) for k, v in (row.subject or {}).items() if v is not None))
    ids = [str(o["id"]) for o in row.options]
    titles = {str(o["id"]): str(o["title"]) for o in row.options}
    summary = row.summary
    local = describe(row.kind, row.subject or {}, ids, lambda key: _sample_status(session, key))
    if local is not None:  # in this workstation's language; otherwise the server's words
        summary, titles = local
    return ConflictView(
        id=row.id,
        kind=row.kind,
        site=row.site,
        status=row.status,
        summary=summary,
        options=tuple(ConflictOptionView(i, titles[i]) for i in ids),
        created_at=row.created_at,
        resolved_option=row.resolved_option,
        resolved_by=row.resolved_by,
        resolved_reason=row.resolved_reason,
        subject=subject,
    )


def _result(
    report: SyncReport, fresh: tuple[ConflictView, ...], telemetry: TelemetryReport, error: str | None
) -> SyncResult:
    return SyncResult(
        pushed=report.pushed,
        applied=report.applied,
        duplicates=report.duplicates,
        conflicts=report.conflicts,
        rejected=report.rejected,
        pulled=report.pulled,
        bootstrapped=report.bootstrapped,
        rejections=tuple(report.rejections),
        new_conflicts=fresh,
        readings=telemetry.readings,
        alarm_events=telemetry.alarm_events,
        telemetry_duplicates=telemetry.duplicates,
        telemetry_held=len(telemetry.held),
        telemetry_more=telemetry.more,
        telemetry_error=error,
    )
