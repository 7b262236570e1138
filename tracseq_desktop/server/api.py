"""The HTTP API (version 1, under ``/v1``; OpenAPI at ``/openapi.json``).

Processes keep no state between requests besides a connection pool: any number of
them can serve one database behind a load balancer.
"""

import json
import threading
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import select, update

from tracseq_desktop import __version__
from tracseq_desktop.server import feed
from tracseq_desktop.server.db import ServerDatabase
from tracseq_desktop.server.models import Conflict, RefreshToken, Site, UserAccount, UserSite, Workstation
from tracseq_desktop.server.security import (
    ACCESS_TTL_S,
    REFRESH_TTL_S,
    BadToken,
    check_password,
    hash_password,
    issue_access_token,
    new_refresh_token,
    read_access_token,
    refresh_hash,
)
from tracseq_desktop.server.states import conflict_state
from tracseq_desktop.services.actor import Clock, utc_now
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.hlc import HybridClock

MAX_BODY = 16 * 1024 * 1024
_bearer = HTTPBearer(auto_error=False)


class Caller:
    """The authenticated user and workstation of one request."""

    def __init__(self, user: UserAccount, sites: frozenset[str], workstation: str) -> None:
        self.user = user
        self.sites = sites
        self.workstation = workstation


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def user_sites(db: ServerDatabase, user_id: int) -> frozenset[str]:
    with db.reading() as session:
        return frozenset(session.scalars(select(UserSite.site).where(UserSite.user_id == user_id)))


@dataclass
class ServerState:
    """What the routes share: the database, the signing key, the clock and the server's clock stamp."""

    db: ServerDatabase
    secret: bytes
    clock: Clock
    hlc: HybridClock
    hlc_lock: threading.Lock

    def stamp(self, observed: str | None = None) -> str:
        with self.hlc_lock:
            return str(self.hlc.observe(observed) if observed else self.hlc.tick())


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.tracseq
    return state


StateDep = Annotated[ServerState, Depends(server_state)]


def current_caller(
    state: StateDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorised("missing bearer token")
    try:
        claims = read_access_token(state.secret, credentials.credentials, int(state.clock().timestamp()))
    except BadToken as error:
        raise _unauthorised(str(error)) from None
    with state.db.reading() as session:
        user = session.get(UserAccount, claims.user_id)
        ws = session.get(Workstation, claims.workstation)
    if user is None or user.disabled or ws is None:
        raise _unauthorised("unknown or disabled account")
    return Caller(user, user_sites(state.db, user.id), claims.workstation)


CallerDep = Annotated[Caller, Depends(current_caller)]
router = APIRouter(prefix=wire.API_PREFIX)


def create_app(db: ServerDatabase, *, clock: Clock = utc_now) -> FastAPI:
    app = FastAPI(
        title="TracSeq central server",
        version=__version__,
        description="Offline-first sync for TracSeq workstations: push intents, pull the ordered change feed.",
    )
    app.state.tracseq = ServerState(
        db, db.signing_secret(), clock, HybridClock("server", lambda: int(clock().timestamp() * 1000)), threading.Lock()
    )

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        return await call_next(request)

    app.include_router(router)
    from tracseq_desktop.server.telemetry_api import router as telemetry_router  # its routes use this module's deps

    app.include_router(telemetry_router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the push body's schema (that route reads its body itself, see ``push_request``)."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema = wire.PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(schema.pop("$defs", {}))
        schemas["PushRequest"] = schema
        app.openapi_schema = document
    return app.openapi_schema


def _tokens_for(
    state: ServerState, user: UserAccount, workstation: str, family: str | None = None
) -> wire.TokenResponse:
    now = state.clock()
    token, digest = new_refresh_token()
    with state.db.writing() as session:
        ws = session.get(Workstation, workstation)
        site = ws.site if ws is not None else ""
        session.add(
            RefreshToken(
                token_hash=digest,
                family=family or str(uuidlib.uuid4()),
                user_id=user.id,
                workstation_id=workstation,
                expires_at=now + timedelta(seconds=REFRESH_TTL_S),
                used=False,
                revoked=False,
            )
        )
    return wire.TokenResponse(
        access_token=issue_access_token(state.secret, user.id, workstation, int(now.timestamp())),
        refresh_token=token,
        expires_in=ACCESS_TTL_S,
        user=user.name,
        role=wire.Role(user.role),
        sites=sorted(user_sites(state.db, user.id)),
        workstation=workstation,
        site=site,
    )


@router.get("/health", tags=["service"])
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.post("/auth/login", tags=["accounts"], responses={401: {"model": wire.ErrorBody}})
def login(body: wire.LoginRequest, state: StateDep) -> wire.TokenResponse:
    """Check the password and register the workstation (once; later logins reuse it)."""
    db = state.db
    with db.reading() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.name == body.user))
    if user is None or user.disabled or not check_password(body.password, user.password_hash):
        raise _unauthorised("wrong user name or password")
    sites = user_sites(db, user.id)
    if not sites:
        raise HTTPException(403, "this account belongs to no site")
    now = state.clock()
    with db.writing() as session:
        ws = session.get(Workstation, body.workstation)
        if ws is None:
            session.add(
                Workstation(
                    id=body.workstation,
                    name=body.workstation_name,
                    site=sorted(sites)[0],
                    user_id=user.id,
                    last_seq=0,
                    audit_through=0,
                    registered_at=now,
                    seen_at=now,
                )
            )
        elif ws.site not in sites:
            raise HTTPException(403, f"this workstation belongs to site {ws.site}")
        else:
            ws.seen_at = now
    return _tokens_for(state, user, body.workstation)


