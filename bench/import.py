"""Local bulk writes: registering many samples in one operation and importing a CSV file.

    python bench/import.py                 # 10,000 samples per case
    python bench/import.py --count 2000    # a quicker run
    python bench/import.py --profile DIR   # also writes a cProfile file per case

Each case runs on a new database holding one -80 °C freezer with enough 8x12 boxes:

1. ``register_many`` of N drafts without a place (one operation);
2. ``register_many`` of N drafts, each at its own box position;
3. ``tracseq import``'s code path (``import_csv``) on a file of N rows with box and position.

After each case the bench checks what it wrote: N samples, one audit entry per sample with
the hash chain intact, and N outbox intents numbered 1..N without gaps, each with its
sample's sync key. Prints wall and CPU seconds and milliseconds per sample.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine

from tracseq_desktop.domain.geometry import position_label
from tracseq_desktop.services.actor import Actor
from tracseq_desktop.services.drafts import SampleDraft
from tracseq_desktop.services.facade import Services, open_services
from tracseq_desktop.services.transfer import import_csv

TYPES = ("plasma", "serum", "DNA")  #: types kept at -80 °C
BOX_ROWS, BOX_COLS = 8, 12


def make_lab(services: Services, count: int) -> list[str]:
    """A freezer with enough 8x12 boxes for ``count`` samples; returns the box labels."""
    loc = services.locations
    loc.create("site", "BENCH-SITE")
    loc.create("room", "BENCH-ROOM", parent="BENCH-SITE")
    loc.create("unit", "BENCH-FRZ", parent="BENCH-ROOM", unit_type="freezer-80")
    loc.create("rack", "BENCH-RACK", parent="BENCH-FRZ")
    boxes = [f"BENCH-BOX-{i:04d}" for i in range(-(-count // (BOX_ROWS * BOX_COLS)))]
    for label in boxes:
        loc.create("box", label, parent="BENCH-RACK", geometry=f"{BOX_ROWS}x{BOX_COLS}")
    return boxes


def place(index: int, boxes: list[str]) -> tuple[str, str]:
    box, slot = divmod(index, BOX_ROWS * BOX_COLS)
    return boxes[box], position_label(*divmod(slot, BOX_COLS))


def drafts(count: int, boxes: list[str] | None) -> list[SampleDraft]:
    out = []
    for i in range(count):
        box, position = place(i, boxes) if boxes else (None, None)
        out.append(
            SampleDraft(
                f"BENCH-{i:06d}",
                TYPES[i % len(TYPES)],
                volume="500ul",
                project=f"P{i % 7}",
                owner="bench",
                collected_at="2026-01-05",
                attributes={"visit": f"v{i % 3}"},
                box=box,
                position=position,
            )
        )
    return out


def write_csv(path: Path, count: int, boxes: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["barcode", "type", "volume_ul", "project", "owner", "collected_at", "box", "position", "attr:visit"]
        )
        for i in range(count):
            box, position = place(i, boxes)
            writer.writerow(
                [
                    f"BENCH-{i:06d}",
                    TYPES[i % len(TYPES)],
                    500,
                    f"P{i % 7}",
                    "bench",
                    "2026-01-05",
                    box,
                    position,
                    f"v{i % 3}",
                ]
            )


def check(services: Services, count: int) -> str:
    """What the case wrote is whole: samples, audit chain, gap-free outbox, one sync key per sample."""
    with services.db.reading() as session:
        q = session.connection().exec_driver_sql
        samples = q("SELECT count(*) FROM sample WHERE barcode LIKE 'BENCH-%'").scalar()
        intents = q("SELECT count(*), min(seq), max(seq) FROM sync_outbox WHERE kind = 'sample.register'").one()
        first = q("SELECT min(seq) FROM sync_outbox WHERE kind = 'sample.register'").scalar()
        all_seq = q("SELECT count(*), max(seq) FROM sync_outbox").one()
        keyed = q(
            "SELECT count(*) FROM sync_outbox o JOIN sync_key k ON k.entity_type = 'sample'"
            " AND k.uuid = json_extract(o.args, '$.uuid') JOIN sample s ON s.id = k.local_id"
            " AND s.barcode = json_extract(o.args, '$.barcode') WHERE o.kind = 'sample.register'"
        ).scalar()
    audit = services.queries.verify_audit()
    ok = (
        samples == count
        and intents[0] == count
        and intents[2] - intents[1] + 1 == count
        and all_seq[0] == all_seq[1]
        and keyed == count
        and audit.ok
        and first is not None
    )
    return f"checked: {samples:,} samples, {intents[0]:,} intents (seq gap-free: {all_seq[0] == all_seq[1]}), {keyed:,} keys right, audit {'ok' if audit.ok else 'BROKEN'} ({audit.checked:,} entries) -> {'ok' if ok else 'FAILED'}"


def run_case(
    name: str, label: str, count: int, workdir: Path, profile: Path | None, work: Callable[[Services, list[str]], None]
) -> bool:
    db = workdir / f"{name}.db"
    services = open_services(db, actor=Actor("bench", "bench-ws"))
    try:
        boxes = make_lab(services, count)
        profiler = cProfile.Profile() if profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        work(services, boxes)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if profiler and profile:
            profiler.dump_stats(profile / f"{name}.prof")
        print(f"{label:<28} {wall:7.1f} s wall, {cpu:6.1f} s CPU, {wall * 1000 / count:5.2f} ms per sample", flush=True)
        verdict = check(services, count)
        print(f"{'':<28} {verdict}", flush=True)
        return verdict.endswith("ok")
    finally:
        services.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--profile", type=Path, help="write a cProfile file per case into this directory")
    parser.add_argument("--keep", action="store_true", help="keep the databases (the directory is printed)")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="tracseq-bench-import-"))
    count = args.count
    print(f"machine: {machine()}")
    print(f"samples per case: {count:,}")

    def unplaced(services: Services, _boxes: list[str]) -> None:
        services.samples.register_many(drafts(count, None))

    def placed(services: Services, boxes: list[str]) -> None:
        services.samples.register_many(drafts(count, boxes))

    def imported(services: Services, boxes: list[str]) -> None:
        path = workdir / "import.csv"
        write_csv(path, count, boxes)
        result = import_csv(services, path)
        if not result.ok:
            raise SystemExit(f"import failed: {result.problems[:3]}")

    ok = True
    try:
        ok &= run_case("register_unplaced", "register_many, no place", count, workdir, args.profile, unplaced)
        ok &= run_case("register_placed", "register_many, positions", count, workdir, args.profile, placed)
        ok &= run_case("import_csv", "import_csv, positions", count, workdir, args.profile, imported)
    finally:
        if args.keep:
            print(f"databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
