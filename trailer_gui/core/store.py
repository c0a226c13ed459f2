"""The project store: one folder with ``project.sqlite`` and the folders exports land in.

Why sqlite: one file, transactions, and WAL mode, so a process killed at any moment leaves the
last committed labels readable, and a worker thread can read while the GUI writes.
Each thread gets its own connection (sqlite connections must not be shared across threads).
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import ProjectError
from .genres import Genre, default_genres
from .label_store import LabelStore, StoredLabels, set_writer, writer  # noqa: F401
from .project_layout import DB_NAME, SUBFOLDERS

SCHEMA_VERSION = 3



def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the migration's transaction early; run statements one by one.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _schema_v1(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE genres (
            name TEXT PRIMARY KEY,
            position INTEGER NOT NULL UNIQUE,
            color TEXT NOT NULL,
            key TEXT NOT NULL
        );
        CREATE TABLE videos (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            frames INTEGER NOT NULL,
            fps REAL NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            duration REAL NOT NULL,
            has_audio INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            added TEXT NOT NULL
        );
        CREATE TABLE labels (
            video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            genre TEXT NOT NULL REFERENCES genres(name) ON DELETE CASCADE ON UPDATE CASCADE,
            frames INTEGER NOT NULL,
            segments BLOB NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (video_id, annotator, genre)
        );
        """
    )


def _schema_v2(db: sqlite3.Connection) -> None:
    """Shot boundaries (issue #6): each video's cuts, as little-endian int32 first frames of
    each shot after the first, and the detector that found them (see ``core.shots``)."""
    _run_script(
        db,
        """
        CREATE TABLE shots (
            video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
            cuts BLOB NOT NULL,
            detector TEXT NOT NULL
        );
        """
    )


def _schema_v3(db: sqlite3.Connection) -> None:
    """Label revisions (issue #10): one counter per (video, annotator), bumped by every label
    write in the same transaction, and who wrote last. Editors save deltas on top of what is
    stored and notice other programs' writes by it (``core.label_sync``)."""
    _run_script(
        db,
        """
        CREATE TABLE label_revisions (
            video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            revision INTEGER NOT NULL,
            writer TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (video_id, annotator)
        );
        INSERT INTO label_revisions(video_id, annotator, revision, writer, updated)
            SELECT video_id, annotator, 1, 'before revisions', MAX(updated)
            FROM labels GROUP BY video_id, annotator;
        """
    )


# MIGRATIONS[n] brings a database from schema version n to n + 1. Append, never edit.
MIGRATIONS = [_schema_v1, _schema_v2, _schema_v3]


@dataclass(frozen=True)
class Video:
    id: int
    path: Path  # absolute
    frames: int
    fps: float
    width: int
    height: int
    duration: float
    has_audio: bool
    fingerprint: str

    @property
    def name(self) -> str:
        return self.path.name


