"""Which programs have a project open: one small file per open window.

``<project>/.sessions/<host>-<pid>-<token>.json`` holds the program, pid, host and start time;
its modification time is the heartbeat (touched every ``HEARTBEAT_S``). A session counts as
open while its heartbeat is fresh and, on this host, its process is alive, so entries left by
a crash or ``kill -9`` are ignored (and removed). Nothing here locks anything: a second window
still works, it is only told that another one is open. A read-only project gets no file.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

SESSIONS_DIR = ".sessions"
HEARTBEAT_S = 30
STALE_S = 4 * HEARTBEAT_S


@dataclass(frozen=True)
class Session:
    program: str
    pid: int
    host: str
    started: str
    path: Path

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"{self.program} (pid {self.pid}{where}, since {self.started})"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


class SessionFile:
    """This program's entry in a project's ``.sessions`` folder."""

    def __init__(self, project_folder: str | Path, program: str = "trailer-gui"):
        self.folder = Path(project_folder) / SESSIONS_DIR
        self.program = program
        self.host = socket.gethostname()
        self.path = self.folder / f"{self.host}-{os.getpid()}-{secrets.token_hex(4)}.json"
        self.registered = False

    def register(self) -> bool:
        """Write the entry. False (and no error) where the project cannot be written."""
        record = {"program": self.program, "pid": os.getpid(), "host": self.host,
                  "started": time.strftime("%Y-%m-%d %H:%M")}
        try:
            self.folder.mkdir(exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(record))
            os.replace(tmp, self.path)
        except OSError:
            return False
        self.registered = True
        return True

    def heartbeat(self) -> None:
        if self.registered:
            try:
                os.utime(self.path)
            except FileNotFoundError:  # removed by hand or by a cleaner: write it again
                self.register()
            except OSError:
                pass

    def others(self) -> list[Session]:
        """The other programs that have this project open now (stale entries removed)."""
        found = []
        try:
            entries = list(self.folder.glob("*.json"))
        except OSError:
            return []
        now = time.time()
        for path in entries:
            if path == self.path:
                continue
            try:
                record = json.loads(path.read_text())
                session = Session(str(record["program"]), int(record["pid"]),
                                  str(record["host"]), str(record["started"]), path)
                fresh = now - path.stat().st_mtime < STALE_S
            except (OSError, ValueError, KeyError, TypeError):
                continue  # half-written or removed meanwhile: not a session
            local = session.host == self.host
            if fresh and (not local or _pid_alive(session.pid)):
                found.append(session)
            else:  # its process died (crash, kill -9) or stopped beating
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    pass
        return sorted(found, key=lambda s: (s.started, s.pid))

    def close(self) -> None:
        if self.registered:
            self.path.unlink(missing_ok=True)
            self.registered = False
