"""Project use cases: adding videos (the GUI, in a ``workers.tasks.Task`` thread, and `trailer
add`), making the demo.

Plain functions, Qt-free. The thread jobs (``add_videos``, ``make_demo_atomically``) are called
as ``fn(progress, ...)``; each opens its own ``Project`` (its own sqlite connection in that
thread) and closes it when done.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import VideoError
from ..core.relink import duplicate_of
from ..core.store import Project


@dataclass
class AddResult:
    added: list[int]
    refused: list[tuple[str, str]]  # (path, reason)


def add_to_project(project: Project, paths: list[str], progress=None) -> AddResult:
    """Add each video to an open project. A video already in it (the same file, or one with
    the same content), one that cannot be read or a file that cannot be opened is refused with
    its reason, and the rest are still added: the one rule of the GUI and `trailer add`."""
    result = AddResult([], [])
    for i, path in enumerate(paths):
        if progress is not None:
            progress.update(i, len(paths), f"Adding {Path(path).name}")
        p = Path(path)
        why = duplicate_of(project, p)
        if why is not None:
            result.refused.append((str(path), why))
            continue
        try:
            video = project.add_video(p)
        except VideoError as exc:
            reason = exc.reason + (f" ({exc.detail})" if exc.detail else "")
            result.refused.append((str(path), reason))
            continue
        except OSError as exc:
            result.refused.append((str(path), exc.strerror or str(exc)))
            continue
        result.added.append(video.id)
    if progress is not None:
        progress.update(len(paths), len(paths), "Added")
    return result


def add_videos(progress, folder: Path, paths: list[str]) -> AddResult:
    """``add_to_project`` in a worker thread, on the thread's own connection to the project."""
    project = Project.open(folder)
    try:
        return add_to_project(project, paths, progress)
    finally:
        project.close()


def make_demo_atomically(progress, folder: Path, trailers: int, seconds: float,
                         sound: bool = True) -> Path:
    """Make the demo in ``<folder>.part`` and rename it into place when complete."""
    from ..demo.project import make_demo

    folder = Path(folder)
    part = folder.with_name(folder.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.parent.mkdir(parents=True, exist_ok=True)
    try:
        make_demo(part, trailers=trailers, seconds=seconds, progress=progress, sound=sound).close()
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        os.replace(part, folder)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return folder
