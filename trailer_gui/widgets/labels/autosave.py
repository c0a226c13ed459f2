"""Autosave: every label change reaches the project store within about a second, merged with
what other programs wrote meanwhile, and the GUI never waits on them.

The editor is the truth; the store is where it must end up. ``Autosaver`` listens to the
editor and saves ~1 s after the last change (a debounce), or after at most ``max_wait_ms`` of
continuous painting. A save goes through ``core.label_sync.LabelSync``: it writes only the cells
this window changed, on top of what is stored now, so another window or ``trailer labels
import`` loses nothing (where both changed the same cell, the later save wins there, and
``sigNotice`` says so). :meth:`pull` brings other programs' changes into the open editor (the
window calls it when ``StoreWatcher`` sees the database change).

Never a hang: a save waits at most ``lock_timeout_s`` for another program's write lock; then
``sigWaiting(True)``, the changes stay unsaved (the window keeps its ``*``) and a timer retries
every ``retry_ms``. A trailer left while its save is waiting stays *pending*: it is retried with
the others, and reopening it resumes the same editor, so no edit is ever dropped.
:meth:`flush` saves now: the window calls it before an export, training and on close.
"""

from __future__ import annotations

import sqlite3
import time

from PySide6 import QtCore
from PySide6.QtCore import Signal

from ...core.editing import LabelEditor
from ...core.errors import TrailerError
from ...core.label_sync import LabelSync, StoreBusy
from ...core.store import Project


class Autosaver(QtCore.QObject):
    sigModifiedChanged = Signal(bool)
    sigSaved = Signal(int)  # video id: the store and the open editor agree (after a save or merge)
    sigError = Signal(str)
    sigNotice = Signal(str)  # "Labels changed by trailer labels import (pid 42): action 0-20"
    sigWaitingChanged = Signal(bool)  # another program holds the database: saves wait

    def __init__(self, delay_ms: int = 1000, max_wait_ms: int = 3000, parent=None,
                 lock_timeout_s: float = 0.1, retry_ms: int = 1000):
        super().__init__(parent)
        self.delay_ms = delay_ms
        self.max_wait_ms = max_wait_ms
        self.lock_timeout_s = lock_timeout_s
        self.retry_ms = retry_ms
        self._sync: LabelSync | None = None
        self._pending: list[LabelSync] = []  # left trailers whose save still waits
        self._dirty_since: float | None = None
        self._modified = False
        self._waiting = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    # ---- what is watched -----------------------------------------------------------------
    def open(self, project: Project, video_id: int, annotator: str) -> LabelEditor:
        """Leave the current trailer (saving it) and return the editor of this one: a pending
        one with its unsaved edits and undo history, or a new one on the stored labels."""
        self.detach()
        for sync in self._pending:
            if (sync.project.folder, sync.video_id, sync.annotator) == (
                    project.folder, int(video_id), annotator):
                self._pending.remove(sync)
                sync.project = project
                self._watch(sync)
                self.pull()
                return sync.editor
        sync = LabelSync.load(project, video_id, annotator)
        self._watch(sync)
        return sync.editor

    def attach(self, project: Project, video_id: int, annotator: str, editor: LabelEditor) -> None:
        """Watch ``editor``, whose labels were just loaded from the store (so it is saved)."""
        self.detach()
        self._watch(LabelSync.attach(project, video_id, annotator, editor))

    def _watch(self, sync: LabelSync) -> None:
        self._sync = sync
        sync.editor.add_listener(self._on_change)
        self._update_modified()

    def detach(self) -> bool:
        """Save what is pending and stop watching. False if the save must wait: the trailer's
        edits then stay pending and are retried (see :meth:`open`)."""
        ok = self.flush()
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.editor.remove_listener(self._on_change)
            if sync.has_unsynced:
                self._pending.append(sync)
        if not self._pending:
            self._timer.stop()
        self._update_modified()
        return ok

    @property
    def modified(self) -> bool:
        """Some label change is not in the store yet (this trailer's or a pending one's)."""
        return self._modified

    @property
    def waiting(self) -> bool:
        """The last save found the database locked by another program."""
        return self._waiting

    @property
    def video_id(self) -> int | None:
        return self._sync.video_id if self._sync else None

    @property
    def pending(self) -> int:
        """How many left trailers still have unsaved label changes."""
        return len(self._pending)

    # ---- saving --------------------------------------------------------------------------
    def _on_change(self, start: int, stop: int) -> None:
        if self._sync is None:
            return
        self._update_modified()
        if not self._modified:
            self._timer.stop()
            self._dirty_since = None
            return
        now = time.monotonic()
        if self._dirty_since is None:
            self._dirty_since = now
        waited_ms = (now - self._dirty_since) * 1000
        self._timer.start(int(max(0, min(self.delay_ms, self.max_wait_ms - waited_ms))))

    def flush(self) -> bool:
        """Save now whatever changed. False if something could not be saved (kept, retried)."""
        self._timer.stop()
        busy = failed = False
        notices = []
        for sync in ([self._sync] if self._sync else []) + list(self._pending):
            try:
                report = sync.save(timeout=self.lock_timeout_s)
            except StoreBusy:
                busy = True
                continue
            except (TrailerError, sqlite3.Error, OSError, ValueError) as exc:
                failed = True  # disk full, a damaged store: keep the changes, retry later
                self.sigError.emit(f"Labels not saved: {exc}")
                continue
            if report is not None:
                message = report.message(sync.editor.genres)
                if message:
                    notices.append(message)
            if sync is self._sync:
                self.sigSaved.emit(sync.video_id)
        self._pending = [s for s in self._pending if s.has_unsynced]
        self._set_waiting(busy)
        for message in notices:  # after the waiting line is gone, so that it stays readable
            self.sigNotice.emit(message)
        if busy or failed:
            self._timer.start(self.retry_ms if not failed else max(self.delay_ms, 5000))
        else:
            self._dirty_since = None
        self._update_modified()
        return not (busy or failed)

    def pull(self) -> bool:
        """Merge what other programs stored for the open trailer. True if anything came in."""
        sync = self._sync
        if sync is None:
            return False
        try:
            with sync.project.busy_timeout(self.lock_timeout_s):
                report = sync.pull()
        except (TrailerError, sqlite3.Error, OSError, ValueError) as exc:
            if not (isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)):
                self.sigError.emit(f"Could not read labels changed by another program: {exc}")
            return False  # locked: the next change or poll tries again
        if report is None:
            return False
        message = report.message(sync.editor.genres)
        if message:
            self.sigNotice.emit(message)
        self.sigSaved.emit(sync.video_id)
        return True

    def _update_modified(self) -> None:
        value = bool(self._sync and self._sync.has_unsynced) or bool(self._pending)
        if value != self._modified:
            self._modified = value
            self.sigModifiedChanged.emit(value)

    def _set_waiting(self, value: bool) -> None:
        if value != self._waiting:
            self._waiting = value
            self.sigWaitingChanged.emit(value)
