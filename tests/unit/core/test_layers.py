"""The core's layer rule, checked from the source itself (no import-linter needed).

``make test`` also runs import-linter over the whole graph; this check runs in the
core's Qt-free environment too.
"""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[3] / "tracseq_desktop"
FORBIDDEN = ("ui", "hardware", "PySide6", "pyqtgraph", "cv2", "serial", "pymodbus", "pyzbar", "zxingcpp")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_core_imports_no_ui_hardware_or_qt() -> None:
    offenders = [
        f"{path.relative_to(CORE.parent)} imports {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert not offenders, "\n".join(offenders)


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport hardware.vision\n")
    assert _imports(bad) == ["PySide6.QtCore", "hardware.vision"]
