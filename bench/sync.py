"""Sync benchmark against a real ``tracseq-server`` subprocess on loopback (SQLite or PostgreSQL).

    python bench/sync.py [--scale 1.0] [--db URL] [--skip push|pull|bootstrap|concurrent] [--profile DIR]

1. push N intents (sample registrations with their audit entries) from one workstation;
2. pull those N changes into a second workstation that reads the feed from cursor 0;
3. bootstrap a new workstation from a snapshot of M samples (bulk-loaded on the server);
4. K workstations syncing at once (each: 20 local changes, then sync; 5 rounds): throughput and p95;
5. telemetry: a workstation holding a week of 10-second readings for U freezers (built through the
   readings store, as ``bench/readings.py`` does) syncs until its backlog is on the server.

Targets from issue 6 at full size (N = 100,000, M = 1,000,000, K = 50): push <= 20 s, pull <= 10 s,
bootstrap <= 60 s; the concurrent and telemetry runs are reported (no target). ``--scale 0.1`` runs a tenth of
everything (targets scaled alike) in about a minute. ``--profile DIR`` writes cProfile files for
the server process (server.prof) and each client phase (client_<phase>.prof).
"""

from __future__ import annotations

import argparse
import cProfile
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

PASSWORD = "bench-password"
FULL_PUSH = 100_000
FULL_BOOTSTRAP = 1_000_000
FULL_STATIONS = 50
FULL_UNITS = 20  #: freezers with a week of readings each, for the telemetry run
TARGETS_S = {"push": 20.0, "pull": 10.0, "bootstrap": 60.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Figure:
    phase: str
    count: int
    unit: str
    seconds: float
    full: int  #: the count the issue's target is for
    cpu: tuple[float, float] = (0.0, 0.0)  #: CPU seconds of this process and of the server meanwhile

    def line(self) -> str:
        target = TARGETS_S[self.phase] * self.count / self.full
        verdict = "met" if self.seconds <= target else "MISSED"
        per_full = self.seconds * self.full / self.count if self.count else 0.0
        return (
            f"{self.phase:<10} {self.count:>9,} {self.unit:<8} {self.seconds:8.2f} s   target <= {target:6.2f} s"
            f"  {verdict:<6}  ({self.count / self.seconds:,.0f}/s; {per_full:.1f} s per {self.full:,};"
            f" CPU client {self.cpu[0]:.1f} s, server {self.cpu[1]:.1f} s)"
        )


class Clock:
    """Wall time and CPU time of this process and the server process over one phase.

    The machine may be shared: CPU seconds show the work done even when the wall time
    includes waiting for someone else's processes.
    """

    server_pid = 0

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.own = time.process_time()
        self.server = _cpu_of(self.server_pid)

    def stop(self) -> tuple[float, tuple[float, float]]:
        return time.perf_counter() - self.wall, (
            time.process_time() - self.own,
            _cpu_of(self.server_pid) - self.server,
        )


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Profiler:
    """cProfile per client phase when ``--profile DIR`` is given; does nothing otherwise."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self.folder is None:
            yield
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            profile.dump_stats(self.folder / f"client_{name}.prof")


_PROFILED_SERVER = """
import cProfile, signal, sys
from tracseq_desktop.server.cli import main
def stop(*_args):
    raise SystemExit(0)
signal.signal(signal.SIGTERM, stop)
profile = cProfile.Profile()
profile.enable()
try:
    main(sys.argv[2:])
finally:
    profile.disable()
    profile.dump_stats(sys.argv[1])
"""


def start_server(db: str, profile: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["--db", db, "--port", str(port), "--log-level", "warning"]
    if profile is None:
        command = [sys.executable, "-m", "tracseq_desktop.server.cli", *argv]
    else:  # uvicorn re-raises SIGTERM after its shutdown: a handler turns it into SystemExit so the stats get written
        command = [sys.executable, "-c", _PROFILED_SERVER, str(profile / "server.prof"), *argv]
    process = subprocess.Popen(command)
    Clock.server_pid = process.pid
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/v1/health").status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def station(folder: Path, name: str, url: str, user: str) -> SyncService:
    services = open_services(folder / f"{name}.db", actor=Actor(user, name))
    sync = SyncService(services, token_store=MemoryTokenStore())
    sync.login(url, user, PASSWORD)
    return sync


def close_station(sync: SyncService) -> None:
    sync.close()
    sync._services.close()


def build_site(sync: SyncService, site: str, boxes: int) -> None:
    loc = sync._services.locations
    loc.create("site", site)
    loc.create("room", f"{site}-R", parent=site)
    loc.create("unit", f"{site}-F", parent=f"{site}-R", unit_type="freezer-80")
    loc.create("rack", f"{site}-K", parent=f"{site}-F")
    for b in range(boxes):
        loc.create("box", f"{site}-B{b}", parent=f"{site}-K", geometry="10x10")


def count_samples(sync: SyncService) -> int:
    with sync._services.db.reading() as session:
        return int(session.execute(text("SELECT count(*) FROM sample")).scalar_one())


def bench_push(folder: Path, url: str, count: int, profiler: Profiler, batch: int | None) -> Figure:
    writer = station(folder, "writer", url, "bench")
    build_site(writer, "BENCH", 1)
    began = time.perf_counter()
    for start in range(0, count, 1000):
        drafts = [SampleDraft(f"P-{i:07d}", "plasma", volume="1ml") for i in range(start, min(count, start + 1000))]
        writer._services.samples.register_many(drafts)
    log(f"setup: {count:,} samples registered on the writer in {time.perf_counter() - began:.1f} s")
    engine = writer.engine()
    engine.batch = batch or engine.batch
    with profiler.phase("push"):
        clock = Clock()
        report = engine.push_all()
        elapsed, cpu = clock.stop()
    assert report.rejected == 0 and report.conflicts == 0, report.rejections[:3]
    assert report.applied >= count, report
    close_station(writer)
    return Figure("push", report.pushed, "intents", elapsed, FULL_PUSH, cpu)


def bench_pull(folder: Path, url: str, expected: int, profiler: Profiler) -> Figure:
    reader = station(folder, "reader", url, "bench")
    with reader._services.db.writing() as session:
        meta_set(session, CURSOR_KEY, "0")  # read the feed from its start instead of a snapshot
    engine = reader.engine()
    with profiler.phase("pull"):
        clock = Clock()
        settled = SyncEngine.pull_all(engine)
        elapsed, cpu = clock.stop()
    have = count_samples(reader)
    assert settled and have >= expected, (settled, have, expected)
    close_station(reader)
    return Figure("pull", have, "changes", elapsed, FULL_PUSH, cpu)


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


def bench_bootstrap(folder: Path, url: str, site_user: str, samples: int, profiler: Profiler) -> Figure:
    fresh = station(folder, "fresh", url, site_user)
    with profiler.phase("bootstrap"):
        clock = Clock()
        result = fresh.sync_now()
        elapsed, cpu = clock.stop()
    have = count_samples(fresh)
    assert result.bootstrapped and have == samples, (have, samples)
    close_station(fresh)
    return Figure("bootstrap", have, "samples", elapsed, FULL_BOOTSTRAP, cpu)


def bench_concurrent(folder: Path, url: str, stations: int, rounds: int = 5, ops: int = 20) -> str:
    sites = min(5, stations)
    syncs = [station(folder, f"ws{i}", url, f"c{i % sites}") for i in range(stations)]
    for i in range(sites):  # each site gets its building once
        build_site(syncs[i], f"C{i}", 10)
        syncs[i].sync_now()
    for sync in syncs:
        sync.sync_now()
    latencies: list[float] = []
    counts = [0]
    lock = threading.Lock()
    failures: list[BaseException] = []
    # each round: every workstation does its local work, then all sync at once (the timed part); in a lab
    # each works on its own machine, here they share one process, so local work is kept out of the timing
    registered = threading.Barrier(stations)
    synced = threading.Barrier(stations)
    phases: list[float] = []

    def work(index: int, sync: SyncService) -> None:
        try:
            samples = sync._services.samples
            for r in range(rounds):
                samples.register_many([SampleDraft(f"W{index}-{r}-{k}", "plasma", volume="1ml") for k in range(ops)])
                if registered.wait() == 0:
                    phases.append(time.perf_counter())
                began = time.perf_counter()
                result = sync.sync_now()
                ended = time.perf_counter()
                with lock:
                    latencies.append(ended - began)
                    counts[0] += result.pushed
                if synced.wait() == 0:
                    phases[-1] = time.perf_counter() - phases[-1]
        except BaseException as error:  # reported after the join
            registered.abort()
            synced.abort()
            failures.append(error)

    clock = Clock()
    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(syncs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = clock.stop()
    for sync in syncs:
        close_station(sync)
    if failures:
        raise failures[0]
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    syncing = sum(phases)
    return (
        f"concurrent {stations} workstations x {rounds} rounds ({ops} registrations each, then all sync at once):"
        f" {counts[0]:,} intents pushed in {syncing:.2f} s of syncing = {counts[0] / syncing:,.0f} intents/s;"
        f" {len(latencies)} syncs, latency p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s,"
        f" max {latencies[-1]:.2f} s; whole run {wall:.1f} s, CPU workstations {cpu[0]:.1f} s,"
        f" server {cpu[1]:.1f} s (reported; no target)"
    )


def bench_telemetry(folder: Path, url: str, units: int, days: int = 7) -> str:
    """Sync a workstation's backlog of readings (whole hour blocks) until the server holds all of it."""
    from bench.readings import build

    sync = station(folder, "telemetry", url, "tele")
    built = build(sync._services, units, days, seed=3, site="TELE")
    sent = syncs = 0
    clock = Clock()
    while True:
        result = sync.sync_now()
        syncs += 1
        sent += result.readings
        assert result.telemetry_error is None, result.telemetry_error
        if not result.telemetry_more:
            break
    wall, cpu = clock.stop()
    close_station(sync)
    assert sent == built, (sent, built)
    return (
        f"telemetry  {sent:,} readings of {units} units x {days} days in {syncs} syncs, {wall:.2f} s"
        f" ({sent / wall:,.0f} readings/s; CPU workstation {cpu[0]:.1f} s, server {cpu[1]:.1f} s) (reported; no target)"
    )


def timed(label: str, action: Callable[[], None]) -> None:
    began = time.perf_counter()
    action()
    log(f"setup: {label} in {time.perf_counter() - began:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (default 1)")
    parser.add_argument("--push", type=int, help=f"intents to push and pull (default {FULL_PUSH:,} x scale)")
    parser.add_argument("--bootstrap", type=int, help=f"snapshot samples (default {FULL_BOOTSTRAP:,} x scale)")
    parser.add_argument("--stations", type=int, help=f"concurrent workstations (default {FULL_STATIONS} x scale)")
    parser.add_argument("--batch", type=int, help="intents per push (default: the engine's)")
    parser.add_argument("--db", help="server database URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--units", type=int, help=f"freezers for the telemetry run (default {FULL_UNITS} x scale)")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["push", "pull", "bootstrap", "concurrent", "telemetry"]
    )
    parser.add_argument("--profile", type=Path, help="write cProfile files into this folder")
    args = parser.parse_args()
    push_n = args.push if args.push is not None else max(100, round(FULL_PUSH * args.scale))
    boot_n = args.bootstrap if args.bootstrap is not None else max(1000, round(FULL_BOOTSTRAP * args.scale))
    stations = args.stations if args.stations is not None else max(5, round(FULL_STATIONS * args.scale))
    units = args.units if args.units is not None else max(2, round(FULL_UNITS * args.scale))
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(args.profile)
    folder = Path(tempfile.mkdtemp(prefix="tracseq-bench-sync-"))
    db_url = args.db or str(folder / "server.db")
    lines: list[str] = []
    try:
        setup = open_server_database(db_url)
        create_user(setup, "bench", PASSWORD, Role.MANAGER, ["BENCH"], utc_now())
        create_user(setup, "boot", PASSWORD, Role.MANAGER, ["BIG"], utc_now())
        for i in range(5):
            create_user(setup, f"c{i}", PASSWORD, Role.MANAGER, [f"C{i}"], utc_now())
        create_user(setup, "tele", PASSWORD, Role.MANAGER, ["TELE"], utc_now())
        setup.close()
        if "bootstrap" not in args.skip:
            timed(f"{boot_n:,} samples loaded into the server", lambda: fill_server(db_url, "BIG", boot_n))
        process, url = start_server(db_url, args.profile)
        try:
            if "push" not in args.skip:
                pushed = bench_push(folder, url, push_n, profiler, args.batch)
                lines.append(pushed.line())
                log(lines[-1])
                if "pull" not in args.skip:
                    lines.append(bench_pull(folder, url, push_n, profiler).line())
                    log(lines[-1])
            if "bootstrap" not in args.skip:
                lines.append(bench_bootstrap(folder, url, "boot", boot_n, profiler).line())
                log(lines[-1])
            if "concurrent" not in args.skip:
                lines.append(bench_concurrent(folder, url, stations))
                log(lines[-1])
            if "telemetry" not in args.skip:
                lines.append(bench_telemetry(folder, url, units))
                log(lines[-1])
        finally:
            process.terminate()
            process.wait(timeout=60)
        backend = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite"
        print(f"sync benchmark, {backend} server, scale {args.scale:g}:")
        for line in lines:
            print("  " + line)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TRACSEQ_LANG", "en")
    sys.exit(main())
