"""What every ``trailer`` command shares: opening a project, a progress bar, a warning line."""

from __future__ import annotations

import sys


def open_project(path):
    from ..core.store import Project

    return Project.open(path)


def progress_bar():
    """A bar redrawn on stderr on a terminal; silent when piped (logs stay readable)."""
    from ..core.progress import Progress, TerminalBar

    return Progress(TerminalBar()) if sys.stderr.isatty() else Progress()


def warn(line: str) -> None:
    """A video left out or a run skipped: the command goes on with the rest."""
    print(f"trailer: warning: {line}", file=sys.stderr, flush=True)
