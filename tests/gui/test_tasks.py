"""The generic worker: a function in a QThread, progress, result, error, cancel, shutdown."""

import threading
import time

import pytest

from trailer_gui.core.errors import Cancelled
from trailer_gui.workers import tasks
from trailer_gui.workers.tasks import Task


def test_result_and_progress_arrive_in_the_gui_thread(qtbot):
    seen = []

    def work(progress, n):
        assert threading.current_thread() is not threading.main_thread()
        for i in range(n):
            progress.update(i + 1, n, "counting")
        return n * 2

    task = Task(work, 5)
    task.sigProgress.connect(lambda d, t, s: seen.append((d, t, s, threading.current_thread())))
    with qtbot.waitSignal(task.sigFinished, timeout=20000) as blocker:
        task.start()
    assert blocker.args == [10]
    assert seen and seen[-1][:3] == (5, 5, "counting")  # the last report is never throttled
    assert all(t is threading.main_thread() for *_, t in seen)
    qtbot.waitUntil(task.is_done)
    assert task not in tasks.running_tasks()


def test_an_error_is_reported_not_lost(qtbot):
    def work(progress):
        raise ValueError("broken input")

    task = Task(work)
    with qtbot.waitSignal(task.sigErrored, timeout=20000) as blocker:
        task.start()
    assert isinstance(blocker.args[0], ValueError)
    assert "broken input" in task.traceback


def test_cancel_stops_the_work_at_its_next_step(qtbot):
    started = threading.Event()
    steps = []

    def work(progress):
        started.set()
        for i in range(1000):
            steps.append(i)
            progress.update(i, 1000, "slow")
            time.sleep(0.005)
        return "finished"

    task = Task(work)
    finished = []
    task.sigFinished.connect(finished.append)
    task.start()
    assert started.wait(5)
    with qtbot.waitSignals([task.sigCancelled, task.sigDone], timeout=20000, order="strict"):
        task.cancel()
    assert not finished
    assert len(steps) < 1000


def test_shutdown_cancels_and_waits_for_running_tasks(qtbot):
    def work(progress):
        while True:
            progress.check()
            time.sleep(0.005)

    task = Task(work).start()
    qtbot.waitUntil(task.is_running)
    assert task in tasks.running_tasks()
    assert tasks.shutdown(timeout_ms=5000)
    assert task.is_done() and task.cancelled


def test_a_task_runs_once():
    task = Task(lambda progress: None)
    task.start()
    with pytest.raises(RuntimeError):
        task.start()
    assert task.wait(5000)
    tasks.shutdown()


def test_cancelled_error_type_is_the_core_one():
    from trailer_gui.core.progress import Progress

    p = Progress()
    p.cancel()
    with pytest.raises(Cancelled):
        p.update(1, 2)
