"""A function run in a QThread, superqt/napari style.

``Task(fn, *args, **kwargs)`` calls ``fn(progress, *args, **kwargs)`` in a thread of its own,
where ``progress`` is a :class:`trailer_gui.core.progress.Progress`. The task reports through
signals that are always delivered in the GUI thread:

``sigProgress(done, total, stage)``  at most ~20 times a second, and always the last one
``sigFinished(result)``             fn returned
``sigErrored(exc)``                 fn raised (anything but ``Cancelled``)
``sigCancelled()``                  fn raised ``Cancelled`` after :meth:`cancel`
``sigDone()``                       after any of the three; the thread has ended by then

:meth:`cancel` only sets the Progress flag; the work stops at its next ``progress.update`` or
``progress.check``. Running tasks are kept alive by a module-level registry until they end, so
a caller may drop its reference; :func:`shutdown` cancels them all and waits (the app calls it on
quit so no thread outlives the window).
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable

from PySide6 import QtCore
from PySide6.QtCore import Qt, Signal, Slot

from ..core.errors import Cancelled
from ..core.progress import Progress

_running: set["Task"] = set()

PROGRESS_INTERVAL_S = 0.05


class _Relay(QtCore.QObject):
    """Lives in the GUI thread; the worker thread emits on it, Qt queues to the GUI thread."""

    progress = Signal(int, int, str)


class _Thread(QtCore.QThread):
    def __init__(self, task: "Task"):
        super().__init__()
        self._task = task

    def run(self) -> None:  # worker thread
        self._task._run_in_thread()


class Task(QtCore.QObject):
    sigProgress = Signal(int, int, str)
    sigFinished = Signal(object)
    sigErrored = Signal(object)
    sigCancelled = Signal()
    sigDone = Signal()

    def __init__(self, fn: Callable[..., Any], *args, name: str = "", **kwargs):
        super().__init__()
        self.name = name or getattr(fn, "__name__", "task")
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress, Qt.QueuedConnection)
        self._last_emit = 0.0
        self.progress = Progress(self._report)
        self.result: Any = None
        self.error: BaseException | None = None
        self.traceback: str = ""
        self.cancelled = False
        self._state = "new"  # new -> running -> done
        self._thread: _Thread | None = None

    # ---- GUI thread ----------------------------------------------------------------------
    def start(self) -> "Task":
        if self._state != "new":
            raise RuntimeError(f"task {self.name!r} was started already")
        self._state = "running"
        self._thread = _Thread(self)
        self._thread.setObjectName(f"task:{self.name}")
        self._thread.finished.connect(self._on_thread_finished, Qt.QueuedConnection)
        _running.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next progress step (safe from any thread)."""
        self.progress.cancel()

    def is_running(self) -> bool:
        return self._state == "running"

    def is_done(self) -> bool:
        return self._state == "done"

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the thread has ended (the result signals come with the next event loop)."""
        if self._thread is None:
            return True
        return self._thread.wait(timeout_ms)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, stage: str) -> None:
        if self._state == "running":
            self.sigProgress.emit(done, total, stage)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._state == "done":
            return
        self._state = "done"
        _running.discard(self)
        try:
            if self.cancelled:
                self.sigCancelled.emit()
            elif self.error is not None:
                self.sigErrored.emit(self.error)
            else:
                self.sigFinished.emit(self.result)
        finally:
            self.sigDone.emit()
            if self._thread is not None:
                self._thread.deleteLater()
                self._thread = None

    # ---- worker thread -------------------------------------------------------------------
    def _report(self, done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last_emit = now
            self._relay.progress.emit(int(done), int(total), str(stage))

    def _run_in_thread(self) -> None:
        try:
            self.result = self._fn(self.progress, *self._args, **self._kwargs)
        except Cancelled:
            self.cancelled = True
        except BaseException as exc:  # reported in the GUI thread, never lost
            self.error = exc
            self.traceback = traceback.format_exc()
        finally:
            self._fn = self._args = self._kwargs = None  # drop references held by the work


def running_tasks() -> list[Task]:
    return [t for t in _running if t.is_running()]


def shutdown(timeout_ms: int = 10_000) -> bool:
    """Cancel every running task and wait for its thread; True if all ended in time."""
    tasks = running_tasks()
    for task in tasks:
        task.cancel()
    deadline = time.monotonic() + timeout_ms / 1000
    ok = True
    for task in tasks:
        left = max(0, int((deadline - time.monotonic()) * 1000))
        ok = task.wait(left) and ok
    # The threads have ended: deliver their final signals now, while receivers still exist.
    if threading.current_thread() is threading.main_thread():
        QtCore.QCoreApplication.sendPostedEvents()
    return ok


__all__ = ["Task", "running_tasks", "shutdown"]
