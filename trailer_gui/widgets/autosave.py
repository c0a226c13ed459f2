"""Autosave: every label change reaches the project store within about a second.

The editor is the truth; the store is where it must end up. ``Autosaver`` listens to the
editor, and saves ~1 s after the last change (a debounce), or after at most ``max_wait_ms`` of
continuous painting, by comparing ``editor.revision`` with the revision it saved last.
:meth:`flush` saves now: the window calls it before switching trailer, before an export and on
close. A killed process loses at most the changes of that last moment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6 import QtCore
from PySide6.QtCore import Signal

from ..core.editing import LabelEditor
from ..core.store import Project


@dataclass
class _Target:
    project: Project
    video_id: int
    annotator: str
    editor: LabelEditor
    saved_revision: int


class Autosaver(QtCore.QObject):
    sigModifiedChanged = Signal(bool)
    sigSaved = Signal(int)  # video id
    sigError = Signal(str)

    def __init__(self, delay_ms: int = 1000, max_wait_ms: int = 3000, parent=None):
        super().__init__(parent)
        self.delay_ms = delay_ms
        self.max_wait_ms = max_wait_ms
        self._target: _Target | None = None
        self._dirty_since: float | None = None
        self._modified = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    # ---- what is watched -----------------------------------------------------------------
    def attach(self, project: Project, video_id: int, annotator: str, editor: LabelEditor) -> None:
        """Watch ``editor``, whose labels were just loaded from the store (so it is saved)."""
        self.detach()
        self._target = _Target(project, video_id, annotator, editor, editor.revision)
        editor.add_listener(self._on_change)
        self._set_modified(False)

    def detach(self) -> bool:
        """Save what is pending and stop watching. False if the last save failed."""
        ok = self.flush()
        if self._target is not None:
            self._target.editor.remove_listener(self._on_change)
            self._target = None
        self._timer.stop()
        self._set_modified(False)
        return ok

    @property
    def modified(self) -> bool:
        return self._modified

    @property
    def video_id(self) -> int | None:
        return self._target.video_id if self._target else None

    # ---- saving --------------------------------------------------------------------------
    def _on_change(self, start: int, stop: int) -> None:
        t = self._target
        if t is None:
            return
        self._set_modified(t.editor.revision != t.saved_revision)
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
        """Save now if anything changed since the last save. False if saving failed."""
        self._timer.stop()
        t = self._target
        if t is None or t.editor.revision == t.saved_revision:
            self._dirty_since = None
            self._set_modified(False)
            return True
        revision = t.editor.revision
        try:
            t.project.save_labels(t.video_id, t.editor.array, annotator=t.annotator)
        except Exception as exc:  # disk full, database locked: keep the changes, retry later
            self.sigError.emit(f"Labels not saved: {exc}")
            self._timer.start(max(self.delay_ms, 5000))
            return False
        t.saved_revision = revision
        self._dirty_since = None
        self._set_modified(t.editor.revision != revision)
        self.sigSaved.emit(t.video_id)
        return True

    def _set_modified(self, value: bool) -> None:
        if value != self._modified:
            self._modified = value
            self.sigModifiedChanged.emit(value)