@router.post("/auth/refresh", tags=["accounts"], responses={401: {"model": wire.ErrorBody}})
def refresh(body: wire.RefreshRequest, state: StateDep) -> wire.TokenResponse:
    """Trade a refresh token for new tokens; each refresh token works once."""
    digest = refresh_hash(body.refresh_token)
    now = state.clock()
    with state.db.writing() as session:
        row = session.get(RefreshToken, digest)
        if row is None or row.revoked or row.expires_at <= now:
            raise _unauthorised("invalid refresh token")
        if row.used:  # replayed: someone else may hold it, so the whole family goes
            session.execute(update(RefreshToken).where(RefreshToken.family == row.family).values(revoked=True))
            session.commit()
            raise _unauthorised("refresh token reused; sign in again")
        row.used = True
        user = session.get(UserAccount, row.user_id)
        family, workstation = row.family, row.workstation_id
    if user is None or user.disabled:
        raise _unauthorised("unknown or disabled account")
    return _tokens_for(state, user, workstation, family)


@router.get("/me", tags=["accounts"])
def me(who: CallerDep) -> dict[str, Any]:
    return {"user": who.user.name, "role": who.user.role, "sites": sorted(who.sites), "workstation": who.workstation}


@router.post("/users", tags=["accounts"], status_code=201, responses={403: {"model": wire.ErrorBody}})
def add_user(body: wire.NewUser, who: CallerDep, state: StateDep) -> dict[str, Any]:
    """Admins add users to their own sites."""
    if who.user.role != wire.Role.ADMIN:
        raise HTTPException(403, "only an admin may add users")
    outside = set(body.sites) - who.sites
    if outside:
        raise HTTPException(403, f"not an admin of: {', '.join(sorted(outside))}")
    try:
        created = create_user(state.db, body.name, body.password, body.role, body.sites, state.clock())
    except ValueError as error:
        raise HTTPException(409, str(error)) from None
    return {"user": created, "role": body.role.value, "sites": sorted(body.sites)}


async def push_request(request: Request) -> wire.PushRequest:
    """The push body, validated straight from its JSON bytes (no intermediate Python objects)."""
    body = await request.body()
    try:
        return wire.PushRequest.model_validate_json(body)
    except ValidationError as error:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False, include_context=False)]
        raise RequestValidationError(errors, body=body) from None


