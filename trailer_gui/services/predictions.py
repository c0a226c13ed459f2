"""Predictions of model runs over trailers: where they live, how they compare with labels.

Files (float32 ``(source frames, genres)`` probabilities, one JSON beside each naming the run):

``predictions/pred_{id}.npy``          the latest prediction of each trailer, whatever the run
                                        (``trailer predict`` writes these; the JSON says which run)
``predictions/<run>/pred_{id}.npy``     every prediction the GUI published, kept per run, so that
                                        choosing a run in the runs list shows its curves at once
``labels_{id}.npy`` beside each          the run's decoded segments (same shape, 0/1 float32,
                                        `model.decode`), when the JSON's "decoding" is set: what
                                        the overlay's bars, N/Shift+N, the trailer note and
                                        Accept use.  Without it (older runs, ``--raw``) those
                                        threshold the probabilities as before.

The GUI predicts a whole set into a staging folder (``predictions/.staging-*``) and publishes
it only when complete (:func:`publish`): cancelling or failing while predicting leaves every
earlier file as it was. Publishing moves file by file with ``os.replace`` (atomic per file).

The rest is plain NumPy on ``probs`` (frames, genres) and ``labels`` (frames, genres) bool:
where the thresholded prediction and the labels disagree, the next/previous disagreement, the
most uncertain frame, and the labels that accepting the prediction over a range would give.
No Qt here.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.store import Project

STAGING_PREFIX = ".staging-"
DEFAULT_THRESHOLD = 0.5


def predictions_dir(project: Project) -> Path:
    return project.folder / "predictions"


def run_predictions_dir(project: Project, run: str) -> Path:
    return predictions_dir(project) / run


@dataclass
class Prediction:
    video_id: int
    run: str
    probs: np.ndarray  # (frames, genres) float32 in [0, 1], source frames
    meta: dict
    labels: np.ndarray | None = None  # (frames, genres) bool decoded segments, or None

    @property
    def frames(self) -> int:
        return int(self.probs.shape[0])

    def decided(self, threshold: float) -> np.ndarray:
        """(frames, genres) bool: what accepting the prediction gives, the decoded segments
        when the run stored a decoding, else the probabilities at ``threshold``."""
        return self.labels if self.labels is not None else thresholded(self.probs, threshold)


def labels_path(npy: Path) -> Path:
    """The decoded labels beside a ``pred_{id}.npy``."""
    return npy.with_name("labels_" + npy.name.split("_", 1)[1])


def _read(npy: Path, frames: int, genres: int) -> tuple[np.ndarray, dict, np.ndarray | None] | None:
    if not npy.is_file():
        return None
    try:
        probs = np.load(npy, allow_pickle=False)
        meta = json.loads(npy.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return None
    if probs.shape != (frames, genres) or not isinstance(meta, dict):
        return None  # made for another version of the video or of the genres
    return np.asarray(probs, np.float32), meta, _read_labels(npy, meta, probs.shape)


def _read_labels(npy: Path, meta: dict, shape) -> np.ndarray | None:
    """The decoded labels, when the JSON says they were written with these probabilities and
    they fit; None otherwise (the probabilities are then thresholded)."""
    if not meta.get("decoding"):
        return None
    try:
        labels = np.load(labels_path(npy), allow_pickle=False)
    except (OSError, ValueError):
        return None
    return labels > 0.5 if labels.shape == tuple(shape) else None


def load_run_prediction(project: Project, video_id: int, run: str | None,
                        frames: int, genres: int) -> Prediction | None:
    """The prediction of ``run`` for a video, or None. ``run=None``: the latest one, whatever
    its run. The per-run copy is preferred; the latest file counts if its JSON names ``run``."""
    if run:
        found = _read(run_predictions_dir(project, run) / f"pred_{video_id}.npy", frames, genres)
        if found is not None:
            return Prediction(video_id, run, *found)
    found = _read(predictions_dir(project) / f"pred_{video_id}.npy", frames, genres)
    if found is None:
        return None
    probs, meta, labels = found
    if run and meta.get("run") != run:
        return None
    return Prediction(video_id, str(meta.get("run", "")), probs, meta, labels)


def latest_predicted_run(project: Project) -> str | None:
    """The run of the most recent top-level prediction file, or None."""
    best = None
    for path in predictions_dir(project).glob("pred_*.json"):
        try:
            meta = json.loads(path.read_text())
            mtime = path.stat().st_mtime
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("run") and (best is None or mtime > best[0]):
            best = (mtime, str(meta["run"]))
    return best[1] if best else None


def predicted_ids(project: Project, run: str) -> set[int]:
    """Videos with a prediction of ``run`` (per-run copies, or latest files naming it)."""
    ids = set()
    for path in run_predictions_dir(project, run).glob("pred_*.npy"):
        vid = _video_id(path)
        if vid is not None:
            ids.add(vid)
    for path in predictions_dir(project).glob("pred_*.json"):
        vid = _video_id(path)
        try:
            if vid is not None and json.loads(path.read_text()).get("run") == run:
                ids.add(vid)
        except (OSError, ValueError, AttributeError):
            continue
    return ids


def _video_id(path: Path) -> int | None:
    try:
        return int(path.stem.split("_", 1)[1])
    except (IndexError, ValueError):
        return None


# ---- staging and publishing ---------------------------------------------------------------
def new_staging_dir(project: Project) -> Path:
    base = predictions_dir(project)
    base.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(project)
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=base))


def remove_stale_staging(project: Project) -> None:
    """Staging folders of this process are removed by their job; a killed process's stay
    behind and are never a finished set: remove those of other processes."""
    for folder in predictions_dir(project).glob(f"{STAGING_PREFIX}*"):
        pid = folder.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if pid != str(os.getpid()):
            shutil.rmtree(folder, ignore_errors=True)


def publish(project: Project, staging: Path, run: str) -> list[int]:
    """Move a complete staged set into ``predictions/<run>/`` and ``predictions/``, file by
    file (each replace is atomic), then remove the staging folder. Returns the video ids."""
    staging = Path(staging)
    top = predictions_dir(project)
    per_run = run_predictions_dir(project, run)
    per_run.mkdir(parents=True, exist_ok=True)
    ids = []
    for npy in sorted(staging.glob("pred_*.npy")):
        vid = _video_id(npy)
        if vid is None:
            continue
        # The decoded labels travel with their probabilities, first (the JSON, moved last,
        # says whether to use them); none staged (a raw prediction): earlier labels of this
        # trailer go, they belong to other probabilities.
        labels = labels_path(npy)
        for folder in (top, per_run):
            if labels.is_file():
                tmp = folder / f".{labels.name}.publish{os.getpid()}"
                shutil.copyfile(labels, tmp)
                os.replace(tmp, folder / labels.name)
            else:
                (folder / labels.name).unlink(missing_ok=True)
        for src in (npy, npy.with_suffix(".json")):
            if not src.is_file():
                continue
            tmp = top / f".{src.name}.publish{os.getpid()}"
            shutil.copyfile(src, tmp)
            os.replace(tmp, top / src.name)
            os.replace(src, per_run / src.name)
        ids.append(vid)
    shutil.rmtree(staging, ignore_errors=True)
    return ids


# ---- predictions against labels -----------------------------------------------------------
def thresholded(probs: np.ndarray, threshold: float) -> np.ndarray:
    return np.asarray(probs) >= threshold


def disagreement(probs: np.ndarray, labels: np.ndarray, threshold: float,
                 decided: np.ndarray | None = None) -> np.ndarray:
    """(frames, genres) bool: where the prediction differs from the labels.  The prediction
    is `decided` (the decoded segments, `Prediction.decided`) when given, else the
    probabilities thresholded."""
    predicted = thresholded(probs, threshold) if decided is None else np.asarray(decided, bool)
    return predicted != np.asarray(labels, dtype=bool)


def segment_starts(mask_any: np.ndarray) -> np.ndarray:
    """First frame of each run of True in a (frames,) bool vector."""
    m = np.asarray(mask_any, dtype=bool)
    if not m.size:
        return np.zeros(0, np.int64)
    return np.flatnonzero(m & ~np.concatenate(([False], m[:-1])))


def next_disagreement(mask: np.ndarray, frame: int) -> int | None:
    """Start of the next disagreement (any genre) after ``frame``'s own, or None.

    A run of disagreeing frames counts once: from inside a run, the next one is the start of
    the following run, so pressing N walks from one disagreement to the next."""
    m = np.asarray(mask, dtype=bool)
    any_ = m.any(axis=1) if m.ndim == 2 else m
    starts = segment_starts(any_)
    later = starts[starts > frame]
    return int(later[0]) if len(later) else None


def previous_disagreement(mask: np.ndarray, frame: int) -> int | None:
    """Start of the disagreement before the one ``frame`` is in (or the last one before it)."""
    m = np.asarray(mask, dtype=bool)
    any_ = m.any(axis=1) if m.ndim == 2 else m
    starts = segment_starts(any_)
    earlier = starts[starts < frame]
    if not len(earlier):
        return None
    # Inside a run (not at its start): its own start first, as "previous" in an editor does.
    return int(earlier[-1])


def most_uncertain(probs: np.ndarray, threshold: float) -> tuple[int, int] | None:
    """(frame, genre) whose probability is nearest the threshold; None without frames."""
    p = np.asarray(probs, dtype=np.float32)
    if not p.size:
        return None
    flat = int(np.argmin(np.abs(p - threshold)))
    frame, genre = divmod(flat, p.shape[1])
    return frame, genre


UNCERTAIN_MARGIN = 0.15  # |p - threshold| below this counts as "the model is unsure"


def uncertain_places(probs: np.ndarray, threshold: float,
                     margin: float = UNCERTAIN_MARGIN) -> list[tuple[int, int]]:
    """(frame, genre) of each uncertain *place*, most uncertain first: what to label next.

    A place is a run of frames where some genre's probability is within `margin` of the
    threshold; it is represented by its most uncertain frame.  Runs, not frames, so that
    pressing U walks to a new part of the trailer each time instead of to the neighbour of
    the frame just seen.  Without any frame inside the margin: the single most uncertain one.
    """
    p = np.asarray(probs, dtype=np.float32)
    if not p.size:
        return []
    nearest, genre, inside = _unsure_frames(p, threshold, margin)
    starts = segment_starts(inside)
    if not len(starts):
        frame, g = most_uncertain(p, threshold)
        return [(frame, g)]
    stops = np.flatnonzero(inside & ~np.concatenate((inside[1:], [False]))) + 1
    places = []
    for start, stop in zip(starts, stops):
        frame = int(start + np.argmin(nearest[start:stop]))
        places.append((float(nearest[frame]), frame, int(genre[frame])))
    places.sort()
    return [(frame, g) for _, frame, g in places]


def unsure_place_count(probs: np.ndarray, threshold: float,
                       margin: float = UNCERTAIN_MARGIN) -> int:
    """How many runs of frames have some genre within `margin` of the threshold (the
    places `uncertain_places` ranks)."""
    p = np.asarray(probs, dtype=np.float32)
    if not p.size:
        return 0
    return len(segment_starts(_unsure_frames(p, threshold, margin)[2]))


def _unsure_frames(p: np.ndarray, threshold: float, margin: float):
    """Per frame: distance of the genre nearest the threshold, that genre, and whether it is
    within `margin`."""
    distance = np.abs(p - threshold)
    nearest = distance.min(axis=1)
    return nearest, distance.argmin(axis=1), nearest < margin


def trailer_note(probs: np.ndarray, labels: np.ndarray, threshold: float,
                 decided: np.ndarray | None = None) -> str:
    """One line for the trailer list: what to label next at a glance.

    A labelled trailer: the share of frames where the prediction (`decided`, else
    thresholded) matches the labels on every genre.  An unlabelled one: how many places the model is unsure about
    (the places U walks through).  Short: it shares a line of the list with the labelled
    share."""
    labels = np.asarray(labels, dtype=bool)
    if labels.any():
        agree = 1.0 - disagreement(probs, labels, threshold, decided).any(axis=1).mean()
        return f"model agrees {100 * agree:.0f}%"
    n = unsure_place_count(probs, threshold)
    return f"{n} place{'s' if n != 1 else ''} to check" if n else "model is sure"


def accepted_labels(probs: np.ndarray, threshold: float, start: int, stop: int,
                    decided: np.ndarray | None = None) -> np.ndarray:
    """The labels that accepting the prediction over [start, stop) gives (all genres): the
    decoded segments `decided` when given, else the thresholded probabilities."""
    start, stop = max(0, int(start)), min(len(probs), int(stop))
    if decided is not None:
        return np.asarray(decided, bool)[start:stop].copy()
    return thresholded(probs[start:stop], threshold)


__all__ = [
    "DEFAULT_THRESHOLD", "Prediction", "accepted_labels", "disagreement", "labels_path",
    "latest_predicted_run",
    "load_run_prediction", "most_uncertain", "new_staging_dir", "next_disagreement",
    "predicted_ids", "predictions_dir", "previous_disagreement", "publish",
    "remove_stale_staging", "run_predictions_dir", "segment_starts", "thresholded",
    "trailer_note", "uncertain_places", "unsure_place_count",
]
