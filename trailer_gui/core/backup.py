"""Backups of ``project.sqlite``, damage detection and restore (no Qt here).

A backup is a full copy made with SQLite's online backup API (consistent even while another
connection writes), switched to a single self-contained file (rollback journal, no -wal/-shm),
checked with ``PRAGMA integrity_check`` before it counts, and only then renamed into
``PROJECT/backups/project-<UTC time>.sqlite``. The newest ``KEEP`` stay; older ones are removed
only after a new good one is in place, and a damaged store is never backed up, so a damaged
store can never push good backups out. A copy identical to the newest backup is not kept twice
(opening a project ten times without editing keeps the older backups).

Every check here opens the store read-only (``mode=ro``): looking at a damaged file never
creates, migrates or rewrites it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from .errors import DamagedProject, ProjectError
from .project_layout import BACKUP_DIR, DB_NAME

KEEP = 10
SQLITE_MAGIC = b"SQLite format 3\x00"
_PREFIX = "project-"
_SUFFIX = ".sqlite"
_STAMP = "%Y-%m-%dT%H-%M-%S"  # then ".mmmZ": names sort by time; no ':' (Windows)
WAL_SIDE_FILES = ("-wal", "-shm", "-journal")


# ---- looking at a store without changing it ----------------------------------------------
def connect_read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection. A WAL store in a read-only folder without its -wal/-shm files
    cannot be opened with ``mode=ro`` alone (SQLite would create the -shm); then
    ``immutable=1``, which misses nothing: without a -wal file all content is in the store."""
    path = Path(path).resolve()
    uri = f"file:{quote(str(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if Path(f"{path}-wal").exists() or os.access(path.parent, os.W_OK):
            raise
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False)


@dataclass(frozen=True)
class StoreHealth:
    problem: str | None  # None: the store is usable
    schema: int = 0  # PRAGMA user_version (0 when unknown)


def inspect_store(path: str | Path, thorough: bool = False) -> StoreHealth:
    """Is the SQLite file at ``path`` damaged? quick_check (or, ``thorough``, integrity_check)
    through a read-only connection; a 0-byte or non-SQLite file is named as such. A file that
    cannot be *reached* (no permission, locked) is not damage: that raises ProjectError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        return StoreHealth("empty file, 0 bytes")
    if head != SQLITE_MAGIC:
        return StoreHealth("not an SQLite database")
    check = "integrity_check" if thorough else "quick_check"
    try:
        conn = connect_read_only(path)
        try:
            rows = conn.execute(f"PRAGMA {check}").fetchall()
            schema = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:  # locked, cannot open: the file may be fine
        if "malformed" not in str(exc) and "not a database" not in str(exc):
            raise ProjectError(f"{path}: cannot be opened ({exc})") from exc
        return StoreHealth(str(exc))
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed", ...
        return StoreHealth(str(exc))
    if rows != [("ok",)]:
        first = str(rows[0][0]).replace("*** in database main ***", "").strip()
        return StoreHealth(f"{check} failed: {first.splitlines()[0] if first else '?'}")
    return StoreHealth(None, int(schema))


def check_store(folder: str | Path) -> StoreHealth:
    """Raise :class:`DamagedProject` (naming the newest good backup) if the project's store
    cannot be used; else its health (with its schema version)."""
    folder = Path(folder)
    health = inspect_store(folder / DB_NAME)
    if health.problem is not None:
        raise DamagedProject(folder / DB_NAME, health.problem, newest_good_backup(folder))
    return health


# ---- backups ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Backup:
    path: Path
    time: datetime  # UTC, from the name

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def local_time(self) -> str:
        return self.time.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def backup_dir(folder: str | Path) -> Path:
    return Path(folder) / BACKUP_DIR


def _parse_name(name: str) -> datetime | None:
    if not (name.startswith(_PREFIX) and name.endswith("Z" + _SUFFIX)):
        return None
    stamp = name[len(_PREFIX):-len("Z" + _SUFFIX)]
    try:
        main, ms = stamp.rsplit(".", 1)
        t = datetime.strptime(main, _STAMP).replace(tzinfo=timezone.utc)
        return t.replace(microsecond=int(ms) * 1000)
    except ValueError:
        return None


def _backup_name(when: datetime) -> str:
    return f"{_PREFIX}{when.strftime(_STAMP)}.{when.microsecond // 1000:03d}Z{_SUFFIX}"


def list_backups(folder: str | Path) -> list[Backup]:
    """The project's backups, newest first (only files named like ours: nothing else in
    ``backups/`` is ever listed, rotated or removed)."""
    out = []
    d = backup_dir(folder)
    if d.is_dir():
        for path in d.iterdir():
            when = _parse_name(path.name)
            if when is not None and path.is_file():
                out.append(Backup(path, when))
    out.sort(key=lambda b: b.time, reverse=True)
    return out


def newest_good_backup(folder: str | Path) -> Path | None:
    """The newest backup that passes SQLite's quick check (backups can rot on disk too)."""
    for b in list_backups(folder):
        if backup_problem(b.path) is None:
            return b.path
    return None


