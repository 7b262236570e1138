"""`tracseq-desktop --screenshot` renders the window to a PNG and exits 0."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("lang", ["en", "de"])
def test_screenshot_flag_writes_a_png(tmp_path: Path, small_db: Path, lang: str) -> None:
    out = tmp_path / f"main-{lang}.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.app",
            "--db",
            str(small_db),
            "--settings",
            str(tmp_path / "s.ini"),
            "--lang",
            lang,
            "--screenshot",
            str(out),
            "--select",
            "b-0001",
            "--size",
            "1200x800",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 800)
    assert len(data) > 20_000  # a rendered window, not a blank image