def current_user() -> str:
    try:
        return getpass.getuser() or "annotator"
    except Exception:  # no login name in some containers
        return "annotator"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Project(LabelStore):
    """A project folder. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | Path, genres: Iterable[Genre] | None = None) -> "Project":
        folder = Path(folder)
        if (folder / DB_NAME).exists():
            raise ProjectError(f"{folder}: a project already exists here")
        if folder.exists() and not folder.is_dir():
            raise ProjectError(f"{folder}: exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        for sub in SUBFOLDERS:
            (folder / sub).mkdir(exist_ok=True)
        project = cls(folder)
        project._migrate()
        with project.transaction() as db:
            for pos, g in enumerate(genres or default_genres()):
                db.execute(
                    "INSERT INTO genres(name, position, color, key) VALUES (?, ?, ?, ?)",
                    (g.name, pos, g.color, g.key),
                )
            db.execute("INSERT INTO settings VALUES ('created', ?)", (_now(),))
            db.execute("INSERT INTO settings VALUES ('annotator', ?)", (current_user(),))
        return project

    @classmethod
    def open(cls, folder: str | Path, read_only: bool | None = None) -> "Project":
        """Open a project. A damaged or empty store raises DamagedProject (naming the newest
        good backup) before anything is created or migrated. ``read_only=None`` opens
        read-only when the folder or store is not writable (``core.backup.writable``)."""
        from . import backup

        folder = Path(folder)
        if not (folder / DB_NAME).is_file():
            raise ProjectError(f"{folder}: not a trailer-gui project (no {DB_NAME})")
        health = backup.check_store(folder)  # raises DamagedProject, writes nothing
        if read_only is None:
            read_only = not backup.writable(folder)
        project = cls(folder)
        if read_only:
            project.read_only = True
            if health.schema != SCHEMA_VERSION:
                raise ProjectError(
                    f"{folder}: schema {health.schema} needs upgrading to {SCHEMA_VERSION}, "
                    "which a read-only project cannot do; open it once where it is writable")
            return project
        if 0 < health.schema < SCHEMA_VERSION:
            backup.take_backup(folder)  # the store as it was before a format change
        project._migrate()
        for sub in SUBFOLDERS:
            (project.folder / sub).mkdir(exist_ok=True)
        return project

    read_only = False  # set by open(); every write then raises ReadOnlyProject

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                if self.read_only:
                    from .backup import connect_read_only

                    conn = connect_read_only(self.folder / DB_NAME)
                    conn.execute("PRAGMA query_only=ON")
                else:
                    conn = sqlite3.connect(
                        self.folder / DB_NAME, timeout=30, isolation_level=None,
                        check_same_thread=False,
                    )
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA foreign_keys=ON")
                    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            except sqlite3.DatabaseError as exc:
                raise ProjectError(f"{self.folder / DB_NAME}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def transaction(self):
        if self.read_only:
            from .errors import ReadOnlyProject

            raise ReadOnlyProject(self.folder)
        return _Transaction(self.db)

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _migrate(self) -> None:
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{self.folder / DB_NAME}: {exc}") from exc
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"{self.folder}: made by a newer trailer-gui (schema {version}, "
                f"this one knows {SCHEMA_VERSION})"
            )
        while version < SCHEMA_VERSION:
            with self.transaction() as db:
                MIGRATIONS[version](db)
                version += 1
                db.execute(f"PRAGMA user_version = {int(version)}")

    # ---- settings ------------------------------------------------------------------------
    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, str(value)),
                )

    def settings(self, prefix: str = "") -> dict[str, str]:
        rows = self.db.execute(
            "SELECT key, value FROM settings WHERE key LIKE ? ORDER BY key",
            (prefix.replace("%", r"\%") + "%",),
        )
        return dict(rows.fetchall())

    @property
    def annotator(self) -> str:
        """The project's default annotator: whose labels export and training use."""
        return self.setting("annotator") or current_user()

    # ---- genres --------------------------------------------------------------------------
    def genres(self) -> list[Genre]:
        rows = self.db.execute("SELECT name, color, key FROM genres ORDER BY position")
        return [Genre(*row) for row in rows.fetchall()]

    def genre_names(self) -> list[str]:
        return [g.name for g in self.genres()]

    def add_genre(self, genre: Genre) -> None:
        if genre.name in self.genre_names():
            raise ProjectError(f"genre {genre.name!r} exists already")
        with self.transaction() as db:
            (pos,) = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM genres").fetchone()
            db.execute(
                "INSERT INTO genres(name, position, color, key) VALUES (?, ?, ?, ?)",
                (genre.name, pos, genre.color, genre.key),
            )

    def update_genre(self, name: str, *, new_name=None, color=None, key=None) -> None:
        old = {g.name: g for g in self.genres()}.get(name)
        if old is None:
            raise ProjectError(f"no genre named {name!r}")
        new = Genre(new_name or old.name, color or old.color, key or old.key)  # validates
        with self.transaction() as db:
            # labels follow through ON UPDATE CASCADE
            db.execute(
                "UPDATE genres SET name = ?, color = ?, key = ? WHERE name = ?",
                (new.name, new.color, new.key, name),
            )

    def remove_genre(self, name: str) -> None:
        """Remove a genre and (through ON DELETE CASCADE) every label of it."""
        with self.transaction() as db:
            # the labels of that genre change: open editors must see a new revision
            db.execute(
                "UPDATE label_revisions SET revision = revision + 1, writer = ?, updated = ?"
                " WHERE (video_id, annotator) IN"
                " (SELECT video_id, annotator FROM labels WHERE genre = ?)",
                (writer(), _now(), name),
            )
            if db.execute("DELETE FROM genres WHERE name = ?", (name,)).rowcount == 0:
                raise ProjectError(f"no genre named {name!r}")

    # ---- videos --------------------------------------------------------------------------
    def _abs(self, stored: str) -> Path:
        p = Path(stored)
        return p if p.is_absolute() else self.folder / p

    def _stored_path(self, path: Path) -> str:
        path = Path(path).resolve()
        try:
            return path.relative_to(self.folder).as_posix()
        except ValueError:
            return str(path)

    def add_video(self, path: str | Path) -> Video:
        """Probe ``path`` and add it with the next id. Raises a VideoError for a bad file.
        Shot cuts are detected in the same decoding pass (``core.shots``) and stored, and the
        video's proxy is written in that pass too (``core.proxy``; never fails the add)."""
        from .proxy import ProxyRecorder, chain_hooks
        from .shots import ShotDetector
        from .video_probe import probe  # OpenCV import only when videos are touched

        detector = ShotDetector(bgr=True)
        with ProxyRecorder(self.folder, path) as proxy:  # the proxy, in the same pass (#14)
            info = probe(path, frame_hook=chain_hooks(detector.feed, proxy.feed))
            cuts = detector.finish() if detector.frames == info.frames else None
            vid = self._insert_video(path, info, cuts, detector.name)
            proxy.commit(vid, info.frames, info.fps, info.fingerprint)
        return self.video(vid)

    def _insert_video(self, path, info, cuts, detector_name: str) -> int:
        with self.transaction() as db:
            (vid,) = db.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM videos").fetchone()
            db.execute(
                "INSERT INTO videos(id, path, frames, fps, width, height, duration, has_audio,"
                " fingerprint, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (vid, self._stored_path(Path(path)), info.frames, info.fps, info.width,
                 info.height, info.duration, int(info.has_audio), info.fingerprint, _now()),
            )
            if cuts is not None:
                self._put_cuts(db, vid, cuts, detector_name)
        return vid

    def _video_from_row(self, row) -> Video:
        vid, path, frames, fps, width, height, duration, audio, fp = row
        return Video(vid, self._abs(path), frames, fps, width, height, duration, bool(audio), fp)

    _VIDEO_COLUMNS = "id, path, frames, fps, width, height, duration, has_audio, fingerprint"

    def videos(self) -> list[Video]:
        rows = self.db.execute(f"SELECT {self._VIDEO_COLUMNS} FROM videos ORDER BY id")
        return [self._video_from_row(r) for r in rows.fetchall()]

    def video(self, video_id: int) -> Video:
        row = self.db.execute(
            f"SELECT {self._VIDEO_COLUMNS} FROM videos WHERE id = ?", (int(video_id),)
        ).fetchone()
        if row is None:
            raise ProjectError(f"{self.folder}: no video with id {video_id}")
        return self._video_from_row(row)

    def check_video(self, video: Video) -> None:
        """Raise VideoMissing / VideoChanged when the file is gone or was replaced."""
        from .errors import VideoChanged, VideoMissing
        from .video_probe import fingerprint

        if not video.path.is_file():
            raise VideoMissing(video.path)
        if fingerprint(video.path) != video.fingerprint:
            raise VideoChanged(video.path)

    # ---- shots ---------------------------------------------------------------------------
    def cuts(self, video_id: int) -> list[int] | None:
        """The video's shot cuts (first frame of each shot after the first), or None if they
        were never detected (videos added before schema 2: see ``core.shots.ensure_cuts``)."""
        row = self.db.execute("SELECT cuts FROM shots WHERE video_id = ?", (int(video_id),)).fetchone()
        if row is None:
            return None
        from .shots import unpack_cuts

        return unpack_cuts(row[0])

    def cuts_detector(self, video_id: int) -> str | None:
        row = self.db.execute(
            "SELECT detector FROM shots WHERE video_id = ?", (int(video_id),)
        ).fetchone()
        return row[0] if row else None

    def set_cuts(self, video_id: int, cuts, detector: str = "manual") -> None:
        """Store (replace) a video's cuts; ``None`` forgets them."""
        video = self.video(video_id)
        with self.transaction() as db:
            if cuts is None:
                db.execute("DELETE FROM shots WHERE video_id = ?", (video.id,))
                return
            bad = [int(c) for c in cuts if not 0 < int(c) < video.frames]
            if bad:
                raise ProjectError(
                    f"video {video.id}: cuts must lie in 1..{video.frames - 1}, not {bad[:5]}"
                )
            self._put_cuts(db, video.id, cuts, detector)

    @staticmethod
    def _put_cuts(db: sqlite3.Connection, video_id: int, cuts, detector: str) -> None:
        from .shots import pack_cuts

        db.execute(
            "INSERT INTO shots(video_id, cuts, detector) VALUES (?, ?, ?) "
            "ON CONFLICT(video_id) DO UPDATE SET cuts = excluded.cuts, detector = excluded.detector",
            (int(video_id), pack_cuts(cuts), str(detector)),
        )


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False


def is_project(folder: str | Path) -> bool:
    return (Path(folder) / DB_NAME).is_file()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_save_npy(path: Path, array: np.ndarray) -> None:
    """np.save through a temporary file renamed into place: readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
