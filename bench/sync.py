"""Sync benchmark against a real ``tracseq-server`` subprocess on loopback (SQLite or PostgreSQL).

    python bench/sync.py [--push 100000] [--pull 100000] [--bootstrap 1000000] [--stations 50] [--db URL]

1. push N intents (sample registrations with their audit entries) from one workstation;
2. pull N changes into a second workstation that reads the feed from cursor 0;
3. bootstrap a new workstation from a snapshot of M samples (bulk-loaded on the server);
4. K workstations syncing at once (each: 20 local changes, then sync; 5 rounds): throughput and p95.
Targets from issue 6: push <= 20 s, pull <= 10 s, bootstrap <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import text

from tracseq_desktop.server.api import create_user
from tracseq_desktop.server.db import open_server_database
from tracseq_desktop.services.actor import Actor, utc_now
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import open_services
from tracseq_desktop.store.types import to_utc_text
from tracseq_desktop.sync.engine import CURSOR_KEY, SyncEngine
from tracseq_desktop.sync.outbox import meta_set
from tracseq_desktop.sync.service import SyncService
from tracseq_desktop.sync.tokens import MemoryTokenStore
from tracseq_desktop.sync.wire import Role

BIN = Path(sys.executable).parent
PASSWORD = "bench-password"


def start_server(db: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([str(BIN / "tracseq-server"), "--db", db, "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/v1/health").status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def station(folder: Path, name: str, url: str, user: str) -> SyncService:
    services = open_services(folder / f"{name}.db", actor=Actor(user, name))
    sync = SyncService(services, token_store=MemoryTokenStore())
    sync.login(url, user, PASSWORD)
    return sync


def build_site(sync: SyncService, site: str, boxes: int) -> None:
    loc = sync._services.locations
    loc.create("site", site)
    loc.create("room", f"{site}-R", parent=site)
    loc.create("unit", f"{site}-F", parent=f"{site}-R", unit_type="freezer-80")
    loc.create("rack", f"{site}-K", parent=f"{site}-F")
    for b in range(boxes):
        loc.create("box", f"{site}-B{b}", parent=f"{site}-K", geometry="10x10")


def bench_push_pull(folder: Path, url: str, count: int, pull_count: int) -> dict[str, float]:
    writer = station(folder, "writer", url, "bench")
    build_site(writer, "BENCH", 1)
    services = writer._services
    for start in range(0, count, 1000):
        drafts = [SampleDraft(f"P-{i:07d}", "plasma", volume="1ml") for i in range(start, min(count, start + 1000))]
        services.samples.register_many(drafts)
    engine = writer.engine()
    began = time.perf_counter()
    report = engine.push_all()
    push_s = time.perf_counter() - began
    assert report.rejected == 0, report.rejections[:3]
    reader = station(folder, "reader", url, "bench")
    with reader._services.db.writing() as session:
        meta_set(session, CURSOR_KEY, "0")
    engine = reader.engine()
    began = time.perf_counter()
    pulled = SyncEngine.pull_all(engine)
    pull_s = time.perf_counter() - began
    assert pulled
    with reader._services.db.reading() as session:
        have = session.execute(text("SELECT count(*) FROM sample")).scalar_one()
    assert have >= min(count, pull_count), have
    for s in (writer, reader):
        s.close()
        s._services.close()
    return {"push_intents": report.pushed, "push_s": push_s, "pull_changes": have, "pull_s": pull_s}


def fill_server(db_url: str, site: str, samples: int) -> None:
    """Bulk-load ``samples`` tubes in 100-place boxes straight into the server tables."""
    db = open_server_database(db_url)
    now = to_utc_text(utc_now())
    with db.writing() as session:
        conn = session.connection()
        ids = {k: str(uuid.uuid4()) for k in ("site", "room", "unit", "rack")}
        parents = {"site": None, "room": ids["site"], "unit": ids["room"], "rack": ids["unit"]}
        for kind, key in ids.items():
            conn.execute(
                text(
                    "INSERT INTO location (uuid, site, kind, label, name, parent, unit_type, temperature_class, rows,"
                    " cols, capacity, retired, version, clocks, created_at, updated_at) VALUES (:u, :s, :k, :l, '',"
                    " :p, :ut, :tc, NULL, NULL, NULL, false, 1, '{}', :t, :t)"
                ),
                {"u": key, "s": site, "k": kind, "l": site if kind == "site" else f"{site}-{kind}", "p": parents[kind],
                 "ut": "freezer-80" if kind == "unit" else None, "tc": "-80C" if kind == "unit" else None, "t": now},
            )  # fmt: skip
        boxes = [str(uuid.uuid4()) for _ in range((samples + 99) // 100)]
        conn.execute(
            text(
                "INSERT INTO location (uuid, site, kind, label, name, parent, rows, cols, capacity, retired, version,"
                " clocks, created_at, updated_at) VALUES (:u, :s, 'box', :l, '', :p, 10, 10, 100, false, 1, '{}', :t, :t)"
            ),
            [{"u": b, "s": site, "l": f"{site}-BOX-{i}", "p": ids["rack"], "t": now} for i, b in enumerate(boxes)],
        )
        batch: list[dict[str, object]] = []
        for i in range(samples):
            batch.append(
                {"u": str(uuid.uuid4()), "s": site, "b": f"{site}-{i:08d}", "box": boxes[i // 100],
                 "r": (i % 100) // 10, "c": i % 10, "t": now}
            )  # fmt: skip
            if len(batch) == 20000 or i == samples - 1:
                conn.execute(
                    text(
                        "INSERT INTO sample (uuid, site, barcode, sample_type, status, volume_nl, freeze_thaw_count,"
                        " attributes, box, row, col, version, clocks, created_at, updated_at) VALUES (:u, :s, :b,"
                        " 'plasma', 'available', 1000000, 0, '{}', :box, :r, :c, 1, '{}', :t, :t)"
                    ),
                    batch,
                )
                batch = []
    db.close()


def bench_bootstrap(folder: Path, url: str, site_user: str, samples: int) -> dict[str, float]:
    fresh = station(folder, "fresh", url, site_user)
    began = time.perf_counter()
    result = fresh.sync_now()
    elapsed = time.perf_counter() - began
    with fresh._services.db.reading() as session:
        have = session.execute(text("SELECT count(*) FROM sample")).scalar_one()
    assert result.bootstrapped and have == samples, (have, samples)
    fresh.close()
    fresh._services.close()
    return {"bootstrap_samples": have, "bootstrap_s": elapsed}


def bench_concurrent(folder: Path, url: str, stations: int, rounds: int = 5, ops: int = 20) -> dict[str, float]:
    syncs = []
    for i in range(stations):
        sync = station(folder, f"ws{i}", url, f"c{i % 5}")
        syncs.append(sync)
    for i in range(5):  # each of five sites gets its building once
        build_site(syncs[i], f"C{i}", 10)
        syncs[i].sync_now()
    for sync in syncs:
        sync.sync_now()
    latencies: list[float] = []
    counts = [0]
    lock = threading.Lock()

    def work(index: int, sync: SyncService) -> None:
        samples = sync._services.samples
        for r in range(rounds):
            drafts = [SampleDraft(f"W{index}-{r}-{k}", "plasma", volume="1ml") for k in range(ops)]
            samples.register_many(drafts)
            began = time.perf_counter()
            result = sync.sync_now()
            with lock:
                latencies.append(time.perf_counter() - began)
                counts[0] += result.pushed

    began = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(syncs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    for sync in syncs:
        sync.close()
        sync._services.close()
    latencies.sort()
    return {
        "stations": stations,
        "syncs": len(latencies),
        "intents": counts[0],
        "wall_s": wall,
        "intents_per_s": counts[0] / wall,
        "sync_p50_s": statistics.median(latencies),
        "sync_p95_s": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--push", type=int, default=100_000)
    parser.add_argument("--pull", type=int, default=100_000)
    parser.add_argument("--bootstrap", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--db", help="server database URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--skip", action="append", default=[], choices=["push", "bootstrap", "concurrent"])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tracseq-bench-sync-"))
    db_url = args.db or str(folder / "server.db")
    try:
        setup = open_server_database(db_url)
        create_user(setup, "bench", PASSWORD, Role.MANAGER, ["BENCH"], utc_now())
        create_user(setup, "boot", PASSWORD, Role.MANAGER, ["BIG"], utc_now())
        for i in range(5):
            create_user(setup, f"c{i}", PASSWORD, Role.MANAGER, [f"C{i}"], utc_now())
        setup.close()
        if "bootstrap" not in args.skip:
            fill_server(db_url, "BIG", args.bootstrap)
        process, url = start_server(db_url)
        try:
            results: dict[str, float] = {}
            if "push" not in args.skip:
                results.update(bench_push_pull(folder, url, args.push, args.pull))
            if "bootstrap" not in args.skip:
                results.update(bench_bootstrap(folder, url, "boot", args.bootstrap))
            if "concurrent" not in args.skip:
                results.update(bench_concurrent(folder, url, args.stations))
        finally:
            process.terminate()
            process.wait(timeout=30)
        for key, value in results.items():
            print(f"{key:>20}: {value:,.2f}" if isinstance(value, float) else f"{key:>20}: {value:,}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TRACSEQ_LANG", "en")
    sys.exit(main())
