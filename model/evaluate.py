"""How good a run's predictions are on given trailers: per-genre frame metrics and the
field's segment metrics, of the labels an annotator would accept (decoded, `model.decode`).

Report (`evaluate_report`, `score`; JSON via `model.files.to_jsonable`, NaN -> null)::

    {"metrics": {genre: {precision, recall, f1, ap, support, predicted,
                         "segments": {edit, f1@10, f1@25, f1@50}}, ...,
                 "macro": {precision, recall, f1, ap, "segments": {...}}},
     "dominant": {"accuracy": share of frames, "segments": {edit, f1@10, f1@25, f1@50}},
     "all_genres_right": share of frames,
     "decoding": the run's decoding parameters, or null (plain thresholding)}

Precision/recall/F1 and the segment figures score the accepted labels; AP ranks the raw
probabilities.  Segment figures are 0-100 (as the field prints them), the rest 0-1.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .data import WindowReader, check_dataset, labelled_ids, read_manifest
from .decode import PLAIN, Decoding, decode, fit
from .errors import ModelDataError, ModelRunError
from .files import CONFIG_FILE, read_run_config
from .metrics import per_genre_metrics
from .segments import segment_metrics


def run_decoding(run_dir) -> Decoding | None:
    """The decoding stored with a run (``config.json`` "decoding"); None for runs made before
    decoding existed or without a config.json (their predictions are thresholded as before).
    ModelRunError naming the file when it is unreadable or the decoding is bad."""
    if not (Path(run_dir) / CONFIG_FILE).is_file():
        return None
    config = read_run_config(run_dir)
    data = config.get("decoding")
    if data is None:
        return None
    try:
        return Decoding.from_dict(data)
    except ValueError as exc:
        raise ModelRunError(f"{run_dir}/config.json: {exc}") from None


def accept(probs, cuts, decoding: Decoding | None, threshold=0.5) -> np.ndarray:
    """(frames, genres) float32 0/1: decoded, or thresholded without decoding."""
    if decoding is None:
        return (np.asarray(probs) >= threshold).astype(np.float32)
    return decode(probs, cuts, decoding)


def score(truths, probs, cuts, genres, decoding: Decoding | None, threshold=0.5) -> dict:
    """The report (module docstring) of per-trailer truths, probabilities and cuts."""
    truths = [np.asarray(t, np.float32) for t in truths]
    preds = [accept(p, c, decoding, threshold) for p, c in zip(probs, cuts)]
    metrics = per_genre_metrics(np.concatenate(truths), np.concatenate(probs), genres, threshold,
                                y_pred=np.concatenate(preds))
    seg = segment_metrics(truths, preds, genres)
    for name in genres:
        metrics[name]["segments"] = seg["genres"][name]
    metrics["macro"]["segments"] = seg["macro"]
    return {
        "metrics": metrics,
        "dominant": {"accuracy": seg["dominant_accuracy"], "segments": seg["dominant"]},
        "all_genres_right": seg["all_right"],
        "decoding": None if decoding is None else decoding.to_dict(),
    }


def evaluate_report(run_dir, dataset_dir, ids=None, threshold=0.5, chunk=None,
                    decoding="run") -> dict:
    """The report over all frames of the given trailers (default: every labelled trailer).

    Each trailer is predicted whole (chunks carrying recurrent state, restarted at cuts), in
    inference mode.  decoding: "run" (the run's stored decoding, plain thresholding for older
    runs), None (threshold the raw probabilities) or a `Decoding`."""
    from .predict import DEFAULT_CHUNK, Predictor, _load_with_genres, check_compatible

    model, genres = _load_with_genres(run_dir)
    if decoding == "run":
        decoding = run_decoding(run_dir)
    manifest = read_manifest(dataset_dir)
    check_compatible(model, genres, manifest, dataset_dir)
    infos = check_dataset(dataset_dir, ids, manifest=manifest)
    if ids is None:
        keep = set(labelled_ids(infos))
        infos = [i for i in infos if i.id in keep]
        if not infos:
            raise ModelDataError(f"{dataset_dir}: no labelled trailer to evaluate")
    reader = WindowReader(infos)
    predictor = Predictor(model, chunk or DEFAULT_CHUNK)
    probs = [predictor.predict(reader.scene(i.id), i.cuts) for i in infos]
    truth = [reader.labels(i.id) for i in infos]
    return score(truth, probs, [i.cuts for i in infos], genres, decoding, threshold)


def evaluate(run_dir, dataset_dir, ids=None, threshold=0.5, chunk=None, decoding="run") -> dict:
    """`model.metrics.per_genre_metrics` (plus each genre's "segments") of the given
    trailers: the "metrics" part of `evaluate_report`."""
    return evaluate_report(run_dir, dataset_dir, ids, threshold, chunk, decoding)["metrics"]


def fit_decoding(probs, truths, cuts, genres, fps=None) -> tuple[Decoding, dict]:
    """Decoding parameters chosen on labelled trailers (`model.decode.fit`); plain
    thresholding when there is nothing to fit on."""
    if not len(probs):
        return PLAIN, {"trailers": 0}
    params, report = fit(probs, truths, cuts, genres, fps=fps)
    return params, {k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in report.items()}
