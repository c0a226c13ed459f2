"""Per-genre, per-frame classification metrics in NumPy (no TensorFlow).

Conventions (a frame may carry several genres or none; genres are sparse):

* precision = TP / (TP + FP) at `threshold`; NaN when nothing is predicted positive.
* recall    = TP / (TP + FN); NaN when the genre never occurs.
* f1        = 2TP / (2TP + FP + FN); NaN only when the genre neither occurs nor is
              predicted (nothing to find, nothing found).  A genre that occurs but is never
              predicted scores 0, not NaN.
* ap        = average precision, as scikit-learn computes it: the sum over distinct score
              thresholds (descending) of (R_k - R_{k-1}) * P_k.  NaN when the genre never occurs.
* "macro"   = mean over genres of each value, ignoring NaN (NaN if all are NaN), so a genre
              absent from the validation trailers does not drag the average down.

JSON cannot hold NaN: `model.files.to_jsonable` writes them as null.
"""

from __future__ import annotations

import math

import numpy as np

KEYS = ("precision", "recall", "f1", "ap")


def _div(a, b) -> float:
    return float(a) / float(b) if b else math.nan


def average_precision(y_true, y_score) -> float:
    """Average precision of one genre (NaN when there is no positive)."""
    y = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    positives = y.sum()
    if positives == 0:
        return math.nan
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    # Last index of each run of equal scores: tied frames enter together.
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last]
    predicted = last + 1
    precision = tp / predicted
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def genre_metrics(y_true, y_prob, threshold=0.5, y_pred=None) -> dict:
    """precision, recall, f1, ap, support (frames with the genre), predicted (frames
    predicted positive) of one genre.  `y_pred`: the accepted 0/1 labels (e.g. decoded,
    `model.decode`) to score instead of ``y_prob >= threshold``; AP always ranks `y_prob`."""
    y = np.asarray(y_true).ravel() > 0.5
    p = np.asarray(y_prob, dtype=np.float64).ravel()
    pred = p >= threshold if y_pred is None else np.asarray(y_pred).ravel() > 0.5
    tp = int(np.sum(pred & y))
    fp = int(np.sum(pred & ~y))
    fn = int(np.sum(~pred & y))
    return {
        "precision": _div(tp, tp + fp),
        "recall": _div(tp, tp + fn),
        "f1": _div(2 * tp, 2 * tp + fp + fn),
        "ap": average_precision(y, p),
        "support": int(y.sum()),
        "predicted": int(pred.sum()),
    }


def _nanmean(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return float(sum(values) / len(values)) if values else math.nan


def per_genre_metrics(y_true, y_prob, genre_names, threshold=0.5, y_pred=None) -> dict:
    """Metrics of every genre plus their "macro" averages.

    y_true: (frames, genres) 0/1; y_prob: (frames, genres) probabilities; y_pred: optional
    (frames, genres) 0/1 accepted labels scored instead of ``y_prob >= threshold``.
    Returns ``{genre: {precision, recall, f1, ap, support, predicted}, ...,
    "macro": {precision, recall, f1, ap}}`` (genre order kept).
    """
    y_true = np.asarray(y_true)
    y_prob = np.asarray(y_prob)
    names = list(genre_names)
    if y_true.ndim != 2 or y_true.shape != y_prob.shape or y_true.shape[1] != len(names):
        raise ValueError(
            f"per_genre_metrics: y_true {y_true.shape} and y_prob {y_prob.shape} must both be "
            f"(frames, {len(names)})")
    if "macro" in names:
        raise ValueError("per_genre_metrics: a genre may not be called 'macro'")
    if y_true.size and not np.all((y_true == 0) | (y_true == 1)):
        raise ValueError("per_genre_metrics: y_true must hold 0/1 only")
    if y_pred is not None and np.shape(y_pred) != y_true.shape:
        raise ValueError(f"per_genre_metrics: y_pred {np.shape(y_pred)} must be {y_true.shape}")
    result = {
        name: genre_metrics(y_true[:, g], y_prob[:, g], threshold,
                            None if y_pred is None else np.asarray(y_pred)[:, g])
        for g, name in enumerate(names)
    }
    result["macro"] = {k: _nanmean([result[n][k] for n in names]) for k in KEYS}
    return result


def format_table(metrics: dict) -> str:
    """A plain-text table of a `per_genre_metrics` result (for the CLI and logs)."""

    def cell(v):
        return "   -  " if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:6.3f}"

    rows = [f"{'genre':<12} {'prec':>6} {'recall':>6} {'f1':>6} {'ap':>6} {'frames':>7}"]
    for name, m in metrics.items():
        support = "" if name == "macro" else f"{m['support']:>7d}"
        rows.append(f"{name:<12} " + " ".join(cell(m[k]) for k in KEYS) + f" {support}")
    return "\n".join(rows)
