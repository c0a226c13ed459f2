"""Several writers on one project: see their changes, say when the store is busy, and tell a
second window that it is not alone (issue #10).

* ``StoreWatcher`` polls SQLite's ``PRAGMA data_version`` on a connection of its own every
  ``interval_ms``. The number changes when any *other* connection commits (another window,
  ``trailer labels import``, our own autosave's connection): a read of a few bytes of shared
  memory, so the GUI thread can afford it twice a second and never waits (short busy timeout).
* ``SeveralWriters`` (one per window) connects it to the ``Autosaver``: the open trailer's
  labels are pulled and merged (the user's unsaved cells win, the view redraws, the status bar
  says who changed what), other trailers' rows are refreshed when their revision moved, and
  "waiting for another program" shows while a save waits for the database.
* Each window registers in ``core.sessions``; when another live one has the project open, a
  warning sits in the status bar (the window still works: saves merge).

``SeveralWriters`` is handed the ``WorkspaceState`` (it follows ``sigProjectChanged``), the
``Autosaver``, the trailer list (rows it refreshes) and a status reporter; its ``others_label``
is placed in the status bar by the window. After another program's commit was merged it emits
``sigStoreChanged``: whoever shows stored labels of their own (the compared annotator's ghost
strip) listens.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Signal

from ...core.sessions import HEARTBEAT_S, SessionFile
from ...core.project_layout import DB_NAME
from ..messages import Report
from .video_list import TrailerRow

POLL_MS = 500


class StoreWatcher(QtCore.QObject):
    """Emits ``sigChanged`` soon after another connection commits to the project's database."""

    sigChanged = Signal()

    def __init__(self, interval_ms: int = POLL_MS, parent=None):
        super().__init__(parent)
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._timer = QtCore.QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.poll)

    def watch(self, folder: str | Path | None) -> None:
        self.stop()
        if folder is None:
            return
        try:
            conn = sqlite3.connect(Path(folder) / DB_NAME, timeout=0.05, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA query_only = 1")
            self._version = conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return  # no watching; saves still merge
        self._conn = conn
        self._timer.start()

    def poll(self) -> bool:
        if self._conn is None:
            return False
        try:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return False  # busy or gone for a moment: the next tick tries again
        if version == self._version:
            return False
        self._version = version
        self.sigChanged.emit()
        return True

    def stop(self) -> None:
        self._timer.stop()
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class SeveralWriters(QtCore.QObject):
    """The window's side of sharing a project with other programs."""

    sigStoreChanged = Signal()  # another connection committed; the open trailer was merged

    def __init__(self, state, autosaver, video_list, report: Report,
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.autosaver, self.video_list, self.report = state, autosaver, video_list, report
        self.watcher = StoreWatcher(parent=self)
        self.watcher.sigChanged.connect(self.store_changed)
        self.session: SessionFile | None = None
        self._revisions: dict[int, int] = {}
        self._heartbeat = QtCore.QTimer(self, interval=HEARTBEAT_S * 1000)
        self._heartbeat.timeout.connect(self.beat)
        self.others_label = QtWidgets.QLabel("")
        self.others_label.setObjectName("othersLabel")
        self.others_label.setVisible(False)
        autosaver.sigNotice.connect(lambda text: report(text, 15_000))
        autosaver.sigWaitingChanged.connect(self._waiting_changed)
        state.sigProjectChanged.connect(lambda _: self.project_changed())

    # ---- project open / closed -----------------------------------------------------------
    def project_changed(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
        self._heartbeat.stop()
        project = self.state.project
        self.watcher.watch(project.folder if project else None)
        if project is None:
            self._show_others([])
            return
        self._revisions = self._read_revisions()
        self.session = SessionFile(project.folder)
        self.session.register()
        self._heartbeat.start()
        others = self.session.others()
        self._show_others(others)
        if others:
            self.report(
                f"This project is also open in {others[0].describe()}. Both can edit: "
                "saves are merged, and each window shows the other's changes.", 15_000)

    def beat(self) -> None:
        if self.session is not None:
            self.session.heartbeat()
            self._show_others(self.session.others())

    def shutdown(self) -> None:
        self.watcher.stop()
        self._heartbeat.stop()
        if self.session is not None:
            self.session.close()
            self.session = None

    def _show_others(self, others) -> None:
        label = self.others_label
        label.setVisible(bool(others))
        if others:
            n = len(others)
            label.setText("⚠ also open in another window" if n == 1
                          else f"⚠ open in {n} other windows")
            label.setToolTip("\n".join(s.describe() for s in others) + "\n\nBoth can edit: each "
                             "save writes only its own changes, and each window shows the "
                             "others' changes within a second.")

    # ---- other programs' writes ----------------------------------------------------------
    def store_changed(self) -> None:
        """Someone committed: merge into the open trailer, refresh rows that changed."""
        st = self.state
        if st.project is None:
            return
        self.autosaver.pull()
        revisions = self._read_revisions()
        moved = [vid for vid, rev in revisions.items() if self._revisions.get(vid) != rev]
        self._revisions = revisions
        current = st.video.id if st.video else None
        for vid in moved:
            if vid != current:
                self._refresh_row(vid)
        self.sigStoreChanged.emit()

    def _read_revisions(self) -> dict[int, int]:
        st = self.state
        try:
            with st.project.busy_timeout(0.05):
                return st.project.label_revisions(st.annotator)
        except sqlite3.Error:
            return dict(self._revisions)

    def _refresh_row(self, video_id: int) -> None:
        st = self.state
        try:
            video = st.project.video(video_id)
            labels = st.project.load_labels(video_id, st.annotator)
        except Exception:  # removed meanwhile, or busy: the row stays as it was
            return
        self.video_list.update_row(TrailerRow.from_labels(video, labels))

    def _waiting_changed(self, waiting: bool) -> None:
        # "" clears the line (the window's saved label follows the autosaver itself)
        self.report("Labels not saved yet: waiting for another program to finish writing the "
                    "project (your changes are kept)" if waiting else "", 0)
