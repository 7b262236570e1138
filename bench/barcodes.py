"""Barcode and box-scan benchmark on generated images: `python bench/barcodes.py [--count N] [--boxes N]`.

Prints read rates and timings per symbology and degradation, code-free live-frame
timings, wrong reads, and box-scan accuracy and speed for standard and hard images,
each next to its target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hardware.vision import synthetic
from hardware.vision.boxscan import BoxScanner
from hardware.vision.decode import Decoder

SYMBOLOGY_TARGETS = {"DataMatrix": 0.97, "QRCode": 0.95, "Code128": 0.90}
CASES: list[tuple[str, tuple[str, ...], bool]] = [
    *[(d, (d,), False) for d in synthetic.DEGRADATIONS],
    ("blur+noise+low_contrast", ("blur", "noise", "low_contrast"), False),
    ("rotation+perspective+glare", ("rotation", "perspective", "glare"), False),
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def bench_codes(count: int) -> tuple[list[float], int]:
    decoder = Decoder()
    all_times: list[float] = []
    wrong_total = 0
    print(f"{'symbology':<11} {'degradation':<27} {'read':>7} {'median ms':>10} {'p95 ms':>8} {'wrong':>6}")
    for symbology, target in SYMBOLOGY_TARGETS.items():
        cases = list(CASES)
        if symbology == "DataMatrix":
            cases.append(("inverted (light on dark)", ("rotation",), True))
        total_read = total = 0
        for name, degradations, invert in cases:
            rng = np.random.default_rng(zlib.crc32(f"{symbology}/{name}".encode()))
            times: list[float] = []
            read = wrong = 0
            for index in range(count):
                text = f"TS-{index:06d}"
                frame = synthetic.code_frame(symbology, text, degradations, rng=rng, invert=invert)
                started = time.perf_counter()
                codes = decoder.still(frame.image)
                times.append((time.perf_counter() - started) * 1000)
                read += any(c.text == text for c in codes)
                wrong += sum(1 for c in codes if c.text != text)
            all_times += times
            wrong_total += wrong
            total_read += read
            total += count
            print(
                f"{symbology:<11} {name:<27} {read / count:>6.0%} {statistics.median(times):>10.1f}"
                f" {percentile(times, 95):>8.1f} {wrong:>6}"
            )
        print(f"{symbology:<11} {'ALL':<27} {total_read / total:>6.1%}   (target >= {target:.0%})")
    return all_times, wrong_total


def bench_codefree(count: int) -> int:
    decoder = Decoder()
    rng = np.random.default_rng(99)
    frames = [synthetic.codefree_frame(rng) for _ in range(count)]
    times: list[float] = []
    wrong = 0
    for frame in frames:
        started = time.perf_counter()
        wrong += len(decoder.live(frame))
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"code-free live frames: {count}, median {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms"
        f" (target <= 15 ms), codes reported {wrong}"
    )
    return wrong


def bench_boxes(count: int) -> int:
    scanner = BoxScanner()
    wrong_total = 0
    sets = {
        "standard": [(), ("rotation",)],
        "hard": [("blur", "noise", "low_contrast"), ("rotation", "blur", "noise", "low_contrast")],
    }
    for label, variants in sets.items():
        rng = np.random.default_rng(zlib.crc32(label.encode()))
        positions = right = wrong = tubes = tubes_read = states_right = 0
        seconds: list[float] = []
        for index in range(count):
            rows, cols = ((8, 12), (9, 9))[index % 2]
            degradations = variants[index // 2 % len(variants)]
            box = synthetic.box_image(rows, cols, rng=rng, degradations=degradations)
            started = time.perf_counter()
            scan, _details = scanner.scan(box.image)
            elapsed = time.perf_counter() - started
            if rows * cols == 96:
                seconds.append(elapsed)
            if (scan.rows, scan.cols) != (rows, cols):
                positions += rows * cols
                continue
            for well in scan.wells:
                truth = box.truth[well.position]
                positions += 1
                right += well.text == truth.text
                wrong += well.text is not None and well.text != truth.text
                states_right += well.state is truth.state
                if truth.text is not None:
                    tubes += 1
                    tubes_read += well.text == truth.text
        wrong_total += wrong
        print(
            f"boxes {label:<8}: {count} images, positions right {right / positions:.2%}, states right"
            f" {states_right / positions:.2%}, tubes read {tubes_read / max(tubes, 1):.1%}, codes at a wrong position"
            f" {wrong}, 96-well 1600x1200: median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s"
        )
    print(
        "targets: standard >= 99.5% positions right, hard >= 90% tubes read, 0 wrong positions, <= 0.5 s per 96-well box"
    )
    return wrong_total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=30, help="images per symbology and degradation")
    parser.add_argument("--codefree", type=int, default=200, help="code-free live frames")
    parser.add_argument("--boxes", type=int, default=12, help="box images per set (standard, hard)")
    args = parser.parse_args()
    times, wrong_codes = bench_codes(args.count)
    print(
        f"all degraded images: {len(times)}, median {statistics.median(times):.1f} ms (target <= 10),"
        f" p95 {percentile(times, 95):.1f} ms (target <= 100), wrong reads {wrong_codes} (target 0)"
    )
    wrong_free = bench_codefree(args.codefree)
    wrong_boxes = bench_boxes(args.boxes)
    return 1 if wrong_codes or wrong_free or wrong_boxes else 0


if __name__ == "__main__":
    sys.exit(main())
