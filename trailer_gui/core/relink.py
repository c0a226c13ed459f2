"""Videos that move: relink a trailer to its file, remove a trailer, refuse duplicates.

A trailer's labels are tied to its frames, not to a path. When a file is moved, renamed or
re-encoded, :func:`relink_video` points the trailer at it again and keeps every label, as
long as it has the same number of frames; another count is refused, naming both counts,
unless forced (then each annotator's labels are cut or padded to the new length, after a
backup). :func:`remove_video` drops a trailer after a backup of the database, and the
files exported or predicted for it. :func:`duplicate_of` is the one check the CLI and the
app use to refuse adding a video that is already in the project (by path, or the same file
moved elsewhere).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import runs
from .errors import ProjectError, TrailerError
from .project_layout import PREDICTIONS_DIR, prediction_files
from .store import Project, Video, _now


class FrameCountMismatch(ProjectError):
    """The new file has another number of frames than the trailer's labels."""

    def __init__(self, video: Video, path: Path, frames: int):
        self.video, self.path, self.frames = video, Path(path), frames
        super().__init__(
            f"{path}: {frames} frames, but video {video.id} ({video.name}) has {video.frames};"
            " its labels would not fit. Relink anyway with --force (labels are cut or padded"
            f" to {frames} frames; a backup of the project is kept first)"
        )


def _content(fingerprint: str) -> str:
    """The fingerprint without the file's modification time: equal for a moved or copied
    file, different for another or re-encoded one (see ``core.video_probe.fingerprint``)."""
    parts = fingerprint.split(":")
    return ":".join(parts[:2] + parts[3:]) if len(parts) == 4 else fingerprint


def availability(video: Video) -> str:
    """'' when the file is there as it was added, else a few words saying what is wrong.
    Cheap (one stat, no hashing): for the trailer list; ``Project.check_video`` is exact."""
    try:
        st = video.path.stat()
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return exc.strerror or "cannot be read"
    parts = video.fingerprint.split(":")
    if len(parts) == 4 and (parts[1], parts[2]) != (str(st.st_size), str(st.st_mtime_ns)):
        return "changed on disk"
    return ""


def _video_at(videos: list[Video], path: Path) -> Video | None:
    try:
        resolved = path.resolve()
    except OSError:
        return None
    return next((v for v in videos if v.path.resolve() == resolved), None)


def duplicate_of(project: Project, path: str | Path) -> str | None:
    """Why ``path`` must not be added (it is a video of the project already), or None."""
    from .video_probe import fingerprint

    path = Path(path)
    videos = project.videos()
    same = _video_at(videos, path)
    if same is not None:
        return f"already in the project (video {same.id})"
    try:
        content = _content(fingerprint(path))
    except TrailerError:
        return None  # missing or unreadable: probing reports it properly
    for v in videos:
        if _content(v.fingerprint) == content:
            where = "" if v.path.is_file() else f"; it moved from {v.path}: use Locate… or trailer relink"
            return f"the same file as video {v.id} ({v.name}){where}"
    return None


@dataclass(frozen=True)
class RelinkResult:
    video: Video  # as it is now
    old: Video  # as it was
    backup: Path | None  # taken when labels had to be cut or padded
    cuts_detected: bool  # the shot cuts were detected again (another file's content)

    @property
    def summary(self) -> str:
        text = f"video {self.video.id} now reads {self.video.path} ({self.video.frames} frames)"
        if self.old.frames != self.video.frames:
            text += f"; labels fitted from {self.old.frames} frames, backup: {self.backup}"
        else:
            text += "; labels kept"
        return text


