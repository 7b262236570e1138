"""Freezer monitoring benchmark: many simulated units on their own pseudo-terminals.

    python bench/monitoring.py                  # 50 units, polled every second for 30 s
    python bench/monitoring.py --units 20 --seconds 10

The simulator runs as a separate process (``tracseq-sim``), so the CPU time of
this process is the polling side alone: one worker thread per port, each owning
its serial handle. Prints CPU as a share of one core (whole process and the
worker threads alone), reading latency (request to reading), scheduling lag, and
completeness (readings received against polls due).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, verdict

from hardware.freezer.poller import Poller
from tracseq_desktop.domain.monitoring import DeviceLink, DeviceProtocol, PollFailure, Reading

BIN = Path(sys.executable).parent
CPU_TARGET_PCT = 10.0  #: polling 50 units each second should stay under a tenth of one core
LATENCY_TARGET_MS = 100.0  #: p95 request-to-reading on a local line


def scenario(units: int) -> dict[str, object]:
    """Four Dixell units in five, one LN2 controller in five; each on its own port."""
    kinds = ["-80", "-20", "+4", "-80"]
    ports = []
    for index in range(units):
        if index % 5 == 4:
            ports.append(
                {"name": f"p{index:02d}", "protocol": "ascii-ln2", "units": [{"id": f"LN2-{index:02d}", "kind": "ln2"}]}
            )
        else:
            unit = {"id": f"U-{index:02d}", "kind": kinds[index % 4], "address": 1}
            ports.append({"name": f"p{index:02d}", "protocol": "modbus-dixell", "units": [unit]})
    return {"name": "bench", "seed": 1, "time_scale": 1, "snapshot_every_s": 60, "ports": ports}


def thread_cpu_seconds(thread_ids: set[int]) -> float:
    """CPU seconds (user + system) of the given native thread ids of this process, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for tid in thread_ids:
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


def start_simulator(units: int, interval: float, workdir: Path) -> tuple[subprocess.Popen[str], list[DeviceLink]]:
    """``tracseq-sim`` on pseudo-terminals in a child process, and a link for each of its units."""
    scenario_path = workdir / "bench.json"
    scenario_path.write_text(json.dumps(scenario(units)))
    links_path = workdir / "links.json"
    sim = subprocess.Popen(
        [
            str(BIN / "tracseq-sim"),
            str(scenario_path),
            "--pty",
            "--links-json",
            str(links_path),
            "--run-dir",
            str(workdir / "ports"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sim.stdout is not None
    for line in sim.stdout:
        if line.strip() == "READY":
            break
    links = [
        DeviceLink(
            unit_id=item["unit_id"],
            port=item["port"],
            protocol=DeviceProtocol(item["protocol"]),
            address=item["address"],
            poll_interval_s=interval,
            timeout_s=0.5,
        )
        for item in json.loads(links_path.read_text())
    ]

    return sim, links


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tracseq-bench-"))
    sim, links = start_simulator(args.units, args.interval, workdir)

    readings: list[Reading] = []
    failures: list[PollFailure] = []
    lock = threading.Lock()
    worker_tids: set[int] = set()

    def on_reading(reading: Reading) -> None:
        with lock:
            readings.append(reading)
            worker_tids.add(threading.get_native_id())

    def on_failure(failure: PollFailure) -> None:
        with lock:
            failures.append(failure)

    poller = Poller(links, on_reading=on_reading, on_failure=on_failure)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    poller.start()
    time.sleep(args.seconds)
    cpu_end, wall_end = time.process_time(), time.perf_counter()
    workers_cpu = thread_cpu_seconds(worker_tids)
    poller.stop()
    sim.send_signal(signal.SIGTERM)
    sim.communicate(timeout=10)
    sim_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(workdir, ignore_errors=True)

    wall = wall_end - wall_start
    process_pct = 100 * (cpu_end - cpu_start) / wall
    workers_pct = 100 * workers_cpu / wall
    sim_pct = 100 * (sim_usage.ru_utime + sim_usage.ru_stime) / wall
    latencies = [1000 * v for w in poller.workers for v in w.stats.latencies_s]
    lags = [1000 * v for w in poller.workers for v in w.stats.lags_s]
    polls = sum(w.stats.polls for w in poller.workers)
    expected = len(links) * int(args.seconds / args.interval)
    retries = sum(w.stats.retries for w in poller.workers)

    print(f"Machine: {machine()}")
    print(f"Units: {len(links)} on {len(poller.workers)} pseudo-terminals, every {args.interval:g} s for {wall:.1f} s")
    print(
        f"Readings: {len(readings)} of {polls} polls (about {expected} due); failures {len(failures)}, retries {retries}"
    )
    print(
        f"Polling side CPU: {process_pct:.2f} % of one core (the whole polling process; "
        f"{workers_pct:.2f} % counted in the {len(worker_tids)} worker threads at 10 ms tick resolution)  "
        f"[target < {CPU_TARGET_PCT:g} %: {verdict(process_pct < CPU_TARGET_PCT)}]"
    )
    print(
        f"Reading latency (request to reading): median {percentile(latencies, 50):.2f} ms, "
        f"p95 {percentile(latencies, 95):.2f} ms, max {max(latencies, default=float('nan')):.2f} ms  "
        f"[p95 target < {LATENCY_TARGET_MS:g} ms: {verdict(percentile(latencies, 95) < LATENCY_TARGET_MS)}]"
    )
    print(f"Scheduling lag (due to request): median {percentile(lags, 50):.2f} ms, p95 {percentile(lags, 95):.2f} ms")
    print(f"Simulator process CPU (for reference): {sim_pct:.2f} % of one core")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
