"""Passwords (scrypt with a salt), signed access tokens and opaque refresh tokens.

Access tokens are ``base64url(payload).base64url(HMAC-SHA256(payload))``, valid 15
minutes: any server process holding the shared key checks them without a database
round trip. Refresh tokens are random; only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

ACCESS_TTL_S = 15 * 60
REFRESH_TTL_S = 30 * 24 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class BadToken(Exception):
    """Malformed, forged or expired."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(actual.hex(), digest)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    workstation: str
    expires: int


def issue_access_token(secret: bytes, user_id: int, workstation: str, now: int) -> str:
    payload = json.dumps({"u": user_id, "w": workstation, "e": now + ACCESS_TTL_S}, separators=(",", ":")).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def read_access_token(secret: bytes, token: str, now: int) -> AccessClaims:
    try:
        payload_text, signature_text = token.split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, TypeError):
        raise BadToken("malformed token") from None
    if not hmac.compare_digest(hmac.new(secret, payload, hashlib.sha256).digest(), signature):
        raise BadToken("bad signature")
    try:
        data = json.loads(payload)
        claims = AccessClaims(int(data["u"]), str(data["w"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        raise BadToken("malformed token") from None
    if claims.expires <= now:
        raise BadToken("token expired")
    return claims


def new_refresh_token() -> tuple[str, str]:
    """(token for the client, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, refresh_hash(token)


def refresh_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
