"""The window's commands: titles, shortcuts and menus, declared once and retranslated together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from tracseq_desktop.i18n import N_, _


@dataclass(frozen=True)
class Command:
    key: str
    title: str  #: N_-marked, with & for the mnemonic
    shortcuts: tuple[str | QKeySequence.StandardKey, ...]
    menu: str


COMMANDS: tuple[Command, ...] = (
    Command("focus_scan", N_("&Scan a code"), ("F2", "Ctrl+L"), "bench"),
    Command("mode_find", N_("Mode: &find"), ("Ctrl+1",), "bench"),
    Command("mode_store", N_("Mode: scan to s&tore"), ("Ctrl+2",), "bench"),
    Command("mode_move", N_("Mode: scan to &move"), ("Ctrl+3",), "bench"),
    Command("undo", N_("&Undo last placement"), ("F9", "Ctrl+Alt+Z"), "bench"),
    Command("box_scan", N_("Scan a whole bo&x with the camera…"), ("Ctrl+Shift+B",), "bench"),
    Command("register", N_("&Register sample…"), ("Ctrl+N",), "sample"),
    Command("register_many", N_("Register &several samples…"), ("Ctrl+Shift+N",), "sample"),
    Command("check_out", N_("Check &out…"), ("Ctrl+O",), "sample"),
    Command("check_in", N_("Check &in…"), ("Ctrl+I",), "sample"),
    Command("discard", N_("&Discard…"), ("Ctrl+Shift+D",), "sample"),
    Command("aliquot", N_("&Aliquot…"), ("Ctrl+Shift+A",), "sample"),
    Command("edit", N_("&Edit…"), ("Ctrl+E",), "sample"),
    Command("workflow_runner", N_("&Run a workflow…"), ("Ctrl+R",), "workflows"),
    Command("workflow_resume", N_("Re&sume a workflow run…"), ("Ctrl+Shift+R",), "workflows"),
    Command("workflow_designer", N_("Workflow &designer…"), ("Ctrl+Shift+W",), "workflows"),
    Command("focus_tree", N_("Go to &storage tree"), ("Alt+1",), "view"),
    Command("focus_box", N_("Go to &box map"), ("Alt+2",), "view"),
    Command("focus_search", N_("&Search samples"), ("Ctrl+F", "Alt+3"), "view"),
    Command("focus_detail", N_("Go to sample &details"), ("Alt+4",), "view"),
    Command("camera_panel", N_("&Camera"), ("Ctrl+Shift+C",), "view"),
    Command("freezers", N_("&Freezers"), ("Ctrl+Shift+F",), "view"),
    Command("sync_now", N_("Sync &now"), ("F5",), "sync"),
    Command("sync_conflicts", N_("&Conflicts…"), ("Ctrl+Shift+K",), "sync"),
    Command("sync_sign_in", N_("&Sign in to a sync server…"), (), "sync"),
    Command("import_csv", N_("&Import samples from CSV…"), ("Ctrl+Shift+I",), "file"),
    Command("export", N_("E&xport samples…"), ("Ctrl+Shift+E",), "file"),
    Command("preferences", N_("&Preferences…"), ("Ctrl+,",), "file"),
    Command("quit", N_("&Quit"), ("Ctrl+Q",), "file"),
)
MENUS = (
    ("file", N_("&File")),
    ("bench", N_("&Bench")),
    ("sample", N_("S&ample")),
    ("workflows", N_("&Workflows")),
    ("view", N_("&View")),
    ("sync", N_("S&ync")),
)


class ActionSet:
    """QActions for :data:`COMMANDS`, in menus on ``window``; ``connect(key, slot)`` wires one."""

    def __init__(self, window: QMainWindow) -> None:
        self.actions: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        for key, _title in MENUS:
            self.menus[key] = window.menuBar().addMenu("")
        for command in COMMANDS:
            action = QAction(window)
            action.setShortcuts([QKeySequence(s) for s in command.shortcuts])
            self.menus[command.menu].addAction(action)
            window.addAction(action)  # shortcuts work wherever the focus is in the window
            self.actions[command.key] = action
        self.retranslate()

    def connect(self, key: str, slot: Callable[[], object]) -> None:
        self.actions[key].triggered.connect(lambda _checked=False: slot())

    def retranslate(self) -> None:
        for key, title in MENUS:
            self.menus[key].setTitle(_(title))
        for command in COMMANDS:
            self.actions[command.key].setText(_(command.title))

    def __getitem__(self, key: str) -> QAction:
        return self.actions[key]
