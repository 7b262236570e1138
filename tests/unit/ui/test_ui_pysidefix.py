"""PySide6 loses references to None on empty QVariants; the workaround keeps the process alive."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
if sys.argv[1] == "fixed":
    import ui  # applies the workaround
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QApplication
app = QApplication([])
model = QStringListModel(["a"])
before = sys.getrefcount(None)
for _ in range(2000):
    model.index(0, 0).data(Qt.ItemDataRole.UserRole)  # no value: None comes back
print(before - sys.getrefcount(None), sys.getrefcount(None))
"""


def run(mode: str) -> tuple[int, int, int]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60, check=False
    )
    lost, left = result.stdout.strip().splitlines()[-1].split()
    return result.returncode, int(lost), int(left)


def test_pyside_still_loses_none_references_and_the_workaround_keeps_it_alive() -> None:
    code, lost, _left = run("plain")
    # When this fails, PySide has fixed the bug: remove ui/pysidefix.py.
    assert lost >= 1900 or sys.version_info >= (3, 12)
    assert code != 0 or sys.version_info >= (3, 12)  # the interpreter aborts: "deallocating None"
    code, _lost, left = run("fixed")
    assert code == 0
    assert left > 1 << 59 or sys.version_info >= (3, 12)
