"""``tracseq decode`` and ``tracseq scan-box`` as a person runs them: a subprocess on image files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from hardware.vision import synthetic

TRACSEQ = [sys.executable, "-m", "tracseq_desktop.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRACSEQ, *args], capture_output=True, text=True, timeout=60, check=False)


def test_decode_prints_codes_as_json(tmp_path: Path) -> None:
    frame = synthetic.code_frame("DataMatrix", "TS-CLI-1", ("rotation",), rng=np.random.default_rng(3))
    path = tmp_path / "tube.png"
    cv2.imwrite(str(path), frame.image)
    result = run("decode", str(path), "--json")
    assert result.returncode == 0, result.stderr
    codes = json.loads(result.stdout)
    assert [(c["text"], c["format"]) for c in codes] == [("TS-CLI-1", "DataMatrix")]
    assert len(codes[0]["points"]) == 4 and all(len(p) == 2 for p in codes[0]["points"])


def test_decode_of_an_image_without_code_prints_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "nothing.png"
    cv2.imwrite(str(path), synthetic.codefree_frame(np.random.default_rng(1)))
    result = run("decode", str(path), "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_decode_errors_are_one_line_with_exit_1(tmp_path: Path) -> None:
    missing = run("decode", str(tmp_path / "missing.png"), "--json")
    junk = tmp_path / "junk.png"
    junk.write_text("no image here")
    unreadable = run("decode", str(junk))
    for result in (missing, unreadable):
        assert result.returncode == 1
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1


def test_scan_box_maps_every_position(tmp_path: Path) -> None:
    box = synthetic.box_image(9, 9, rng=np.random.default_rng(12), empty=5, unreadable=2)
    path = tmp_path / "box.png"
    cv2.imwrite(str(path), box.image)
    result = run("scan-box", str(path), "--rows", "9", "--cols", "9", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {p: t.text for p, t in box.truth.items()}
    detailed = json.loads(run("scan-box", str(path), "--rows", "9", "--cols", "9", "--json", "--details").stdout)
    assert {p: d["state"] for p, d in detailed.items()} == {p: t.state.value for p, t in box.truth.items()}
    assert all((d["colour"] is None) == (d["state"] == "empty") for d in detailed.values())


def test_scan_box_with_the_wrong_size_is_an_error(tmp_path: Path) -> None:
    box = synthetic.box_image(9, 9, rng=np.random.default_rng(13))
    path = tmp_path / "box.png"
    cv2.imwrite(str(path), box.image)
    result = run("scan-box", str(path), "--rows", "8", "--cols", "12", "--json")
    assert result.returncode == 1 and "9 x 9" in result.stderr
    assert run("scan-box", str(path), "--rows", "0").returncode == 2
