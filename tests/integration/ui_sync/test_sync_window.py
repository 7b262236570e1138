"""The window syncs in the background against a real server: collisions reach the inbox, offline is calm."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from ui.sync.resolvedialog import ResolveConflictDialog
from ui.sync.signin import SignInDialog
from ui.sync.worker import Outcome, Step
from ui.window import MainWindow

from .conftest import PASSWORDS, TEST_SCHEDULE, LoopbackServer, Station, WindowFactory


def record(window: MainWindow) -> list[Outcome]:
    seen: list[Outcome] = []
    window.sync.controller.outcome_arrived.connect(seen.append)
    return seen


def started(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.start()
    qtbot.waitUntil(lambda: window.sync.controller.opened, timeout=10_000)


def synced(seen: list[Outcome], after: int = 0) -> list[Outcome]:
    return [o for o in seen[after:] if o.step is Step.SYNCED]


def sync_text(window: MainWindow) -> str:
    return window.status.sync.accessibleName()


def open_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_slot_collision_synced_from_the_window_is_resolved_there_and_seen_resolved_elsewhere(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, bob: Station
) -> None:
    window = make_window(ann.services, ann.tokens)
    seen = record(window)
    started(qtbot, window)
    qtbot.waitUntil(lambda: bool(synced(seen)), timeout=15_000)  # a signed-in window syncs when it opens
    assert "Sync: online" in sync_text(window) and "no conflicts" in sync_text(window)

    # offline work on both: each puts a different tube at BOX-1 C4; bob's reaches the server first
    ann.services.samples.store("TUBE-1", "BOX-1", "C4")
    qtbot.waitUntil(lambda: "1 change to send" in sync_text(window), timeout=5_000)
    bob.services.samples.store("TUBE-2", "BOX-1", "C4")
    bob.sync.sync_now()

    # "Sync now" returns at once; the GUI thread keeps running timers while the worker syncs
    service = window.sync.service
    assert service is not None
    service.before_cursor_saved = lambda: time.sleep(0.4)  # runs on the sync thread, inside the pull
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(window.sync.controller.syncing))
    timer.start()
    before = len(seen)
    clock = time.perf_counter()
    window.actions_["sync_now"].trigger()
    assert time.perf_counter() - clock < 0.3, "Sync now waited for the server"
    assert window.sync.controller.syncing
    qtbot.waitUntil(lambda: bool(synced(seen, before)), timeout=20_000)
    timer.stop()
    service.before_cursor_saved = None
    assert sum(ticks) >= 5, f"the GUI thread was blocked during the sync ({sum(ticks)} timer ticks)"

    result = synced(seen, before)[0].result
    assert result is not None and result.conflicts == 1
    [conflict] = result.new_conflicts
    assert conflict.kind == "slot_collision" and "C4" in conflict.summary
    # the inbox, the status bar and the notification all show it
    inbox = window.sync.inbox
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 1, timeout=5_000)
    assert "1 conflict" in sync_text(window)
    assert window.sync.dock.isVisible() and inbox.banner.isVisible()
    assert "C4" in inbox.banner.text.text()
    assert [title for title, _m in window.sync.notices] == ["1 new sync conflict"]
    assert window.status.currentMessage().startswith("1 new sync conflict: ")

    # resolve it from the dialog: bob's tube (first at the server) keeps C4
    window.sync.show_inbox()
    assert inbox.select(conflict.id)
    assert inbox.resolve_button.isEnabled()
    inbox.resolve_button.click()
    dialog = window.sync.dialog
    assert isinstance(dialog, ResolveConflictDialog) and dialog.isVisible()
    assert sorted(dialog.radios) == ["keep_first", "keep_second"]
    assert not dialog.ok_button.isEnabled()  # no option, no reason yet
    dialog.radios["keep_first"].click()
    assert not dialog.ok_button.isEnabled()  # the reason is required
    qtbot.keyClicks(dialog.reason, "C4 holds TUBE-2 (checked the box)")
    assert dialog.ok_button.isEnabled()
    before = len(seen)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.sync.dialog is None, timeout=5_000)
    assert service.conflicts() == []
    # the decision is queued and the window syncs it at once
    qtbot.waitUntil(lambda: bool(synced(seen, before)), timeout=15_000)
    qtbot.waitUntil(lambda: "no conflicts" in sync_text(window) and "nothing to send" in sync_text(window))
    assert inbox.model.rowCount() == 0
    inbox.set_include_resolved(True)
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 1, timeout=5_000)
    state = inbox.model.index(0, 3).data()
    assert state.startswith("Resolved by ann") and "TUBE-2 stays at BOX-1:C4" in state

    # the other workstation sees it resolved, and the tubes where the decision put them
    bob.sync.sync_now()
    assert bob.sync.conflicts() == []
    [resolved] = bob.sync.conflicts(include_resolved=True)
    assert (resolved.id, resolved.resolved_option, resolved.resolved_by) == (conflict.id, "keep_first", "ann")
    assert resolved.resolved_reason == "C4 holds TUBE-2 (checked the box)"
    for station in (ann, bob):
        one, two = station.services.queries.find("TUBE-1"), station.services.queries.find("TUBE-2")
        assert one is not None and two is not None
        assert one.box_label is None
        assert (two.box_label, two.position) == ("BOX-1", "C4")
    assert not open_dialogs()


def test_offline_the_window_keeps_working_counts_pending_changes_and_retries_until_the_server_is_back(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, bob: Station, server: LoopbackServer
) -> None:
    window = make_window(ann.services, ann.tokens)
    seen = record(window)
    controller = window.sync.controller
    planned: list[int] = []  # the wait before the next attempt, as planned after each failure
    controller.outcome_arrived.connect(
        lambda o: planned.append(controller.timer.interval()) if o.step is Step.OFFLINE else None
    )
    started(qtbot, window)
    qtbot.waitUntil(lambda: bool(synced(seen)), timeout=15_000)

    server.stop()
    window.actions_["sync_now"].trigger()
    qtbot.waitUntil(lambda: any(o.step is Step.OFFLINE for o in seen), timeout=10_000)
    qtbot.waitUntil(lambda: "Sync: offline" in sync_text(window), timeout=5_000)
    assert "changes are kept here and sent later" in window.status.currentMessage()
    # work goes on: each change is counted as waiting to be sent
    ann.services.samples.store("TUBE-3", "BOX-1", "A1")
    qtbot.waitUntil(lambda: "1 change to send" in sync_text(window), timeout=5_000)
    ann.services.samples.store("TUBE-4", "BOX-1", "A2")
    qtbot.waitUntil(lambda: "2 changes to send" in sync_text(window), timeout=5_000)
    found = ann.services.queries.find("TUBE-3")
    assert found is not None and found.position == "A1"

    # retries on its own, waiting longer each time; no dialog pops up
    qtbot.waitUntil(lambda: controller.failures >= 4, timeout=10_000)
    assert [o.step for o in seen[2:]] == [Step.OFFLINE] * len(seen[2:])
    assert planned[:4] == [300, 600, 1200, 1200]
    assert "Next attempt" in window.status.sync.toolTip()
    assert "cannot be reached" in window.status.sync.toolTip()
    assert window.sync.dialog is None and not open_dialogs()
    assert all(isinstance(o.message, str) and "Traceback" not in o.message for o in seen)

    # the network comes back: the next retry sends everything without anyone asking
    before = len(seen)
    server.start()
    qtbot.waitUntil(lambda: bool(synced(seen, before)), timeout=10_000)
    qtbot.waitUntil(lambda: "Sync: online" in sync_text(window) and "nothing to send" in sync_text(window))
    assert controller.failures == 0
    bob.sync.sync_now()
    tube = bob.services.queries.find("TUBE-3")
    assert tube is not None and (tube.box_label, tube.position) == ("BOX-1", "A1")


def test_sign_in_dialog_explains_a_wrong_password_and_an_unreachable_server_then_signs_in(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, server: LoopbackServer, tmp_path: Path
) -> None:
    from tracseq_desktop.services.actor import Actor
    from tracseq_desktop.services.facade import open_services
    from tracseq_desktop.sync.tokens import MemoryTokenStore

    services = open_services(tmp_path / "new.db", actor=Actor("bob", "bob-laptop"))
    try:
        window = make_window(services, MemoryTokenStore())
        seen = record(window)
        started(qtbot, window)
        assert sync_text(window).startswith("Sync: not set up")
        window.actions_["sync_now"].trigger()  # nobody to sync as: offers the sign-in
        dialog = window.sync.dialog
        assert isinstance(dialog, SignInDialog) and dialog.isVisible()
        assert dialog.user.text() == "bob"

        def attempt(address: str, password: str) -> None:
            dialog.server.setText(address)
            dialog.password.clear()
            qtbot.keyClicks(dialog.password, password)
            dialog.ok_button.click()

        attempt("tracseq.example.org", "x")
        assert dialog.message.isVisible() and "http://" in dialog.message.text()
        attempt(server.url, "not-the-password")
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
        assert dialog.isVisible()
        assert dialog.message.text() == "The user name or the password is wrong."
        assert dialog.password.text() == ""
        attempt("http://127.0.0.1:9", PASSWORDS["bob"])
        qtbot.waitUntil(lambda: not dialog.busy, timeout=25_000)
        assert "cannot be reached" in dialog.message.text()
        assert open_dialogs() == [dialog]  # still the sign-in dialog, and only it

        attempt(server.url, PASSWORDS["bob"])
        qtbot.waitUntil(lambda: window.sync.dialog is None, timeout=10_000)
        qtbot.waitUntil(lambda: bool(synced(seen)), timeout=15_000)
        result = synced(seen)[0].result
        assert result is not None and result.bootstrapped
        assert "Sync: online" in sync_text(window)
        box = services.queries.box("BOX-1")  # the site came from the server's snapshot
        assert box.box.label == "BOX-1"
        window.close()
    finally:
        services.close()


def test_without_a_kept_token_the_window_asks_once_per_session(
    qtbot: QtBot, make_window: WindowFactory, ann: Station, server: LoopbackServer
) -> None:
    from tracseq_desktop.sync.tokens import MemoryTokenStore

    ann.sync.close()
    window = make_window(ann.services, MemoryTokenStore())  # a new session on a machine without a keyring
    seen = record(window)
    started(qtbot, window)
    qtbot.waitUntil(lambda: isinstance(window.sync.dialog, SignInDialog), timeout=5_000)
    dialog = window.sync.dialog
    assert isinstance(dialog, SignInDialog)
    assert (dialog.server.text(), dialog.user.text()) == (server.url, "ann")
    assert "no keyring" in dialog.intro.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: window.sync.dialog is None)
    assert "sign in needed" in sync_text(window)
    # no automatic attempt and no second question in this session
    qtbot.wait(int(TEST_SCHEDULE.max_retry_s * 1000) + 300)
    assert window.sync.dialog is None and not synced(seen)
    # asking explicitly offers the dialog again
    window.sync.sync_now()
    dialog = window.sync.dialog
    assert isinstance(dialog, SignInDialog)
    qtbot.keyClicks(dialog.password, PASSWORDS["ann"])
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(synced(seen)), timeout=15_000)
    assert "Sync: online" in sync_text(window)


def test_closing_the_window_during_a_sync_ends_the_sync_thread(
    qtbot: QtBot, make_window: WindowFactory, ann: Station
) -> None:
    window = make_window(ann.services, ann.tokens)
    seen = record(window)
    started(qtbot, window)
    qtbot.waitUntil(lambda: bool(synced(seen)), timeout=15_000)
    service = window.sync.service
    assert service is not None
    service.before_cursor_saved = lambda: time.sleep(0.5)
    ann.services.samples.store("TUBE-5", "BOX-1", "B1")
    window.sync.sync_now()
    assert window.sync.controller.syncing
    clock = time.perf_counter()
    window.close()
    assert time.perf_counter() - clock < 10
    assert not window.sync.controller.sync_thread.isRunning()
    assert len(synced(seen)) == 1  # the answer of the interrupted sync is not handled after closing
    ann.sync.sync_now()  # the sync in flight finished cleanly: the local database is consistent
    assert ann.sync.status().pending == 0
