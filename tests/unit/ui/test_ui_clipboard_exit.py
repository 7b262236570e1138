"""A session that put Python-made data on the clipboard exits cleanly (no crash in Qt's exit handlers)."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication
from ui.pysidefix import put_on_clipboard
app = QApplication([])
mime = QMimeData()
mime.setData("application/x-tracseq-steps", b"[]")
put_on_clipboard(mime)
print("copied", flush=True)
"""


def _run(script: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_exit_after_copying_is_clean() -> None:
    result = _run(SCRIPT)
    assert result.stdout.strip() == "copied"
    assert result.returncode == 0, result.stderr


def test_without_the_hand_back_the_same_session_crashes() -> None:
    """Shows the workaround is still needed: delete it when this starts passing cleanly."""
    result = _run(SCRIPT.replace("put_on_clipboard(mime)", "app.clipboard().setMimeData(mime)"))
    assert result.stdout.strip() == "copied"
    assert result.returncode != 0
