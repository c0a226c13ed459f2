"""Segment-level metrics of temporal segmentation, as the field reports them (NumPy only).

Frame metrics say how many frames are right; an annotator who accepts a prediction cares about
*segments*: a 2-frame sliver of "horror" inside an action scene costs a correction whatever
its frame count.  Temporal action segmentation (MS-TCN, ASFormer, DiffAct, ...) reports:

* **Edit** (0-100): ``(1 - levenshtein(P, Y) / max(|P|, |Y|)) * 100`` where P and Y are the
  *sequences of segment labels* (order only, not lengths) of the prediction and the truth.
  Over-segmentation (slivers) and missed or extra scenes all lower it.
* **F1@k** (0-100), k in 10, 25, 50: each predicted segment, in order, takes the true segment
  of the same label with the highest IoU (intersection over union, in frames); it is a true
  positive when that IoU >= k/100 and that true segment was not taken yet, otherwise a false
  positive (greedy, as the reference: a segment whose best match is taken does not try the
  second best).  True segments never taken are false negatives.

Definitions follow ``eval.py`` of the MS-TCN repository (yabufarha/ms-tcn) with the end of the
last segment counted as in its PR #28 (a segment that runs to the end of the video ends at
``len``, not ``len - 1``).  Background (here: "genre absent", or "no genre" on the dominant
sequence) forms no segment.  Over several trailers, as the reference: TP/FP/FN are summed,
then F1 = 2TP / (2TP + FP + FN); Edit is the mean over trailers.

Undefined values are NaN (``null`` in JSON): F1 when no trailer has a segment in either the
truth or the prediction (the reference would print 0); the Edit of a trailer with no segment
in either (the reference divides by zero) does not enter the mean, and the mean of none is NaN.

Multi-label frames (several genres at once) are scored two ways:

* per genre: each genre as a present/absent track, segments of "present";
* the **dominant-genre sequence**: each frame's dominant genre is the first genre, in the
  run's genre order, that the frame carries, or "none" (background).  The same rule is
  applied to the truth and to the accepted prediction, so a frame predicted with exactly its
  true genres always has the right dominant genre.

plus two frame figures: dominant-genre accuracy, and the share of frames where every genre is
right (the frames an annotator would not have to touch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .gil import breathe

OVERLAPS = (0.10, 0.25, 0.50)
SEGMENT_KEYS = ("edit",) + tuple(f"f1@{round(o * 100)}" for o in OVERLAPS)
NONE = -1  # the dominant sequence's background: a frame without any genre


def segments(seq, background=NONE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, starts, ends) of the runs of equal values of `seq` that are not `background`;
    ``ends`` are exclusive (the last segment of a video ends at ``len(seq)``, PR #28)."""
    seq = np.asarray(seq).ravel()
    if not seq.size:
        empty = np.zeros(0, np.int64)
        return seq[:0], empty, empty
    change = np.flatnonzero(seq[1:] != seq[:-1]) + 1
    starts = np.concatenate(([0], change))  # not np.r_: 10x slower, and fit calls this a lot
    ends = np.concatenate((change, [len(seq)]))
    labels = seq[starts]
    keep = labels != background
    return labels[keep], starts[keep], ends[keep]


def levenshtein(a, b) -> int:
    """Edit distance between two label sequences (insert, delete, substitute: cost 1)."""
    a, b = np.asarray(a), np.asarray(b)
    if not len(a) or not len(b):
        return int(max(len(a), len(b)))
    cols = np.arange(len(b) + 1)
    row = cols.astype(np.int64)
    for i in range(1, len(a) + 1):
        # Deletion and substitution come from the previous row; insertion (from the left in
        # this row) is a running minimum: D[i, j] = min_k (tmp[k] + j - k).
        tmp = np.empty_like(row)
        tmp[0] = i
        tmp[1:] = np.minimum(row[1:] + 1, row[:-1] + (b != a[i - 1]))
        row = np.minimum.accumulate(tmp - cols) + cols
    return int(row[-1])


def edit_score(pred, truth, background=NONE) -> float:
    """Segmental Edit score (0-100) of one trailer; NaN when neither has a segment."""
    return _edit(segments(pred, background)[0], segments(truth, background)[0])


def _edit(predicted_labels, true_labels) -> float:
    """`edit_score` of the segments' label sequences, already found."""
    longest = max(len(predicted_labels), len(true_labels))
    if not longest:
        return math.nan
    return (1.0 - levenshtein(predicted_labels, true_labels) / longest) * 100.0


def f1_counts(pred, truth, overlap, background=NONE) -> tuple[int, int, int]:
    """(TP, FP, FN) of one trailer at IoU threshold `overlap` (0-1), greedy as the reference."""
    return _f1_counts(segments(pred, background), segments(truth, background), overlap)