_PUSH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
    }
}


@router.post(
    "/push",
    tags=["sync"],
    responses={401: {"model": wire.ErrorBody}, 422: {"description": "Malformed: `detail` lists where and why"}},
    openapi_extra=_PUSH_BODY,
)
def push(
    body: Annotated[wire.PushRequest, Depends(push_request)], who: CallerDep, state: StateDep
) -> wire.PushResponse:
    """Apply a batch of intents in one transaction; every intent gets its final outcome."""
    results, audit_through, last_seq = feed.push(state.db, who.user, who.sites, who.workstation, body, state.clock())
    return wire.PushResponse(results=results, audit_through=audit_through, last_seq=last_seq, hlc=state.stamp(body.hlc))


@router.get("/changes", tags=["sync"], response_model=wire.PullResponse)
def changes(
    who: CallerDep,
    state: StateDep,
    after: Annotated[str, Query(max_length=80_000)] = "",
    limit: Annotated[int, Query(ge=1, le=wire.MAX_PAGE)] = wire.DEFAULT_PAGE,
    site: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> Response:
    """Changes after the cursor, each site's in its commit order, for the caller's sites (or some of them).

    ``after`` is the cursor of the previous answer (or of the snapshot) as JSON,
    ``{"SITE": n, ...}``; one number stands for that number at every site. The answer is
    written straight from the stored JSON of each change (a ``PullResponse``).
    """
    sites = _pick_sites(who, site)
    try:
        cursor_in = feed.parse_cursor(after, sites)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    found, cursor, more = feed.pull_json(state.db, sites, cursor_in, limit)
    tail = (
        f'],"cursor":{wire.cursor_text(cursor)},"more":{"true" if more else "false"},'
        f'"hlc":{json.dumps(state.stamp())}}}'
    )
    return Response(content='{"changes":[' + ",".join(found) + tail, media_type="application/json")


@router.get("/snapshot", tags=["sync"], response_class=StreamingResponse)
def snapshot(
    who: CallerDep, state: StateDep, site: Annotated[list[str] | None, Query(max_length=100)] = None
) -> StreamingResponse:
    """Everything the caller may see, with the cursor of that moment (NDJSON; see ``feed.snapshot_lines``)."""
    return StreamingResponse(feed.snapshot_lines(state.db, _pick_sites(who, site)), media_type="application/x-ndjson")


@router.get("/conflicts", tags=["sync"])
def conflicts(who: CallerDep, state: StateDep, status: str | None = None) -> list[wire.ConflictState]:
    with state.db.reading() as session:
        stmt = select(Conflict).where(Conflict.site.in_(sorted(who.sites))).order_by(Conflict.created_at)
        if status is not None:
            stmt = stmt.where(Conflict.status == status)
        return [wire.ConflictState.model_validate(conflict_state(c)) for c in session.scalars(stmt)]


def _pick_sites(who: Caller, requested: list[str] | None) -> frozenset[str]:
    if not requested:
        return who.sites
    outside = set(requested) - who.sites
    if outside:
        raise HTTPException(403, f"no access to site {', '.join(sorted(outside))}")
    return frozenset(requested)


def create_user(db: ServerDatabase, name: str, password: str, role: wire.Role, sites: list[str], now: datetime) -> str:
    """Add a user (and any new site); raises ``ValueError`` if the name is taken."""
    digest = hash_password(password)
    with db.writing() as session:
        if session.scalar(select(UserAccount.id).where(UserAccount.name == name)) is not None:
            raise ValueError(f"the user {name} already exists")
        user = UserAccount(name=name, role=role.value, password_hash=digest, disabled=False, created_at=now)
        session.add(user)
        session.flush()
        for code in sorted(set(sites)):
            if session.get(Site, code) is None:
                session.add(Site(code=code, created_at=now))
            session.add(UserSite(user_id=user.id, site=code))
    return name