def backup_problem(path: Path, thorough: bool = False) -> str | None:
    """Why a backup file cannot be used (damage, or no access), or None."""
    try:
        return inspect_store(path, thorough).problem
    except ProjectError as exc:
        return str(exc)


@dataclass(frozen=True)
class BackupResult:
    path: Path  # the backup that now holds the store's content
    created: bool  # False: identical to the newest backup, which was kept instead
    removed: tuple[Path, ...] = ()  # older backups rotated out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def take_backup(folder: str | Path, keep: int = KEEP) -> BackupResult:
    """Copy the project's store into ``backups/`` (see the module's doc). Raises
    DamagedProject for a damaged store (no backup is made, none removed) and ProjectError
    when the copy fails its integrity check or cannot be written."""
    folder = Path(folder)
    keep = max(1, int(keep))
    check_store(folder)  # a damaged store is never backed up
    out = backup_dir(folder)
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"{out}: cannot make the backup folder ({exc.strerror or exc})") from exc
    _remove_stale_parts(out)
    tmp = out / f".{_PREFIX}{os.getpid()}-{time.monotonic_ns()}{_SUFFIX}.part"
    try:
        _copy_store(folder / DB_NAME, tmp)
        problem = inspect_store(tmp, thorough=True).problem
        if problem is not None:
            raise ProjectError(f"{folder / DB_NAME}: its backup copy fails the check ({problem});"
                               " no backup was kept")
        existing = list_backups(folder)
        if existing and _sha256(existing[0].path) == _sha256(tmp):
            return BackupResult(existing[0].path, False)
        now = datetime.now(timezone.utc)
        when = now.replace(microsecond=now.microsecond // 1000 * 1000)  # names keep ms
        if existing and when <= existing[0].time:  # the clock moved back: names stay in order
            when = existing[0].time + timedelta(milliseconds=1)
        target = out / _backup_name(when)
        while target.exists():
            when += timedelta(milliseconds=1)
            target = out / _backup_name(when)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise ProjectError(f"{folder / DB_NAME}: backup failed ({exc})") from exc
    except OSError as exc:
        raise ProjectError(f"{out}: backup failed ({exc.strerror or exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    removed = []
    for old in list_backups(folder)[keep:]:
        try:
            old.path.unlink()
            removed.append(old.path)
        except OSError:
            pass  # a backup too many is no harm
    return BackupResult(target, True, tuple(removed))


def _remove_stale_parts(out: Path, age_s: float = 3600) -> None:
    """A process killed mid-backup leaves its .part (and SQLite's -journal of it); an hour on,
    no backup is still writing it."""
    limit = time.time() - age_s
    for part in out.glob(f".{_PREFIX}*.part*"):
        try:
            if part.stat().st_mtime < limit:
                part.unlink()
        except OSError:
            pass


def _copy_store(src: Path, dst: Path) -> None:
    # The store was just checked. A plain connection (where allowed) lets SQLite tidy its
    # -wal/-shm files when the last connection closes; a read-only one would leave them.
    if writable(src.parent):
        source = sqlite3.connect(src, timeout=30, isolation_level=None)
    else:
        source = connect_read_only(src)
    try:
        target = sqlite3.connect(dst, isolation_level=None)
        try:
            source.backup(target)  # one step: one consistent snapshot, writers go on (WAL)
            # One self-contained file: no -wal/-shm beside a backup, ever.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        with open(dst, "rb+") as fh:
            os.fsync(fh.fileno())
    finally:
        source.close()


# ---- restore ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreResult:
    backup: Path  # what was put back
    kept_aside: tuple[Path, ...]  # the replaced store (and its -wal/-shm), renamed, not deleted
    was_damaged: bool


def resolve_backup(folder: str | Path, name: str | Path | None) -> Path:
    """``None``: the newest good backup; else a path, or a name inside ``backups/``."""
    folder = Path(folder)
    if name is None:
        path = newest_good_backup(folder)
        if path is None:
            raise ProjectError(f"{backup_dir(folder)}: no good backup to restore")
        return path
    for candidate in (Path(name), backup_dir(folder) / str(name)):
        if candidate.is_file():
            return candidate
    known = ", ".join(b.name for b in list_backups(folder)[:3]) or "none"
    raise ProjectError(f"{name}: no such backup (newest in {backup_dir(folder)}: {known})")


def restore_backup(folder: str | Path, name: str | Path | None = None) -> RestoreResult:
    """Put a backup back as ``project.sqlite``. The current store, damaged or not, is renamed
    ``project.sqlite.damaged-<time>`` (or ``.replaced-<time>``) with its -wal/-shm renamed to
    match, so it can still be opened and nothing is deleted. A healthy store that another
    program has open is not replaced (its next saves would go into the renamed copy)."""
    folder = Path(folder)
    backup = resolve_backup(folder, name)
    problem = backup_problem(backup, thorough=True)
    if problem is not None:
        raise ProjectError(f"{backup}: not a good backup ({problem}); nothing was changed")
    db = folder / DB_NAME
    if not folder.is_dir():
        raise ProjectError(f"{folder}: not a folder")
    was_damaged = db.exists() and backup_problem(db) is not None
    if db.exists() and not was_damaged:
        _fold_wal_or_refuse(db)
    # Copy first: a failure here leaves everything as it was.
    tmp = folder / f".{DB_NAME}.restore{os.getpid()}"
    try:
        _copy_file(backup, tmp)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside_name = f"{DB_NAME}.{'damaged' if was_damaged else 'replaced'}-{stamp}"
        n = 1
        while (folder / aside_name).exists():
            n += 1
            aside_name = f"{DB_NAME}.{'damaged' if was_damaged else 'replaced'}-{stamp}-{n}"
        kept = []
        # The main file first: if a side file cannot be moved, the store is still whole.
        for suffix in ("", *WAL_SIDE_FILES):
            src = folder / f"{DB_NAME}{suffix}"
            if src.exists():
                dst = folder / f"{aside_name}{suffix}"
                os.rename(src, dst)
                kept.append(dst)
        os.replace(tmp, db)
    except OSError as exc:
        raise ProjectError(f"{db}: restore failed ({exc.strerror or exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return RestoreResult(backup, tuple(kept), was_damaged)


def _fold_wal_or_refuse(db: Path) -> None:
    """A healthy store about to be replaced: refuse while another program has it open (its
    next saves would go into the renamed file, unseen), else fold its WAL into it so the copy
    kept aside is one whole file. Leaving WAL mode needs the only connection, so it doubles
    as the test; the app's next open switches back to WAL."""
    try:
        conn = sqlite3.connect(db, timeout=0.5, isolation_level=None)
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ProjectError(f"{db}: open in another program (the app?); close it, then "
                               "restore") from exc
        raise ProjectError(f"{db}: cannot be replaced ({exc})") from exc
    if mode != "delete":
        raise ProjectError(f"{db}: open in another program (the app?); close it, then restore")


def _copy_file(src: Path, dst: Path) -> None:
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while block := fin.read(1 << 20):
            fout.write(block)
        fout.flush()
        os.fsync(fout.fileno())


def writable(folder: str | Path) -> bool:
    """Can this process save to the project? SQLite needs the store and its folder (where the
    -wal/-shm files live) writable."""
    folder = Path(folder)
    return os.access(folder, os.W_OK) and os.access(folder / DB_NAME, os.W_OK)
