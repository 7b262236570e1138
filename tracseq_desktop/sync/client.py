"""HTTP client of the central server (httpx): tokens, refresh on 401, errors in words.

Certificates are verified (the server sits behind a TLS proxy in production) against
the bundled authorities, or the file named by ``SSL_CERT_FILE`` for a lab's own
authority; a certificate that does not verify is refused with ``UntrustedServer``. A
``transport`` can be given for tests that cut connections on purpose.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from tracseq_desktop.i18n import _
from tracseq_desktop.sync import wire
from tracseq_desktop.sync.errors import NotSignedIn, Offline, ServerRefused, UntrustedServer
from tracseq_desktop.sync.tokens import TokenStore, account_name


class SyncClient:
    def __init__(
        self,
        server: str,
        workstation: str,
        token_store: TokenStore,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
        verify: bool | str = True,
    ) -> None:
        self.server = server.rstrip("/")
        self.workstation = workstation
        self._tokens = token_store
        self._account = account_name(self.server, workstation)
        self._access: str | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.server + wire.API_PREFIX, transport=transport, timeout=timeout, verify=verify
        )

    def close(self) -> None:
        self._http.close()

    # -- accounts ---------------------------------------------------------------------------
    def login(self, user: str, password: str, workstation_name: str) -> wire.TokenResponse:
        body = wire.LoginRequest(
            user=user, password=password, workstation=self.workstation, workstation_name=workstation_name
        )
        answer = wire.TokenResponse.model_validate(self._send("POST", "/auth/login", json=body.model_dump()))
        self._keep(answer)
        return answer

    def has_refresh_token(self) -> bool:
        return self._tokens.load(self._account) is not None

    def forget(self) -> None:
        self._access = None
        self._tokens.delete(self._account)

    def _keep(self, answer: wire.TokenResponse) -> None:
        self._access = answer.access_token
        self._tokens.save(self._account, answer.refresh_token)

    def _refresh(self) -> None:
        token = self._tokens.load(self._account)
        if token is None:
            raise NotSignedIn(_("Sign in to the server first (tracseq login)."))
        try:
            data = self._send("POST", "/auth/refresh", json={"refresh_token": token})
        except ServerRefused as error:
            if error.status == 401:
                self.forget()
                raise NotSignedIn(_("The session with the server ended; sign in again.")) from None
            raise
        self._keep(wire.TokenResponse.model_validate(data))

    # -- requests -----------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, auth: bool = False, raw: bool = False, **kwargs: Any) -> Any:
        """The answer's JSON (decoded, or the bytes with ``raw`` for pydantic to parse in one go)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if auth:
            headers["Authorization"] = f"Bearer {self._access}"
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.ConnectError as error:
            if _certificate_failed(error):
                raise UntrustedServer(
                    _(
                        "The server's certificate is not trusted ({detail}). If your lab uses its own certificate"
                        " authority, set SSL_CERT_FILE to its certificate file."
                    ).format(detail=_certificate_detail(error))
                ) from None
            raise Offline(_("The server cannot be reached: {error}").format(error=type(error).__name__)) from None
        except httpx.TransportError as error:
            raise Offline(_("The server cannot be reached: {error}").format(error=type(error).__name__)) from None
        if response.status_code >= 400:
            raise ServerRefused(_describe(response), response.status_code)
        return response.content if raw else response.json()

    def _authorised(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        with self._lock:
            if self._access is None:
                self._refresh()
        try:
            return self._send(method, path, auth=True, raw=raw, **kwargs)
        except ServerRefused as error:
            if error.status != 401:
                raise
        with self._lock:
            self._refresh()
        return self._send(method, path, auth=True, raw=raw, **kwargs)

    def push(self, request: wire.PushRequest) -> wire.PushResponse:
        return self.push_json(request.model_dump_json().encode())

    def push_json(self, body: bytes) -> wire.PushResponse:
        """Push a request already written as JSON (a ``wire.PushRequest``; the server validates it)."""
        data = self._authorised("POST", "/push", raw=True, content=body, headers=_JSON)
        return wire.PushResponse.model_validate_json(data)

    def push_telemetry(self, body: bytes) -> wire.TelemetryResponse:
        """Push readings and alarm events written as JSON (a ``wire.TelemetryRequest``)."""
        data = self._authorised("POST", "/telemetry", raw=True, content=body, headers=_JSON)
        return wire.TelemetryResponse.model_validate_json(data)

    def pull(self, after: str, limit: int = wire.DEFAULT_PAGE) -> wire.PullResponse:
        """The page after cursor ``after`` (``wire.cursor_text`` of the last cursor; "0" for the whole feed)."""
        data = self._authorised("GET", "/changes", raw=True, params={"after": after, "limit": limit})
        return wire.PullResponse.model_validate_json(data)

    def conflicts(self, status: str | None = None) -> list[wire.ConflictState]:
        params = {"status": status} if status else {}
        return [wire.ConflictState.model_validate(c) for c in self._authorised("GET", "/conflicts", params=params)]

    def snapshot(self) -> Iterator[Any]:
        """The snapshot stream, line by line (header first); see ``server.feed.snapshot_lines``."""
        with self._lock:
            if self._access is None:
                self._refresh()
        for attempt in range(2):
            try:
                with self._http.stream(
                    "GET", "/snapshot", headers={"Authorization": f"Bearer {self._access}"}
                ) as response:
                    if response.status_code == 401 and attempt == 0:
                        with self._lock:
                            self._refresh()
                        continue
                    if response.status_code >= 400:
                        response.read()
                        raise ServerRefused(_describe(response), response.status_code)
                    for line in response.iter_lines():
                        if line:
                            yield json.loads(line)
                    return
            except httpx.TransportError as error:
                raise Offline(_("The server cannot be reached: {error}").format(error=type(error).__name__)) from None


_JSON = {"Content-Type": "application/json"}


def _describe(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list) and detail:
        first = detail[0]
        detail = f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
    return _("The server refused the request ({status}): {detail}").format(
        status=response.status_code, detail=detail or response.reason_phrase
    )


def _certificate_failed(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(error)


def _certificate_detail(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_message:
            return str(cause.verify_message)
        cause = cause.__cause__ or cause.__context__
    return str(error)
