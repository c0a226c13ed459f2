"""Labels in and out of a project: the seed's category npy, or CSV segments.

CSV rows are ``genre,start_frame,end_frame`` with the end exclusive and the genre by name,
under a header line. Round trips are exact. Files saved by spreadsheets import as they are:
a UTF-8 byte-order mark, CRLF line ends and ``;`` separators (locales with a decimal comma).

Importing *replaces* a trailer's labels, so :func:`import_labels` refuses a file without a
single label (empty, header only, all zeros): that is almost always the wrong file, and it
would erase hours of work. ``replace=True`` (``--replace``) or :func:`clear_labels` says so
on purpose; both keep a backup of the database first.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from dataclasses import dataclass

from . import runs
from .errors import LabelFormatError
from .store import Project, atomic_write_bytes

CSV_HEADER = ["genre", "start_frame", "end_frame"]


def read_labels(path: str | Path, frames: int, genres: list[str]) -> np.ndarray:
    """Read a label file into (frames, genres) bool, or raise LabelFormatError saying why."""
    path = Path(path)
    if not path.is_file():
        raise LabelFormatError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _read_npy(path, frames, genres)
    if suffix == ".csv":
        return _read_csv(path, frames, genres)
    raise LabelFormatError(f"{path}: unknown label format (use .npy or .csv)")


def _read_npy(path: Path, frames: int, genres: list[str]) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise LabelFormatError(f"{path}: not a readable .npy array ({exc})") from exc
    if arr.ndim == 4 and arr.shape[1] == 1 and arr.shape[3] == 1:
        arr = arr[:, 0, :, 0]
    elif arr.ndim != 2:
        raise LabelFormatError(
            f"{path}: shape {arr.shape}; expected ({len(genres)}, 1, {frames}, 1) "
            f"or ({len(genres)}, {frames})"
        )
    if arr.shape[0] != len(genres):
        raise LabelFormatError(
            f"{path}: {arr.shape[0]} genre rows; the project has {len(genres)} ({', '.join(genres)})"
        )
    if arr.shape[1] != frames:
        raise LabelFormatError(f"{path}: {arr.shape[1]} frames; the video has {frames}")
    if arr.dtype.kind not in "biuf":
        raise LabelFormatError(f"{path}: dtype {arr.dtype} is not numeric")
    values = np.asarray(arr, dtype=np.float64)
    if not np.isin(values, (0.0, 1.0)).all():
        raise LabelFormatError(f"{path}: values must be 0 or 1")
    return np.ascontiguousarray(values.T.astype(bool))


def _csv_delimiter(text: str) -> str:
    """``,`` unless the first non-blank line only splits on ``;`` (spreadsheets in locales
    with a decimal comma save CSV that way)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in first and "," not in first else ","


def _read_csv(path: Path, frames: int, genres: list[str]) -> np.ndarray:
    labels = np.zeros((frames, len(genres)), dtype=bool)
    try:
        # utf-8-sig drops the byte-order mark spreadsheets write; newline="" lets the csv
        # module see CRLF line ends as line ends, not as part of the last cell.
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelFormatError(f"{path}: unreadable ({exc})") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_csv_delimiter(text))
    for lineno, row in enumerate(reader, start=1):
        if not any(c.strip() for c in row) or (
            lineno == 1 and [c.strip().lower() for c in row] == CSV_HEADER
        ):
            continue
        where = f"{path}:{lineno}"
        if len(row) != 3:
            raise LabelFormatError(f"{where}: expected genre,start_frame,end_frame")
        genre, start, stop = (c.strip() for c in row)
        if genre not in genres:
            raise LabelFormatError(f"{where}: unknown genre {genre!r} (known: {', '.join(genres)})")
        try:
            start, stop = int(start), int(stop)
        except ValueError:
            raise LabelFormatError(f"{where}: frames must be whole numbers") from None
        if not 0 <= start < stop <= frames:
            raise LabelFormatError(
                f"{where}: segment {start}-{stop} does not fit the video's {frames} frames"
                " (need 0 <= start < end <= frames, end exclusive)"
            )
        labels[start:stop, genres.index(genre)] = True
    return labels


def write_labels(path: str | Path, labels: np.ndarray, genres: list[str]) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, labels.astype(np.float32).T[:, None, :, None], allow_pickle=False)
        atomic_write_bytes(path, buf.getvalue())
    elif suffix == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for col, genre in enumerate(genres):
            for start, stop in runs.to_segments(labels[:, col]):
                writer.writerow([genre, int(start), int(stop)])
        atomic_write_bytes(path, out.getvalue().encode())
    else:
        raise LabelFormatError(f"{path}: unknown label format (use .npy or .csv)")


@dataclass(frozen=True)
class ImportResult:
    labelled: int  # frames with at least one genre, after the import
    before: int  # the same, before it
    backup: Path | None  # the database copy taken first (only when labels were dropped)


def _labelled(labels: np.ndarray) -> int:
    return int(np.asarray(labels).any(axis=1).sum())


def import_labels(project: Project, video_id: int, path: str | Path,
                  annotator: str | None = None, replace: bool = False) -> ImportResult:
    """Replace one annotator's labels of a video with those of a file.

    A file with no label at all is refused (LabelFormatError naming the file, and how many
    labelled frames are kept) unless ``replace``; then a backup is taken first."""
    video = project.video(video_id)
    labels = read_labels(path, video.frames, project.genre_names())
    before = _labelled(project.load_labels(video.id, annotator))
    backup = None
    if not labels.any():
        if not replace:
            kept = (f"the trailer's {before} labelled frames are kept" if before
                    else "nothing was changed")
            raise LabelFormatError(
                f"{path}: no labels in this file (empty, header only or all zeros); {kept}."
                " Import it with --replace, or use `trailer labels clear`, to clear them"
            )
        if before:
            from .safety_backup import backup_before_change

            backup = backup_before_change(project, f"import-{video.id}")
    project.save_labels(video.id, labels, annotator=annotator)
    return ImportResult(_labelled(labels), before, backup)


def clear_labels(project: Project, video_id: int, annotator: str | None = None) -> ImportResult:
    """Remove one annotator's labels of a video, after a backup of the database."""
    video = project.video(video_id)
    names = project.genre_names()
    before = _labelled(project.load_labels(video.id, annotator))
    backup = None
    if before:
        from .safety_backup import backup_before_change

        backup = backup_before_change(project, f"clear-{video.id}")
        project.save_labels(video.id, np.zeros((video.frames, len(names)), bool), annotator=annotator)
    return ImportResult(0, before, backup)
