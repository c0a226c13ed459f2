"""A QObject whose loop runs in its own QThread and takes commands through a mailbox.

The decoder (`FrameSource`) and the thumbnail maker (`ThumbnailSource`) share this shape:
commands are posted from any thread into a one-slot mailbox (the newest wins, an older
unstarted one is simply replaced), `_serial` counts commands so that running work can see
it has been superseded and stop early, and `shutdown` ends the loop and waits for the thread.
A subclass implements `run()` (the loop: wait on `_cond` for `_cmd` or `_quit`).
"""

from __future__ import annotations

import threading

from PySide6 import QtCore
from PySide6.QtCore import QObject


class MailboxWorker(QObject):
    def __init__(self):
        super().__init__()
        self._cond = threading.Condition()
        self._cmd: object | None = None  # the mailbox: newest command wins
        self._serial = 0  # bumps on every command; running work checks it to stop early
        self._quit = False
        self._thread: QtCore.QThread | None = None

    def _launch(self, name: str, priority=QtCore.QThread.Priority.InheritPriority) -> None:
        """Move to a new thread named `name` and start `run` there."""
        thread = QtCore.QThread()
        thread.setObjectName(name)
        self._thread = thread
        self.moveToThread(thread)
        thread.started.connect(self.run)
        thread.start(priority)

    def run(self) -> None:  # pragma: no cover - every subclass has its loop
        raise NotImplementedError

    def thread_handle(self) -> QtCore.QThread | None:
        return self._thread

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the loop, end the thread and wait for it. Safe to call more than once."""
        with self._cond:
            self._quit = True
            self._serial += 1
            self._cond.notify_all()
        thread = self._thread
        if thread is None:
            return True
        thread.quit()
        ok = thread.wait(timeout_ms)
        if ok:
            self._thread = None
        return bool(ok)

    def _post(self, cmd) -> None:
        with self._cond:
            self._cmd = cmd
            self._serial += 1
            self._cond.notify_all()


__all__ = ["MailboxWorker"]
