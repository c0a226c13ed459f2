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

How predictions compare with labels (disagreements, the uncertain places, accepting a range)
is plain NumPy in ``core.prediction_maths``; its names are re-exported here, so that callers
find a run's prediction and walk it through one module. No Qt here.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.prediction_maths import (  # noqa: F401 (re-exported, see the docstring)
    DEFAULT_THRESHOLD, UNCERTAIN_MARGIN, accepted_labels, disagreement, most_uncertain,
    next_disagreement, previous_disagreement, segment_starts, thresholded, trailer_note,
    uncertain_places, unsure_place_count,
)
from ..core.project_layout import (DECODED_LABELS_PREFIX, PREDICTION_PREFIX, PREDICTIONS_DIR,
                                   prediction_file)
from ..core.store import Project

STAGING_PREFIX = ".staging-"


def predictions_dir(project: Project) -> Path:
    return project.folder / PREDICTIONS_DIR


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
    return npy.with_name(DECODED_LABELS_PREFIX + npy.name.split("_", 1)[1])


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
        found = _read(run_predictions_dir(project, run) / prediction_file(video_id), frames, genres)
        if found is not None:
            return Prediction(video_id, run, *found)
    found = _read(predictions_dir(project) / prediction_file(video_id), frames, genres)
    if found is None:
        return None
    probs, meta, labels = found
    if run and meta.get("run") != run:
        return None
    return Prediction(video_id, str(meta.get("run", "")), probs, meta, labels)


def latest_predicted_run(project: Project) -> str | None:
    """The run of the most recent top-level prediction file, or None."""
    best = None
    for path in predictions_dir(project).glob(f"{PREDICTION_PREFIX}*.json"):
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
    for path in run_predictions_dir(project, run).glob(f"{PREDICTION_PREFIX}*.npy"):
        vid = _video_id(path)
        if vid is not None:
            ids.add(vid)
    for path in predictions_dir(project).glob(f"{PREDICTION_PREFIX}*.json"):
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
    for npy in sorted(staging.glob(f"{PREDICTION_PREFIX}*.npy")):
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

__all__ = [
    "DEFAULT_THRESHOLD", "Prediction", "accepted_labels", "disagreement", "labels_path",
    "latest_predicted_run",
    "load_run_prediction", "most_uncertain", "new_staging_dir", "next_disagreement",
    "predicted_ids", "predictions_dir", "previous_disagreement", "publish",
    "remove_stale_staging", "run_predictions_dir", "segment_starts", "thresholded",
    "trailer_note", "uncertain_places", "unsure_place_count",
]
