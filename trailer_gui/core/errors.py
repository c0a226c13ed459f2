"""Typed errors. Each one names the thing that is wrong and why, in one line."""

from __future__ import annotations

from pathlib import Path

from .project_layout import BACKUP_DIR


class TrailerError(Exception):
    """Base of every error the user should see as a one-line message."""


class VideoError(TrailerError):
    """A video file cannot be used. ``reason`` says why in a few words."""

    reason = "cannot be read"

    def __init__(self, path: str | Path, detail: str | None = None):
        self.path = Path(path)
        self.detail = detail
        text = f"{self.path}: {self.reason}"
        if detail:
            text += f" ({detail})"
        super().__init__(text)


class VideoMissing(VideoError):
    reason = "file not found"


class VideoEmpty(VideoError):
    reason = "file is empty"


class NotAVideo(VideoError):
    reason = "not a video file"


class NoVideoStream(VideoError):
    reason = "has no video stream"


class NoFrames(VideoError):
    reason = "has no decodable frames"


class TruncatedVideo(VideoError):
    """The container promises more frames than can be decoded."""

    reason = "is truncated"

    def __init__(self, path: str | Path, readable: int, expected: int):
        self.readable = readable
        self.expected = expected
        super().__init__(path, f"only {readable} of {expected} frames are readable")


class VideoChanged(VideoError):
    reason = "has changed on disk since it was added (size or time differ)"


class ProjectError(TrailerError):
    """The project folder or its database cannot be used."""


class LabelFormatError(TrailerError):
    """A label file does not fit the video or the project's genres."""


class DatasetError(TrailerError):
    """An exported dataset file is missing or does not have the expected shape."""


class Cancelled(TrailerError):
    """Long work was cancelled by the user; nothing half-written was left behind."""

    def __init__(self, what: str = "cancelled"):
        super().__init__(what)


class DamagedProject(ProjectError):
    """``project.sqlite`` is empty, not a database, or fails SQLite's quick check. Nothing was
    created or rewritten; ``backup`` is the newest backup that passed its check (or None)."""

    def __init__(self, path: str | Path, problem: str, backup: Path | None = None):
        self.path = Path(path)
        self.folder = self.path.parent
        self.problem = problem
        self.backup = backup
        if backup is not None:
            hint = (f"newest good backup: {_relative(backup, self.folder)}; "
                    f"run `trailer restore {self.folder}`")
        else:
            hint = f"no good backup in {self.folder / BACKUP_DIR}"
        super().__init__(f"{self.path}: damaged ({problem}); {hint}")


class ReadOnlyProject(ProjectError):
    """The project was opened read-only (its folder or store is not writable): no change can
    be saved. Raised by every write, so a caller that tries anyway gets this one line."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        super().__init__(f"{self.folder}: read-only project (the folder or project.sqlite is "
                         "not writable): changes cannot be saved")


def _relative(path: Path, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return str(path)
