"""Benchmark of the main window on a demo database.

    .venv/bin/python bench/ui.py                      # 1,000,000 samples (builds /tmp/tracseq-bench-ui-1000000.db once)
    .venv/bin/python bench/ui.py --samples 20000      # quicker
    .venv/bin/python bench/ui.py --db existing.db

Prints: time from process start to the window shown, box open, scan-to-highlight
and sample-table scrolling in frames per second. Targets (issue 3): shown <= 1.5 s,
box open <= 50 ms, scan-to-highlight <= 100 ms, scrolling >= 30 fps.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_db(path: Path, samples: int) -> None:
    if path.exists():
        return
    tracseq = Path(sys.executable).with_name("tracseq")
    print(f"building {path} with {samples:,} samples (tracseq demo)…", flush=True)
    subprocess.run([str(tracseq), "--db", str(path), "demo", "--samples", str(samples)], check=True)


def time_to_shown(db: Path, runs: int) -> list[float]:
    """Wall time from spawning the app to its 'shown' line (Python start-up and imports included)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.app", "--db", str(db), "--quit-when-shown", "--settings", os.devnull],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("shown_ms="):
                times.append((time.perf_counter() - start) * 1000)
                break
        proc.wait(timeout=300)
    return times


def in_process(db: Path, repeats: int) -> dict[str, list[float]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from tracseq_desktop.domain.enums import LocationKind
    from tracseq_desktop.services.facade import open_services
    from ui.settings import SettingsStore
    from ui.theme import apply_theme
    from ui.window import MainWindow

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    services = open_services(db, create=False)
    settings = SettingsStore(QSettings(str(Path("/tmp") / "tracseq-bench-ui.ini"), QSettings.Format.IniFormat))
    window = MainWindow(services, settings)
    window.show()
    window.start()
    deadline = time.monotonic() + 300
    while window.tasks.busy and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    rng = random.Random(7)
    boxes = [b.label for b in services.queries.locations(LocationKind.BOX)]
    figures: dict[str, list[float]] = {"box_open_ms": [], "scan_to_highlight_ms": [], "scroll_fps": [], "jump_fps": []}
    grid = window.box_panel.grid
    for label in rng.sample(boxes, min(repeats, len(boxes))):
        start = time.perf_counter()
        window.open_box(label)
        grid.viewport().repaint()
        figures["box_open_ms"].append((time.perf_counter() - start) * 1000)
    total = len(window.table.model.ids)
    ids = [window.table.model.ids[rng.randrange(total)] for _ in range(repeats * 3)]
    codes = [s.barcode for s in services.queries.samples_by_ids(ids) if s.box_id is not None][:repeats]
    field = window.scan_panel.field
    for code in codes:
        start = time.perf_counter()
        field.setText(code)
        field.returnPressed.emit()
        grid.viewport().repaint()
        figures["scan_to_highlight_ms"].append((time.perf_counter() - start) * 1000)
        assert window.detail.sample is not None and window.detail.sample.barcode == code
    table = window.table.table
    bar = table.verticalScrollBar()
    for key, step in (
        ("scroll_fps", lambda: bar.value() + bar.pageStep()),
        ("jump_fps", lambda: rng.randrange(bar.maximum())),
    ):
        bar.setValue(0)
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < 3.0:
            bar.setValue(step())
            table.viewport().repaint()  # placeholders for pages not loaded yet
            app.processEvents()  # the queued page fetch and its dataChanged
            table.viewport().repaint()
            frames += 1
        figures[key].append(frames / (time.perf_counter() - start))
    window.close()
    services.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="process starts to time")
    parser.add_argument("--repeats", type=int, default=30, help="boxes and scans to time")
    args = parser.parse_args()
    db = args.db or Path(f"/tmp/tracseq-bench-ui-{args.samples}.db")
    ensure_db(db, args.samples)
    shown = time_to_shown(db, args.runs)
    figures = in_process(db, args.repeats)
    print(f"database: {db} ({db.stat().st_size / 1e6:.0f} MB)")
    print(
        f"window shown after start: median {statistics.median(shown):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in shown)})"
    )
    for key, values in figures.items():
        unit = "fps" if key.endswith("fps") else "ms"
        values_sorted = sorted(values)
        p95 = values_sorted[min(len(values_sorted) - 1, int(len(values_sorted) * 0.95))]
        print(f"{key}: median {statistics.median(values):.1f} {unit}, p95 {p95:.1f} {unit} (n={len(values)})")


if __name__ == "__main__":
    main()
