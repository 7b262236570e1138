"""The server's edges: tokens, roles and sites, malformed and hostile payloads, replays."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.loopback import RunningServer, serve_in_thread
from tracseq_desktop.server.models import ChangeCounter, ChangeRecord, Location, MutationRecord
from tracseq_desktop.server.security import issue_access_token
from tracseq_desktop.services.actor import utc_now
from tracseq_desktop.sync.wire import Role

NOW = "2026-01-01T10:00:00.000000Z"
_open_clients: list[httpx.Client] = []


@dataclass
class Session:
    http: httpx.Client
    token: str
    refresh: str
    workstation: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def server(sqlite_url: str) -> Iterator[RunningServer]:
    with serve_in_thread(sqlite_url) as running:
        create_user(running.db, "admin", "admin-pass", Role.ADMIN, ["NORTH"], utc_now())
        create_user(running.db, "tess", "tech-pass", Role.TECHNICIAN, ["NORTH"], utc_now())
        create_user(running.db, "sam", "south-pass", Role.MANAGER, ["SOUTH"], utc_now())
        try:
            yield running
        finally:
            while _open_clients:
                _open_clients.pop().close()


def sign_in(server: RunningServer, user: str, password: str) -> Session:
    http = httpx.Client(base_url=server.url)
    _open_clients.append(http)
    workstation = str(uuid.uuid4())
    answer = http.post(
        "/v1/auth/login",
        json={"user": user, "password": password, "workstation": workstation, "workstation_name": f"{user}-pc"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Session(http, body["access_token"], body["refresh_token"], workstation)


def mutation(seq: int, kind: str, args: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "key": str(uuid.uuid4()),
        "seq": seq,
        "operation_id": str(uuid.uuid4()),
        "kind": kind,
        "args": args,
        "expect": {},
        "hlc": "0001767261600000-00000-test",
        "at": NOW,
        "actor": "tester",
        **extra,
    }


def site_create(seq: int, label: str) -> dict[str, Any]:
    return mutation(seq, "location.create", {"uuid": str(uuid.uuid4()), "kind": "site", "label": label})


def counts(server: RunningServer) -> tuple[int, int, int, int]:
    with server.db.reading() as session:
        return (
            int(session.scalar(select(func.sum(ChangeCounter.value))) or 0),
            int(session.scalar(select(func.count()).select_from(MutationRecord)) or 0),
            int(session.scalar(select(func.count()).select_from(Location)) or 0),
            int(session.scalar(select(func.count()).select_from(ChangeRecord)) or 0),
        )


def test_wrong_password_and_missing_token_are_refused_with_401(server: RunningServer) -> None:
    http = httpx.Client(base_url=server.url)
    _open_clients.append(http)
    bad = http.post(
        "/v1/auth/login",
        json={"user": "tess", "password": "nope", "workstation": str(uuid.uuid4()), "workstation_name": "x"},
    )
    assert bad.status_code == 401
    assert http.get("/v1/changes").status_code == 401
    assert http.get("/v1/changes", headers={"Authorization": "Basic dGVzczp0ZWNoLXBhc3M="}).status_code == 401


def test_forged_and_expired_tokens_are_refused(server: RunningServer) -> None:
    tess = sign_in(server, "tess", "tech-pass")
    payload, signature = tess.token.split(".")
    forged_payload = payload[:-2] + ("AA" if not payload.endswith("AA") else "BB")
    for token in (f"{forged_payload}.{signature}", f"{payload}.{signature[::-1]}", "garbage", tess.token + "x"):
        answer = tess.http.get("/v1/changes", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
    secret = server.db.signing_secret()
    expired = issue_access_token(secret, 2, tess.workstation, int(utc_now().timestamp()) - 3600)
    answer = tess.http.get("/v1/changes", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]
    other_key = issue_access_token(b"not the server key", 2, tess.workstation, int(utc_now().timestamp()))
    assert tess.http.get("/v1/changes", headers={"Authorization": f"Bearer {other_key}"}).status_code == 401
    assert tess.http.get("/v1/changes", headers=tess.headers()).status_code == 200


def test_refresh_tokens_rotate_and_a_replayed_one_revokes_the_family(server: RunningServer) -> None:
    tess = sign_in(server, "tess", "tech-pass")
    first = tess.http.post("/v1/auth/refresh", json={"refresh_token": tess.refresh})
    assert first.status_code == 200
    newer = first.json()["refresh_token"]
    assert newer != tess.refresh
    replay = tess.http.post("/v1/auth/refresh", json={"refresh_token": tess.refresh})
    assert replay.status_code == 401
    # the thief replayed the old token: the one handed out after it is dead too
    assert tess.http.post("/v1/auth/refresh", json={"refresh_token": newer}).status_code == 401


def test_roles_and_sites_limit_what_a_user_reaches(server: RunningServer) -> None:
    tess = sign_in(server, "tess", "tech-pass")
    admin = sign_in(server, "admin", "admin-pass")
    new_user = {"name": "zed", "password": "zed-password", "role": "technician", "sites": ["NORTH"]}
    assert tess.http.post("/v1/users", json=new_user, headers=tess.headers()).status_code == 403
    assert (
        admin.http.post("/v1/users", json={**new_user, "sites": ["SOUTH"]}, headers=admin.headers()).status_code == 403
    )
    assert admin.http.post("/v1/users", json=new_user, headers=admin.headers()).status_code == 201
    assert tess.http.get("/v1/changes", params={"site": "SOUTH"}, headers=tess.headers()).status_code == 403
    assert tess.http.get("/v1/snapshot", params={"site": "SOUTH"}, headers=tess.headers()).status_code == 403
    # a technician may not create locations; the intent is rejected with a reason, nothing is made
    answer = tess.http.post("/v1/push", json={"mutations": [site_create(1, "NORTH")]}, headers=tess.headers())
    result = answer.json()["results"][0]
    assert (result["outcome"], "technician" in result["reason"]) == ("rejected", True)
    # south's manager builds SOUTH; north's users never see it, and cannot touch it by id
    sam = sign_in(server, "sam", "south-pass")
    box_site = site_create(1, "SOUTH")
    sam.http.post("/v1/push", json={"mutations": [box_site]}, headers=sam.headers())
    north_view = tess.http.get("/v1/changes", headers=tess.headers()).json()
    assert all(c["data"] is None or c["data"]["site"] == "NORTH" for c in north_view["changes"])
    rename = mutation(2, "location.update", {"uuid": box_site["args"]["uuid"], "name": "mine now"})
    result = tess.http.post("/v1/push", json={"mutations": [rename]}, headers=tess.headers()).json()["results"][0]
    assert result["outcome"] == "rejected"


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"mutations": "lots"}',
        b'{"mutations": [], "surprise": 1}',
        b'{"mutations": [{"key": "1; DROP TABLE location", "seq": 1}]}',
        b'{"mutations": [], "audit": [{"local_id": -1}]}',
    ],
)
def test_malformed_pushes_get_422_with_a_reason_and_change_nothing(server: RunningServer, body: bytes) -> None:
    admin = sign_in(server, "admin", "admin-pass")
    before = counts(server)
    answer = admin.http.post("/v1/push", content=body, headers={**admin.headers(), "Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["detail"]
    assert counts(server) == before


def test_oversized_batches_and_bodies_are_refused(server: RunningServer) -> None:
    admin = sign_in(server, "admin", "admin-pass")
    before = counts(server)
    too_many = {"mutations": [site_create(i + 1, f"S{i}") for i in range(2001)]}
    assert admin.http.post("/v1/push", json=too_many, headers=admin.headers()).status_code == 422
    huge = b'{"mutations": [], "pad": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    answer = admin.http.post("/v1/push", content=huge, headers={**admin.headers(), "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert counts(server) == before


def test_hostile_arguments_reject_one_intent_and_the_batch_goes_on(server: RunningServer) -> None:
    admin = sign_in(server, "admin", "admin-pass")
    batch = [
        mutation(1, "location.create", {"uuid": str(uuid.uuid4()), "kind": "site", "label": "x" * 500}),
        mutation(2, "location.create", {"uuid": "not-a-uuid", "kind": "site", "label": "NORTH"}),
        mutation(3, "sample.edit", {"uuid": str(uuid.uuid4()), "fields": {"status": "available"}}),
        site_create(4, "NORTH"),
    ]
    results = admin.http.post("/v1/push", json={"mutations": batch}, headers=admin.headers()).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "rejected", "rejected", "applied"]
    assert all(r["reason"] for r in results[:3])
    with server.db.reading() as session:
        assert list(session.scalars(select(Location.label))) == ["NORTH"]


def test_a_replayed_batch_has_no_effect_and_gaps_are_refused(server: RunningServer) -> None:
    admin = sign_in(server, "admin", "admin-pass")
    batch = {"mutations": [site_create(1, "NORTH")]}
    first = admin.http.post("/v1/push", json=batch, headers=admin.headers()).json()
    after_first = counts(server)
    again = admin.http.post("/v1/push", json=batch, headers=admin.headers()).json()
    assert first["results"][0]["outcome"] == "applied"
    assert (again["results"][0]["outcome"], again["results"][0]["original"]) == ("duplicate", "applied")
    assert counts(server) == after_first
    gap = admin.http.post("/v1/push", json={"mutations": [site_create(5, "NORTH-2")]}, headers=admin.headers())
    result = gap.json()["results"][0]
    assert result["outcome"] == "rejected" and "gap" in result["reason"]
    assert counts(server) == after_first
    # someone else's idempotency key is not a duplicate of theirs
    tess = sign_in(server, "tess", "tech-pass")
    stolen = {"mutations": [{**batch["mutations"][0], "seq": 1}]}
    result = tess.http.post("/v1/push", json=stolen, headers=tess.headers()).json()["results"][0]
    assert result["outcome"] == "rejected"


def test_the_openapi_document_is_published_under_v1(server: RunningServer) -> None:
    document = httpx.get(server.url + "/openapi.json").json()
    assert {"/v1/push", "/v1/changes", "/v1/snapshot", "/v1/auth/login", "/v1/auth/refresh"} <= set(document["paths"])
