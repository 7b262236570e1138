"""``tracseq scan-box`` on a rack whose outer holes cannot be seen: an error without the size, a scan with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2

from hardware.vision import synthetic_edges
from tracseq_desktop.domain.scanning import WellState

TRACSEQ = [sys.executable, "-m", "tracseq_desktop.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRACSEQ, *args], capture_output=True, text=True, timeout=60, check=False)


def test_hidden_row_is_an_error_without_the_size_and_read_with_it(tmp_path: Path) -> None:
    cells = synthetic_edges.lines(8, 12, bottom=1)
    box = synthetic_edges.edge_empty_box(8, 12, 17, cells, hidden=True, degradations=("rotation",))
    path = tmp_path / "rack.png"
    assert cv2.imwrite(str(path), box.image)
    refused = run("scan-box", str(path), "--json")
    assert refused.returncode == 1 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "7 x 12" in refused.stderr
    read = run("scan-box", str(path), "--rows", "8", "--cols", "12", "--json")
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == {p: t.text for p, t in box.truth.items()}
    assert all(box.truth[f"H{c}"].state is WellState.EMPTY for c in range(1, 13))
