"""A copy of ``project.sqlite`` taken just before a change that drops labels on purpose
(``trailer remove``, ``trailer labels clear``, an import with ``--replace``, a forced relink).

One small function, so that it can call the project's rotating backups (``core.backup``)
when they exist; until then it writes its own copy with SQLite's online backup API, which
copies a consistent snapshot even while another connection writes.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from .errors import ProjectError
from .store import DB_NAME, Project

BACKUP_DIR = "backups"


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
        finally:
            copy.close()
        part.replace(target)
    except (OSError, sqlite3.Error) as exc:
        part.unlink(missing_ok=True)
        raise ProjectError(f"{target}: cannot write a backup before changing labels ({exc})") from exc
    return target
