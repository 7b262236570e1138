"""Inventory benchmark on a large demo database.

    python bench/inventory.py                      # builds a 1,000,000-sample demo (or reuses --db)
    python bench/inventory.py --samples 100000     # a quicker run
    python bench/inventory.py --db big.db --reuse  # measure an existing demo database

Prints: build time, barcode lookup, first page of text search, opening a 96-position
box, `tracseq find` as a whole process, database size and peak memory, each against
its target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, summary, time_calls, verdict

BIN = Path(sys.executable).parent


def build(db: Path, samples: int) -> tuple[float, float]:
    """Build the demo in a child process; returns (seconds, peak MiB of that process)."""
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "tracseq"), "--db", str(db), "demo", "--samples", str(samples), "--json"],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--reuse", action="store_true", help="measure the existing --db instead of building it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tracseq_desktop.services.facade import open_services

    workdir = Path(tempfile.mkdtemp(prefix="tracseq-bench-"))
    db = args.db or workdir / "bench.db"
    results: dict[str, object] = {"machine": machine(), "samples_requested": args.samples}
    if not args.reuse:
        if db.exists():
            db.unlink()
        seconds, peak = build(db, args.samples)
        results["build_s"] = round(seconds, 1)
        results["build_peak_mib"] = round(peak)
    services = open_services(db, create=False)
    stats = services.queries.statistics()
    results["samples"] = stats["samples"]
    rng = random.Random(1)
    with services.db.reading() as session:
        raw = session.connection().exec_driver_sql
        barcodes = [r[0] for r in raw("SELECT barcode FROM sample ORDER BY random() LIMIT 2000")]
        boxes96 = [
            r[0]
            for r in raw(
                "SELECT label FROM location WHERE kind='box' AND grid_rows=8 AND grid_cols=12 ORDER BY random() LIMIT 300"
            )
        ]
        units = [r[0] for r in raw("SELECT label FROM location WHERE kind='unit' LIMIT 20")]
        racks = [r[0] for r in raw("SELECT label FROM location WHERE kind='rack' ORDER BY random() LIMIT 20")]

    services.queries.find(barcodes[0])  # warm the connection
    lookups = [t for b in barcodes for t in time_calls(lambda b=b: services.queries.find(b), 1)]
    results["lookup_ms"] = {
        "median": round(sorted(lookups)[len(lookups) // 2], 3),
        "p95": round(percentile(lookups, 95), 3),
    }

    words = [
        "plasma",
        "serum cohort-a",
        "DNA",
        "onco-7",
        "demo.alice",
        "TS-00012",
        "TS-0099",
        "whole blood",
        "cells ln2",
        "peds-3 urine",
    ]
    words += (
        [u.lower() for u in units[:5]]
        + [r.lower() for r in racks[:5]]
        + [f"{units[0]} plasma", "north campus", "nothing-like-this"]
    )
    searches = []
    for word in words:
        searches.extend(time_calls(lambda w=word: services.queries.search(w, limit=50), 5))
    results["search_first_page_ms"] = {
        "median": round(sorted(searches)[len(searches) // 2], 2),
        "p95": round(percentile(searches, 95), 2),
        "queries": len(words),
    }

    box_times = [t for label in boxes96 for t in time_calls(lambda label=label: services.queries.box(label), 1)]
    results["open_96_box_ms"] = {
        "median": round(sorted(box_times)[len(box_times) // 2], 2),
        "p95": round(percentile(box_times, 95), 2),
    }

    tree = time_calls(services.queries.fill_levels, 1)  # the first call computes, later ones hit the cache
    results["fill_levels_cold_ms"] = round(tree[0], 1)

    procs = []
    env = {**os.environ, "TRACSEQ_LANG": "en"}
    for barcode in rng.sample(barcodes, 10):
        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "tracseq"), "--db", str(db), "find", barcode, "--json"], check=True, capture_output=True, env=env
        )
        procs.append(time.perf_counter() - start)
    results["cli_find_s"] = {"median": round(sorted(procs)[5], 3), "max": round(max(procs), 3)}
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    results["database_mib"] = round(size / 2**20)
    results["peak_rss_mib_benchmark_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    services.close()

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"machine: {results['machine']}")
    print(f"samples: {results['samples']:,}")
    if "build_s" in results:
        print(
            f"build (tracseq demo):        {results['build_s']} s, peak {results['build_peak_mib']} MiB   target <= 120 s  {verdict(float(results['build_s']) <= 120)}"
        )  # type: ignore[arg-type]
    print(
        f"barcode lookup:              {summary(lookups)}   target p95 <= 1 ms  {verdict(percentile(lookups, 95) <= 1)}"
    )
    print(
        f"text search, first page:     {summary(searches)}   target p95 <= 50 ms  {verdict(percentile(searches, 95) <= 50)}"
    )
    print(
        f"open a 96-position box:      {summary(box_times)}   target <= 10 ms (p95)  {verdict(percentile(box_times, 95) <= 10)}"
    )
    print(
        f"`tracseq find` process:      median {results['cli_find_s']['median']} s, max {results['cli_find_s']['max']} s   target <= 0.5 s  {verdict(max(procs) <= 0.5)}"
    )  # type: ignore[index]
    print(f"storage tree fill levels:    {results['fill_levels_cold_ms']} ms (cold, whole tree)")
    print(f"database size:               {results['database_mib']} MiB")
    print(f"peak memory (this process):  {results['peak_rss_mib_benchmark_process']} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
