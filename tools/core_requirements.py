"""Print the runtime requirements the core needs, for the Qt-free test environment.

Reads ``pyproject.toml`` and drops the UI and device libraries, so the core's test
environment proves the core runs without PySide6, OpenCV, pyqtgraph or serial drivers.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

NOT_FOR_CORE = {
    "pyside6-essentials",
    "pyqtgraph",
    "opencv-python-headless",
    "pyzbar",
    "zxing-cpp",
    "pyserial",
    "pymodbus",
    "numpy",
}


def main() -> None:
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
    keep = []
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()
        if name not in NOT_FOR_CORE:
            keep.append(requirement)
    print("\n".join(keep))


if __name__ == "__main__":
    main()
