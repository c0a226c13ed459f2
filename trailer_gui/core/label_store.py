"""A project's labels: one bool array (frames, genres) per (video, annotator), stored as
run-length segments per genre, with a revision per (video, annotator).

Every write goes through ``_put_labels`` inside a ``BEGIN IMMEDIATE`` transaction and bumps the
revision there, so a reader that sees the same revision sees the same labels, and an open
editor notices other programs' writes by the revision moving (``core.label_sync``).
``Project`` inherits these methods; they use its connection, videos and genres.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np

from . import runs
from .errors import ProjectError

if TYPE_CHECKING:
    from .store import Video

_writer = f"{Path(sys.argv[0]).name or 'python'} (pid {os.getpid()})"


def set_writer(name: str) -> None:
    """Name this program in ``label_revisions.writer`` ('trailer labels import (pid 42)'), so
    an open window can say who changed the labels it shows."""
    global _writer
    _writer = f"{name} (pid {os.getpid()})"


def writer() -> str:
    return _writer


@dataclass(frozen=True)
class StoredLabels:
    """One (video, annotator)'s labels and the revision they were read at (0: never saved)."""

    labels: np.ndarray  # (frames, genres) bool
    revision: int
    writer: str = ""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class LabelStore:
    """The label methods of ``Project`` (a mixin: ``self`` is the project)."""

    def annotators(self, video_id: int | None = None) -> list[str]:
        if video_id is None:
            rows = self.db.execute("SELECT DISTINCT annotator FROM labels ORDER BY annotator")
        else:
            rows = self.db.execute(
                "SELECT DISTINCT annotator FROM labels WHERE video_id = ? ORDER BY annotator",
                (int(video_id),),
            )
        return [r[0] for r in rows.fetchall()]

    def load_labels(self, video_id: int, annotator: str | None = None) -> np.ndarray:
        """(frames, genres) bool, genre columns in project order; all False if none stored."""
        return self.stored_labels(video_id, annotator).labels

    def stored_labels(self, video_id: int, annotator: str | None = None) -> StoredLabels:
        """Labels and their revision, read in one snapshot (a read transaction)."""
        db = self.db
        own = not db.in_transaction
        if own:
            db.execute("BEGIN")  # deferred: a read snapshot, never waits for writers (WAL)
        try:
            video = self.video(video_id)
            labels = self._read_labels(db, video, annotator or self.annotator)
            row = db.execute(
                "SELECT revision, writer FROM label_revisions WHERE video_id = ? AND annotator = ?",
                (video.id, annotator or self.annotator),
            ).fetchone()
        finally:
            if own:
                db.execute("COMMIT")
        return StoredLabels(labels, row[0] if row else 0, row[1] if row else "")

    def label_revision(self, video_id: int, annotator: str | None = None) -> int:
        """How many times this (video, annotator)'s labels were written (0: never)."""
        row = self.db.execute(
            "SELECT revision FROM label_revisions WHERE video_id = ? AND annotator = ?",
            (int(video_id), annotator or self.annotator),
        ).fetchone()
        return row[0] if row else 0

    def label_revisions(self, annotator: str | None = None) -> dict[int, int]:
        """{video id: revision} of one annotator's labels: a cheap way to see what changed."""
        rows = self.db.execute(
            "SELECT video_id, revision FROM label_revisions WHERE annotator = ?",
            (annotator or self.annotator,),
        )
        return dict(rows.fetchall())

    def _read_labels(self, db: sqlite3.Connection, video: Video, who: str) -> np.ndarray:
        names = self.genre_names()
        labels = np.zeros((video.frames, len(names)), dtype=bool)
        rows = db.execute(
            "SELECT genre, segments FROM labels WHERE video_id = ? AND annotator = ?",
            (video.id, who),
        ).fetchall()
        for genre, blob in rows:
            labels[:, names.index(genre)] = runs.unpack(blob, video.frames)
        return labels

    def _check_shape(self, video: Video, labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels, dtype=bool)
        genres = len(self.genre_names())
        if labels.shape != (video.frames, genres):
            raise ProjectError(
                f"labels for video {video.id} must be shaped ({video.frames}, {genres}),"
                f" got {labels.shape}"
            )
        return labels

    def _put_labels(self, db: sqlite3.Connection, video: Video, who: str, labels: np.ndarray,
                    columns: Iterable[int] | None = None) -> int:
        """Inside a write transaction: store ``labels``' columns (all by default) and bump the
        revision. Returns the new revision."""
        names = self.genre_names()
        stamp = _now()
        for col in range(len(names)) if columns is None else columns:
            db.execute(
                "INSERT INTO labels(video_id, annotator, genre, frames, segments, updated)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(video_id, annotator, genre)"
                " DO UPDATE SET frames = excluded.frames, segments = excluded.segments,"
                " updated = excluded.updated",
                (video.id, who, names[col], video.frames, runs.pack(labels[:, col]), stamp),
            )
        (revision,) = db.execute(
            "INSERT INTO label_revisions(video_id, annotator, revision, writer, updated)"
            " VALUES (?, ?, 1, ?, ?) ON CONFLICT(video_id, annotator) DO UPDATE SET"
            " revision = revision + 1, writer = excluded.writer, updated = excluded.updated"
            " RETURNING revision",
            (video.id, who, _writer, stamp),
        ).fetchone()
        return revision

    def save_labels(self, video_id: int, labels: np.ndarray, annotator: str | None = None) -> int:
        """Replace the whole (frames, genres) array in one transaction (an import); returns
        the new revision. Editors save only what they changed: ``core.label_sync``."""
        video = self.video(video_id)
        labels = self._check_shape(video, labels)
        with self.transaction() as db:
            return self._put_labels(db, video, annotator or self.annotator, labels)

    @contextmanager
    def busy_timeout(self, seconds: float):
        """Within the block, this thread's connection waits at most ``seconds`` for another
        program's write lock (then ``sqlite3.OperationalError: database is locked``) instead of
        the default 30 s: the GUI thread must never hang on someone else's transaction."""
        db = self.db
        (before,) = db.execute("PRAGMA busy_timeout").fetchone()
        db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield db
        finally:
            db.execute(f"PRAGMA busy_timeout = {int(before)}")

    def labelled_frames(self, video_id: int, annotator: str | None = None) -> dict[str, int]:
        labels = self.load_labels(video_id, annotator)
        return {name: int(labels[:, i].sum()) for i, name in enumerate(self.genre_names())}
