"""Labels in and out of a project: the seed's category npy, or CSV segments.

CSV rows are ``genre,start_frame,end_frame`` with the end exclusive and the genre by name,
under a header line. Round trips are exact.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from . import runs
from .errors import LabelFormatError
from .store import atomic_write_bytes

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


def _read_csv(path: Path, frames: int, genres: list[str]) -> np.ndarray:
    labels = np.zeros((frames, len(genres)), dtype=bool)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelFormatError(f"{path}: unreadable ({exc})") from exc
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (lineno == 1 and [c.strip().lower() for c in row] == CSV_HEADER):
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
