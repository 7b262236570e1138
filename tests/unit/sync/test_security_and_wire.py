"""Passwords, tokens, the wire format's bounds and the replica checksum."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tracseq_desktop.server.security import (
    BadToken,
    check_password,
    hash_password,
    issue_access_token,
    read_access_token,
)
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.tokens import MemoryTokenStore, account_name

UUID = "0e2f1c8a-1111-4222-8333-444455556666"
T = "2026-01-01T10:00:00.000000Z"


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$")
    assert check_password("correct horse", first)
    assert not check_password("correct horsf", first)
    assert not check_password("correct horse", "md5$abc")


def test_access_tokens_expire_and_detect_tampering() -> None:
    token = issue_access_token(b"k" * 32, 7, UUID, now=1000)
    claims = read_access_token(b"k" * 32, token, now=1000 + 899)
    assert (claims.user_id, claims.workstation) == (7, UUID)
    with pytest.raises(BadToken, match="expired"):
        read_access_token(b"k" * 32, token, now=1000 + 900)
    with pytest.raises(BadToken, match="signature"):
        read_access_token(b"other key", token, now=1000)
    with pytest.raises(BadToken):
        read_access_token(b"k" * 32, token.replace(".", ""), now=1000)


def test_requests_refuse_unknown_fields_and_oversized_values() -> None:
    good = {
        "key": UUID,
        "seq": 1,
        "operation_id": UUID,
        "kind": "sample.edit",
        "args": {},
        "hlc": "0000000000001000-00000-n",
        "at": T,
        "actor": "a",
    }
    wire.Mutation.model_validate(good)
    for bad in (
        {**good, "seq": 0},
        {**good, "kind": "sample.delete_all"},
        {**good, "extra": 1},
        {**good, "at": "yesterday"},
    ):
        with pytest.raises(ValidationError):
            wire.Mutation.model_validate(bad)
    with pytest.raises(ValidationError):
        wire.SampleRegisterArgs.model_validate({"uuid": UUID, "barcode": "x" * 65, "sample_type": "plasma"})


def _sample(**changes: object) -> wire.SampleState:
    base = {
        "uuid": UUID,
        "site": "S",
        "barcode": "B",
        "sample_type": "plasma",
        "status": "available",
        "created_at": T,
        "updated_at": T,
    }
    return wire.SampleState.model_validate({**base, **changes})


def test_checksum_sees_every_field_and_ignores_order() -> None:
    other = _sample(uuid="1e2f1c8a-1111-4222-8333-444455556666", barcode="C")
    assert wire.replica_checksum([], [_sample(), other]) == wire.replica_checksum([], [other, _sample()])
    assert wire.replica_checksum([], [_sample()]) != wire.replica_checksum([], [_sample(project="P")])
    assert wire.replica_checksum([], [_sample()]) != wire.replica_checksum([], [_sample(row=0, col=0)])


def test_memory_token_store_forgets_on_delete() -> None:
    store = MemoryTokenStore()
    account = account_name("https://srv/", UUID)
    assert account == f"https://srv|{UUID}" and not store.persistent
    store.save(account, "t1")
    assert store.load(account) == "t1"
    store.delete(account)
    assert store.load(account) is None
