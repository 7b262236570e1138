"""A real server on a loopback port in a background thread: for tests, benchmarks and demos."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tracseq_desktop.server.api import create_app
from tracseq_desktop.server.db import ServerDatabase, open_server_database
from tracseq_desktop.services.actor import Clock, utc_now


@dataclass
class RunningServer:
    url: str
    db: ServerDatabase


@contextmanager
def serve_in_thread(
    db: str, *, clock: Clock = utc_now, pool_size: int = 8, tls: tuple[str, str] | None = None
) -> Iterator[RunningServer]:
    """Migrate ``db``, serve it on 127.0.0.1 (a free port) until the block ends.

    ``tls``: (certificate, key) PEM files to serve HTTPS instead of HTTP.
    """
    import uvicorn

    database = open_server_database(db, pool_size=pool_size)
    cert, key = tls if tls else (None, None)
    config = uvicorn.Config(
        create_app(database, clock=clock),
        host="127.0.0.1",
        port=0,
        log_level="error",
        ssl_certfile=cert,
        ssl_keyfile=key,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="tracseq-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            database.close()
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(f"{'https' if tls else 'http'}://127.0.0.1:{port}", database)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        database.close()