def _f1_counts(predicted, true, overlap) -> tuple[int, int, int]:
    """`f1_counts` of segments already found: (labels, starts, ends) of each."""
    p_label, p_start, p_end = predicted
    y_label, y_start, y_end = true
    hits = np.zeros(len(y_label), bool)
    tp = fp = 0
    for label, start, end in zip(p_label, p_start, p_end):
        if not len(y_label):
            fp += 1
            continue
        intersection = np.minimum(end, y_end) - np.maximum(start, y_start)
        union = np.maximum(end, y_end) - np.minimum(start, y_start)
        iou = intersection / union * (y_label == label)
        best = int(np.argmax(iou))  # the first of equal best, as the reference
        if iou[best] >= overlap and not hits[best]:
            tp += 1
            hits[best] = True
        else:
            fp += 1
    return tp, fp, int(len(y_label) - hits.sum())


@dataclass
class SegmentTally:
    """Edit and F1@k of one track (a genre, or the dominant sequence) over several trailers."""

    background: int = NONE
    edits: list = field(default_factory=list)
    counts: np.ndarray = field(default_factory=lambda: np.zeros((len(OVERLAPS), 3), np.int64))

    def add(self, pred, truth) -> None:
        pred, truth = np.asarray(pred), np.asarray(truth)
        if pred.shape != truth.shape:
            raise ValueError(f"segment scores: prediction {pred.shape} and truth {truth.shape} "
                             "must have the same shape")
        breathe()  # called many times by decode.fit in the training worker (model/gil.py)
        predicted, true = segments(pred, self.background), segments(truth, self.background)
        self.edits.append(_edit(predicted[0], true[0]))  # segments found once for all scores
        for k, overlap in enumerate(OVERLAPS):
            self.counts[k] += _f1_counts(predicted, true, overlap)

    def result(self) -> dict:
        """``{"edit", "f1@10", "f1@25", "f1@50"}`` in 0-100, NaN where undefined."""
        edits = [e for e in self.edits if not math.isnan(e)]
        out = {"edit": float(np.mean(edits)) if edits else math.nan}
        for k, overlap in enumerate(OVERLAPS):
            tp, fp, fn = (int(v) for v in self.counts[k])
            out[f"f1@{round(overlap * 100)}"] = 200.0 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan
        return out


def dominant(labels) -> np.ndarray:
    """(frames,) int: the first genre (in column order) each frame carries, NONE without."""
    y = np.asarray(labels) > 0.5
    if y.ndim != 2:
        raise ValueError(f"dominant: labels must be (frames, genres), got {y.shape}")
    return np.where(y.any(axis=1), np.argmax(y, axis=1), NONE).astype(np.int64)


def segment_metrics(truths, preds, genre_names) -> dict:
    """Segment and frame figures of accepted predictions against labels, over trailers.

    truths, preds: sequences (one item per trailer) of (frames, genres) 0/1 arrays; `preds`
    are the labels an annotator would accept (thresholded or decoded), not probabilities.
    Returns ``{"genres": {name: {edit, f1@10, f1@25, f1@50}}, "macro": {...} (mean over
    genres, NaN ignored), "dominant": {...}, "dominant_accuracy": share, "all_right": share}``.
    """
    names = list(genre_names)
    truths, preds = list(truths), list(preds)
    if len(truths) != len(preds):
        raise ValueError(f"segment_metrics: {len(truths)} truths for {len(preds)} predictions")
    per_genre = [SegmentTally(background=0) for _ in names]
    dom = SegmentTally()
    frames = dom_right = all_right = 0
    for truth, pred in zip(truths, preds):
        y, p = np.asarray(truth) > 0.5, np.asarray(pred) > 0.5
        if y.shape != p.shape or y.ndim != 2 or y.shape[1] != len(names):
            raise ValueError(f"segment_metrics: truth {y.shape} and prediction {p.shape} must "
                             f"both be (frames, {len(names)})")
        for g, tally in enumerate(per_genre):
            tally.add(p[:, g].astype(np.int64), y[:, g].astype(np.int64))
        dy, dp = dominant(y), dominant(p)
        dom.add(dp, dy)
        frames += len(y)
        dom_right += int(np.sum(dy == dp))
        all_right += int(np.sum((y == p).all(axis=1)))
    genres = {name: tally.result() for name, tally in zip(names, per_genre)}
    macro = {}
    for key in SEGMENT_KEYS:
        values = [genres[n][key] for n in names if not math.isnan(genres[n][key])]
        macro[key] = float(np.mean(values)) if values else math.nan
    return {
        "genres": genres,
        "macro": macro,
        "dominant": dom.result(),
        "dominant_accuracy": dom_right / frames if frames else math.nan,
        "all_right": all_right / frames if frames else math.nan,
    }
