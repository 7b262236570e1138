from __future__ import annotations

import threading

from tracseq_desktop.domain.errors import InvalidInput
from ui.tasks import TaskRunner, TaskState


def test_jobs_run_off_the_gui_thread_and_report_back(qtbot) -> None:
    runner = TaskRunner()
    results: list[object] = []
    progress: list[tuple[int, int]] = []
    gui = threading.get_ident()

    def job(state: TaskState) -> int:
        state.progress(1, 2)
        return threading.get_ident()

    handle = runner.submit("job", job, results.append)
    handle.progressed.connect(lambda done, total: progress.append((done, total)))
    qtbot.waitUntil(lambda: bool(results), timeout=5_000)
    assert results[0] != gui
    assert progress == [(1, 2)]
    assert runner.wait(5_000)
    qtbot.waitUntil(lambda: not runner.busy)
    runner.shutdown()


def test_domain_errors_come_back_in_words_and_cancel_drops_results(qtbot) -> None:
    runner = TaskRunner()
    failures: list[str] = []
    results: list[object] = []
    gate = threading.Event()

    def failing(_state: TaskState) -> None:
        raise InvalidInput("Give a reason to discard a sample.")

    runner.submit("fails", failing, results.append, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
    assert failures == ["Give a reason to discard a sample."]

    def slow(state: TaskState) -> str:
        gate.wait(5)
        state.check()
        return "too late"

    handle = runner.submit("slow", slow, results.append, failures.append)
    handle.cancel()
    gate.set()
    assert runner.wait(5_000)
    qtbot.wait(50)
    assert results == [] and len(failures) == 1
    runner.shutdown()
