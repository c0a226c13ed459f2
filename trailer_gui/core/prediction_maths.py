"""Predictions against labels, plain NumPy (no files, no Qt, no model): what a reviewer of a
model's predictions walks through.

``probs`` is (frames, genres) float probabilities, ``labels`` (frames, genres) bool: where the
thresholded prediction and the labels disagree, the next/previous disagreement, the most
uncertain frame and the uncertain *places* (U walks them, most uncertain first), the trailer's
note in the list, and the labels that accepting the prediction over a range would give.
Where predictions live on disk (per run, staged, published) is ``services.predictions``.
"""

from __future__ import annotations

import numpy as np

DEFAULT_THRESHOLD = 0.5


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