def relink_video(project: Project, video_id: int, path: str | Path, force: bool = False,
                 progress=None) -> RelinkResult:
    """Point a trailer at ``path`` (probed, with its shot cuts, in one decoding pass).

    Same frame count: every label stays. Another count: FrameCountMismatch unless ``force``;
    forced, labels are cut or padded with unlabelled frames after a backup."""
    from .safety_backup import backup_before_change
    from .shots import ShotDetector
    from .video_probe import probe

    old = project.video(video_id)
    path = Path(path)
    other = _video_at([v for v in project.videos() if v.id != old.id], path)
    if other is not None:
        raise ProjectError(f"{path}: already in the project as video {other.id}")
    detector = ShotDetector(bgr=True)
    step = None
    if progress is not None:  # a core.progress.Progress: cancellable, with a stage name
        def step(done, total):
            progress.update(done, total, f"Reading {path.name}")
    info = probe(path, frame_hook=detector.feed, progress=step)
    cuts = detector.finish() if detector.frames == info.frames else None
    if info.frames != old.frames and not force:
        raise FrameCountMismatch(old, path, info.frames)
    backup = backup_before_change(project, f"relink-{old.id}") if info.frames != old.frames else None
    same_content = _content(info.fingerprint) == _content(old.fingerprint)
    keep_cuts = same_content and project.cuts(old.id) is not None  # e.g. cuts edited by hand
    with project.transaction() as db:
        db.execute(
            "UPDATE videos SET path = ?, frames = ?, fps = ?, width = ?, height = ?,"
            " duration = ?, has_audio = ?, fingerprint = ? WHERE id = ?",
            (project._stored_path(path), info.frames, info.fps, info.width, info.height,
             info.duration, int(info.has_audio), info.fingerprint, old.id),
        )
        if info.frames != old.frames:
            _fit_labels(db, old, info.frames)
        if not keep_cuts:
            db.execute("DELETE FROM shots WHERE video_id = ?", (old.id,))
            if cuts is not None:
                project._put_cuts(db, old.id, cuts, detector.name)
    if info.frames != old.frames:
        _remove_predictions(project, old.id)  # they were made for the old frames
    return RelinkResult(project.video(old.id), old, backup, not keep_cuts and cuts is not None)


def _fit_labels(db, old: Video, frames: int) -> None:
    """Each stored genre track of the trailer, cut or padded to ``frames`` (same transaction)."""
    rows = db.execute(
        "SELECT annotator, genre, segments FROM labels WHERE video_id = ?", (old.id,)
    ).fetchall()
    stamp = _now()
    for annotator, genre, blob in rows:
        mask = runs.unpack(blob, old.frames)
        fitted = np.zeros(frames, dtype=bool)
        n = min(frames, old.frames)
        fitted[:n] = mask[:n]
        db.execute(
            "UPDATE labels SET frames = ?, segments = ?, updated = ?"
            " WHERE video_id = ? AND annotator = ? AND genre = ?",
            (frames, runs.pack(fitted), stamp, old.id, annotator, genre),
        )
    # Stores with label revisions (schema 3): open editors must see that these labels moved.
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'label_revisions'"
                  ).fetchone():
        db.execute(
            "UPDATE label_revisions SET revision = revision + 1, writer = ?, updated = ?"
            " WHERE video_id = ?",
            ("trailer relink --force", stamp, old.id),
        )


@dataclass(frozen=True)
class RemoveResult:
    video: Video
    labelled: dict[str, int]  # annotator -> labelled frames the backup keeps
    backup: Path


def remove_video(project: Project, video_id: int) -> RemoveResult:
    """Remove a trailer from the project, after a backup of the database that keeps its
    labels; its exported dataset files, predictions and proxy go too (ids may be used
    again)."""
    from .export import forget_exported
    from .safety_backup import backup_before_change

    video = project.video(video_id)
    labelled = {}
    for annotator in project.annotators(video.id):
        n = int(project.load_labels(video.id, annotator).any(axis=1).sum())
        if n:
            labelled[annotator] = n
    backup = backup_before_change(project, f"remove-{video.id}")
    with project.transaction() as db:
        db.execute("DELETE FROM labels WHERE video_id = ?", (video.id,))
        db.execute("DELETE FROM shots WHERE video_id = ?", (video.id,))
        db.execute("DELETE FROM videos WHERE id = ?", (video.id,))
    forget_exported(project, video.id)
    _remove_predictions(project, video.id)
    from .proxy import remove_proxy

    remove_proxy(project.folder, video.id)  # its proxy and cached thumbnails (issue #14)
    return RemoveResult(video, labelled, backup)


def _remove_predictions(project: Project, video_id: int) -> None:
    """The trailer's prediction files (``project_layout.prediction_files``: probabilities, what
    made them, decoded labels) in predictions/ and each run's predictions/<run>/"""
    base = project.folder / PREDICTIONS_DIR
    if not base.is_dir():
        return
    for folder in [base, *(p for p in base.iterdir() if p.is_dir())]:
        for name in prediction_files(video_id):
            try:
                os.unlink(folder / name)
            except FileNotFoundError:
                pass
