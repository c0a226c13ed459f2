"""Keep one open ``LabelEditor`` and the store in step while other programs write too.

Several writers share a project: two app windows, the app and ``trailer labels import``, a
script. None of them may lose another's labels. So an editor never writes its whole array:

* **save** writes only the cells (frame, genre) this editor changed since it last synced
  (``LabelEditor.unsynced``), on top of what is stored *now*, inside one ``BEGIN IMMEDIATE``
  transaction that also bumps the (trailer, annotator) revision. Another writer's changes to
  other cells are kept and come back into the editor; where both changed the same cell, this
  save, the later one, wins for that cell only, and the report says so.
* **pull** reads the stored labels when their revision moved and merges them into the editor:
  cells with unsynced edits keep the user's values, all others take the stored ones.

``base`` is what the store held at ``revision``, the last time this editor synced: comparing
it with the store tells which cells the others changed. Qt-free; the app's ``Autosaver`` drives
it from the GUI thread with a short lock timeout (``save(timeout=...)``), so it never hangs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import runs
from .editing import LabelEditor
from .errors import ProjectError, TrailerError
from .store import Project


class StoreBusy(TrailerError):
    """Another program holds the project's write lock longer than we may wait."""

    def __init__(self, folder):
        super().__init__(f"{folder}: another program is writing to the project")


@dataclass
class SyncReport:
    """What one save or pull did. ``theirs``: cells another program changed that this editor
    now shows; ``conflicts``: cells both changed (a save: this editor's values won; a pull:
    the user's unsynced values are kept and will win at the next save)."""

    kind: str  # "save" or "pull"
    revision: int
    theirs: np.ndarray
    conflicts: np.ndarray
    writer: str  # who wrote the store last before this sync ('trailer labels import (pid 42)')
    wrote: bool = False  # a save that changed the store

    @property
    def merged(self) -> bool:
        return bool(self.theirs.any() or self.conflicts.any())

    def message(self, genres: Sequence[str]) -> str | None:
        """One status-bar line, or None when there is nothing to tell."""
        if not self.merged:
            return None
        who = self.writer or "another program"
        if self.kind == "pull":
            text = f"Labels changed by {who}"
            if self.theirs.any():
                text += f": {describe_cells(self.theirs, genres)}"
            if self.conflicts.any():
                text += (f"; your unsaved edits kept on frames "
                         f"{describe_cells(self.conflicts, genres, by_genre=False)}")
            return text
        text = f"Merged changes from {who}"
        if self.conflicts.any():
            won = describe_cells(self.conflicts, genres, by_genre=False)
            return f"{text}; your edits won on frames {won}"
        return text + f": {describe_cells(self.theirs, genres)}"


def describe_cells(cells: np.ndarray, genres: Sequence[str], by_genre: bool = True,
                   limit: int = 3) -> str:
    """'action 0-20, 45; comedy 3-9' (or, ``by_genre=False``, '0-20 (action)'): frames as users
    count them (last one inclusive), at most ``limit`` ranges per genre."""
    parts = []
    for col in np.flatnonzero(cells.any(axis=0)):
        segs = runs.to_segments(cells[:, col])
        spans = [f"{a}" if b - 1 == a else f"{a}-{b - 1}" for a, b in segs[:limit]]
        more = f" and {len(segs) - limit} more" if len(segs) > limit else ""
        ranges = ", ".join(spans) + more
        parts.append(f"{genres[col]} {ranges}" if by_genre else f"{ranges} ({genres[col]})")
    return "; ".join(parts)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


class LabelSync:
    """One (video, annotator)'s editor and the store revision it last synced with."""

    def __init__(self, project: Project, video_id: int, annotator: str, editor: LabelEditor,
                 base: np.ndarray, revision: int):
        self.project = project
        self.video_id = int(video_id)
        self.annotator = annotator
        self.editor = editor
        self.base = np.array(base, dtype=bool)  # the store's labels at ``revision``
        self.revision = revision

    @classmethod
    def load(cls, project: Project, video_id: int, annotator: str) -> "LabelSync":
        """A new editor on the stored labels."""
        stored = project.stored_labels(video_id, annotator)
        editor = LabelEditor(stored.labels, project.genre_names())
        return cls(project, video_id, annotator, editor, stored.labels, stored.revision)

    @classmethod
    def attach(cls, project: Project, video_id: int, annotator: str,
               editor: LabelEditor) -> "LabelSync":
        """Sync an editor made from ``project.load_labels``. The store as it is now is the
        base: a change stored in between reaches the editor with its next save or pull."""
        stored = project.stored_labels(video_id, annotator)
        return cls(project, video_id, annotator, editor, stored.labels, stored.revision)

    @property
    def has_unsynced(self) -> bool:
        return self.editor.has_unsynced

    def _check(self, stored: np.ndarray) -> None:
        if stored.shape != self.editor.array.shape:
            raise ProjectError(
                f"{self.project.folder}: the genres or the video changed in another program; "
                "reopen the project")

    def save(self, timeout: float | None = None) -> SyncReport | None:
        """Write this editor's unsynced cells on top of the stored labels and take everybody
        else's changes. None when there was nothing to save. ``timeout``: at most this many
        seconds waiting for another program's write lock, then :class:`StoreBusy` (nothing
        written, the edits stay unsynced)."""
        ed = self.editor
        if not ed.has_unsynced:
            return None
        touched = ed.unsynced.copy()
        values = ed.array.copy()
        p = self.project
        video = p.video(self.video_id)
        try:
            if timeout is None:
                merged, report = self._save_in_transaction(video, touched, values)
            else:
                with p.busy_timeout(timeout):
                    merged, report = self._save_in_transaction(video, touched, values)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise StoreBusy(p.folder) from exc
            raise
        ed.merge_stored(merged)  # the others' changes; touched cells already hold ``merged``
        ed.mark_synced(touched)
        self.base, self.revision = merged, report.revision
        return report

    def _save_in_transaction(self, video, touched, values):
        p = self.project
        with p.transaction() as db:
            stored = p._read_labels(db, video, self.annotator)
            self._check(stored)
            row = db.execute(
                "SELECT revision, writer FROM label_revisions WHERE video_id = ? AND annotator = ?",
                (video.id, self.annotator),
            ).fetchone()
            revision, writer = row if row else (0, "")
            merged = np.where(touched, values, stored)
            columns = np.flatnonzero((merged != stored).any(axis=0))
            if len(columns):
                new_revision = p._put_labels(db, video, self.annotator, merged, columns)
            else:
                new_revision = revision
        moved = revision != self.revision  # someone else wrote since our last sync
        theirs_in_store = (stored != self.base) if moved else np.zeros_like(stored)
        report = SyncReport(
            kind="save",
            revision=new_revision,
            theirs=theirs_in_store & ~touched & (values != stored),
            conflicts=theirs_in_store & touched & (values != stored),
            writer=writer if moved else "",
            wrote=bool(len(columns)),
        )
        return merged, report

    def pull(self) -> SyncReport | None:
        """Merge what other programs stored since the last sync. None when nothing moved."""
        if self.project.label_revision(self.video_id, self.annotator) == self.revision:
            return None  # the common case (someone wrote a setting): one tiny query
        stored = self.project.stored_labels(self.video_id, self.annotator)
        if stored.revision == self.revision:
            return None
        self._check(stored.labels)
        ed = self.editor
        theirs = stored.labels != self.base
        conflicts = theirs & ed.unsynced & (stored.labels != ed.array)
        shown = ed.merge_stored(stored.labels)
        self.base, self.revision = stored.labels, stored.revision
        return SyncReport("pull", stored.revision, shown, conflicts, stored.writer)
