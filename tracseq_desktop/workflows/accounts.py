"""Local signing accounts: salted scrypt hashes, checked when a person signs a workflow step.

They stand in until full sign-in arrives. The password itself is never stored or
logged; the hash parameters are kept per account so they can be raised later
without invalidating older accounts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from sqlalchemy import select

from tracseq_desktop.domain.errors import AlreadyExists, InvalidInput, NotFound
from tracseq_desktop.i18n import _
from tracseq_desktop.services.operation import OperationRunner
from tracseq_desktop.store.models import UserAccountRecord

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
KEY_BYTES = 32
MIN_PASSWORD = 8
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def hash_password(password: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=KEY_BYTES)


@dataclass(frozen=True)
class Account:
    name: str
    full_name: str
    active: bool


class UserAccounts:
    def __init__(self, runner: OperationRunner) -> None:
        self._runner = runner

    def add(self, name: str, password: str, *, full_name: str = "") -> Account:
        user = name.strip().lower()
        if not USER_NAME.match(user):
            raise InvalidInput(_("A user name is lower-case letters, digits, '.', '-' or '_' (at most 64)."))
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(_("A password needs at least {count} characters.").format(count=MIN_PASSWORD))
        salt = os.urandom(16)
        digest = hash_password(password, salt)
        with self._runner.operation() as op:
            if op.session.get(UserAccountRecord, user) is not None:
                raise AlreadyExists(_("There is already a user {name}.").format(name=user))
            record = UserAccountRecord(
                name=user,
                full_name=full_name.strip() or user,
                salt=salt.hex(),
                password_hash=digest.hex(),
                scrypt_n=SCRYPT_N,
                scrypt_r=SCRYPT_R,
                scrypt_p=SCRYPT_P,
                active=True,
                created_at=op.now,
            )
            op.session.add(record)
            op.record("add_user", "user", user, None, {"full_name": record.full_name, "active": True})
        return Account(user, record.full_name, True)

    def get(self, name: str) -> Account:
        with self._runner.db.reading() as session:
            record = session.get(UserAccountRecord, name.strip().lower())
            if record is None:
                raise NotFound(_("There is no user {name}.").format(name=name.strip().lower()))
            return Account(record.name, record.full_name, record.active)

    def accounts(self) -> list[Account]:
        with self._runner.db.reading() as session:
            rows = session.scalars(select(UserAccountRecord).order_by(UserAccountRecord.name)).all()
            return [Account(r.name, r.full_name, r.active) for r in rows]


def password_matches(record: UserAccountRecord, password: str) -> bool:
    """Constant-time comparison with the stored hash, using the account's own scrypt parameters."""
    digest = hash_password(password, bytes.fromhex(record.salt), record.scrypt_n, record.scrypt_r, record.scrypt_p)
    return hmac.compare_digest(digest, bytes.fromhex(record.password_hash))
