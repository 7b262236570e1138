"""The inbox and the dialogs: accessible names, contrast, keyboard, screenshots for the docs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ui.accessibility import contrast_problems, unnamed_controls
from ui.sync.model import KIND, SUMMARY
from ui.sync.resolvedialog import ResolveConflictDialog
from ui.sync.signin import SignInDialog
from ui.window import MainWindow

from .conftest import Station, WindowFactory


def screenshot_path(tmp_path: Path, name: str) -> Path:
    """docs/screenshots when TRACSEQ_SCREENSHOTS=1 (to refresh the docs), else the test's own directory."""
    if os.environ.get("TRACSEQ_SCREENSHOTS") == "1":
        return Path(__file__).resolve().parents[3] / "docs" / "screenshots" / name
    return tmp_path / name


def save(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = widget.grab()
    assert image.width() > 200 and image.height() > 150
    assert image.save(str(path), "PNG")
    assert path.stat().st_size > 5_000


def collide(ann: Station, bob: Station) -> None:
    """Two slot collisions (C4 and D5) made offline, bob's tubes first at the server, pulled by ann."""
    for (mine, theirs), where in ((("TUBE-1", "TUBE-2"), "C4"), (("TUBE-3", "TUBE-4"), "D5")):
        ann.services.samples.store(mine, "BOX-1", where)
        bob.services.samples.store(theirs, "BOX-1", where)
    bob.sync.sync_now()
    assert ann.sync.sync_now().conflicts == 2


def opened_after_collisions(qtbot: QtBot, make_window: WindowFactory, ann: Station, bob: Station) -> MainWindow:
    """Ann's window, shown and started, after two slot collisions reached her workstation."""
    collide(ann, bob)
    window: MainWindow = make_window(ann.services, ann.tokens)
    window.resize(1100, 820)
    window.show()
    qtbot.waitExposed(window)
    window.start()
    qtbot.waitUntil(lambda: window.sync.controller.opened, timeout=10_000)
    return window


def audit(widget: QWidget) -> None:
    assert unnamed_controls(widget) == []
    assert contrast_problems(widget) == []


def test_inbox_and_dialogs_pass_the_accessibility_audit_and_work_from_the_keyboard(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, bob: Station, tmp_path: Path
) -> None:
    window = opened_after_collisions(qtbot, make_window, ann, bob)
    window.actions_["sync_conflicts"].trigger()
    inbox = window.sync.inbox
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 2, timeout=10_000)
    assert inbox.view.hasFocus()
    assert "2 conflicts" in window.status.sync.accessibleName()
    window.resizeDocks([window.sync.dock], [330], Qt.Orientation.Vertical)
    c4 = next(c for c in ann.sync.conflicts() if "C4" in c.summary)
    assert inbox.select(c4.id)
    assert "TUBE-2" in inbox.details.text() and "Options:" in inbox.details.text()
    qtbot.wait(50)
    audit(window.sync.dock)
    assert window.status.sync.accessibleName()
    save(window.sync.dock, screenshot_path(tmp_path, "sync-inbox.png"))

    # Enter on a row opens the resolution dialog; the options are reachable by keyboard
    qtbot.keyClick(inbox.view, Qt.Key.Key_Return)
    dialog = window.sync.dialog
    assert isinstance(dialog, ResolveConflictDialog) and dialog.isVisible()
    assert dialog.conflict.id == c4.id
    qtbot.waitUntil(dialog.radios["keep_first"].hasFocus)
    qtbot.keyClick(dialog.radios["keep_first"], Qt.Key.Key_Space)
    assert dialog.choice() == "keep_first"
    qtbot.keyClicks(dialog.reason, "Checked BOX-1: C4 holds TUBE-2")
    audit(dialog)
    save(dialog, screenshot_path(tmp_path, "sync-resolve.png"))
    dialog.reject()
    qtbot.waitUntil(lambda: window.sync.dialog is None)
    assert len(ann.sync.conflicts()) == 2  # cancelled: nothing recorded

    window.actions_["sync_sign_in"].trigger()
    sign_in = window.sync.dialog
    assert isinstance(sign_in, SignInDialog)
    audit(sign_in)
    sign_in.reject()
    qtbot.waitUntil(lambda: window.sync.dialog is None)


