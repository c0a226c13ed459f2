"""A copy of ``project.sqlite`` taken just before a change that drops labels on purpose
(``trailer remove``, ``trailer labels clear``, an import with ``--replace``, a forced relink).

One small function, so that the project's backups (``core.backup``) can take it over. It
writes its own copy with SQLite's online backup API (a consistent snapshot even while another
connection writes), checked before it counts. Its name carries the reason
(``project-20261202-061500-remove-3.sqlite``), and on purpose it does not follow the rotating
backups' naming: those keep the last few, and the labels of a removed trailer must not
rotate away after a few openings of the project.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from .errors import ProjectError
from .project_layout import BACKUP_DIR
from .store import DB_NAME, Project



def backup_before_change(project: Project, why: str) -> Path:
    """Copy the project's database into ``backups/`` and return the copy's path.

    ``why`` (e.g. ``"remove-3"``) becomes part of the file name so a user can tell the copies
    apart. Raises ProjectError naming the file when the copy cannot be made: the caller must
    not go on to drop labels without it."""
    folder = project.folder / BACKUP_DIR
    tag = re.sub(r"[^A-Za-z0-9_.-]+", "-", why).strip("-") or "change"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{Path(DB_NAME).stem}-{stamp}-{tag}.sqlite"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{Path(DB_NAME).stem}-{stamp}-{tag}-{n}.sqlite"
    part = target.with_name(target.name + ".part")
    try:
        folder.mkdir(exist_ok=True)
        copy = sqlite3.connect(part)
        try:
            project.db.backup(copy)
            (verdict,) = copy.execute("PRAGMA quick_check").fetchone()
        finally:
            copy.close()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"the copy fails SQLite's check: {verdict}")
        part.replace(target)
    except (OSError, sqlite3.Error) as exc:
        try:
            part.unlink(missing_ok=True)
        except OSError:
            pass  # e.g. "backups" is not a folder: there is no part file either
        raise ProjectError(f"{target}: cannot write a backup before changing labels ({exc})") from exc
    return target
