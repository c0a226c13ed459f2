"""Progress and cancellation hooks shared by the CLI (terminal bar) and the GUI (workers).

Long work takes a ``Progress`` object: it calls ``update(done, total, stage)`` as it goes and
``check()`` between steps; ``check()`` raises ``Cancelled`` once ``cancel()`` was called.
``cancel()`` only sets a flag, so it is safe to call from any thread.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable

from .errors import Cancelled

Listener = Callable[[int, int, str], None]


class Progress:
    def __init__(self, listener: Listener | None = None):
        self._listener = listener
        self._cancelled = threading.Event()
        self.stage = ""

    def update(self, done: int, total: int, stage: str | None = None) -> None:
        if stage is not None:
            self.stage = stage
        if self._listener is not None:
            self._listener(done, total, self.stage)
        self.check()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled(f"{self.stage or 'work'} cancelled")


class TerminalBar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if not finished and now - self._last < 0.1:
            return
        self._last = now
        frac = done / total if total else 0.0
        fill = int(frac * self.width)
        bar = "#" * fill + "-" * (self.width - fill)
        self.stream.write(f"\r{stage[:40]:<40} [{bar}] {done}/{total}")
        self._shown = True
        if finished:
            self.stream.write("\n")
            self._shown = False
        self.stream.flush()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