def test_resolved_conflicts_show_with_the_filter_and_cannot_be_resolved_again(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, bob: Station
) -> None:
    collide(ann, bob)
    first = ann.sync.conflicts()[0]
    ann.sync.resolve(first.id, "keep_first", "decided on the command line")
    window = make_window(ann.services, ann.tokens)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.sync.controller.opened, timeout=10_000)
    window.sync.show_inbox()
    inbox = window.sync.inbox
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 1, timeout=10_000)
    inbox.set_include_resolved(True)
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 2, timeout=5_000)
    assert inbox.select(first.id)
    assert not inbox.resolve_button.isEnabled()
    assert "decided on the command line" in inbox.details.text()
    qtbot.keyClick(inbox.view, Qt.Key.Key_Return)
    assert window.sync.dialog is None
    inbox.set_include_resolved(False)
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 1, timeout=5_000)
    assert inbox.empty.isHidden()


#: A tiny German catalog for the switch (the real one in i18n/ is filled by the translators).
GERMAN = {
    "Sync: online": "Sync: verbunden",
    "no conflicts": "keine Konflikte",
    "Sync conflicts": "Sync-Konflikte",
    "What happened": "Was geschah",
    "Open conflicts": "Offene Konflikte",
    "Sync &now": "Jetzt &synchronisieren",
}


def test_switching_the_language_retranslates_the_sync_field_and_the_inbox(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "i18n" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for source, target in GERMAN.items():
        lines += [f'msgid "{source}"', f'msgstr "{target}"', ""]
    (folder / "tracseq.po").write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("TRACSEQ_I18N_DIR", str(tmp_path / "i18n"))
    window = make_window(ann.services, ann.tokens)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: "Sync: online" in window.status.sync.accessibleName(), timeout=15_000)

    window.language.apply("de")
    text = window.status.sync.accessibleName()
    assert text.startswith("Sync: verbunden") and text.endswith("keine Konflikte")
    assert "/" not in text  # the last sync time in the German form (26.11.26), not 11/26/26
    assert window.sync.dock.windowTitle() == "Sync-Konflikte"
    assert window.sync.inbox.model.headerData(2, Qt.Orientation.Horizontal) == "Was geschah"
    assert window.sync.inbox.filter.itemText(0) == "Offene Konflikte"
    assert window.actions_["sync_now"].text() == "Jetzt &synchronisieren"
    window.language.apply("en")
    assert window.status.sync.accessibleName().startswith("Sync: online")


def test_the_inbox_follows_a_language_switch_with_conflicts_in_the_new_language(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, bob: Station, tmp_path: Path
) -> None:
    """The server worded the conflicts in English; switched to German, the inbox says them in German."""
    window = opened_after_collisions(qtbot, make_window, ann, bob)
    window.sync.show_inbox()
    inbox = window.sync.inbox
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 2, timeout=10_000)
    english = inbox.model.index(0, KIND).data()
    assert " were both stored at " in " ".join(c.summary for c in ann.sync.conflicts())

    window.language.apply("de")
    try:
        german = [c.summary for c in ann.sync.conflicts()]
        assert all(" were both stored at " not in s for s in german)
        qtbot.waitUntil(lambda: {inbox.model.index(r, SUMMARY).data() for r in range(2)} == set(german), timeout=10_000)
        assert inbox.model.index(0, KIND).data() != english  # the kind column too
        c4 = next(c for c in ann.sync.conflicts() if "C4" in c.summary)
        assert inbox.select(c4.id)
        assert c4.options[0].title in inbox.details.text()
        window.resizeDocks([window.sync.dock], [330], Qt.Orientation.Vertical)
        qtbot.wait(50)
        save(window.sync.dock, screenshot_path(tmp_path, "sync-inbox-de.png"))
    finally:
        window.language.apply("en")
