"""Per-genre metrics of a trained run on given trailers."""

from __future__ import annotations

import numpy as np

from .data import WindowReader, check_dataset, labelled_ids, read_manifest
from .errors import ModelDataError
from .metrics import per_genre_metrics
from .predict import DEFAULT_CHUNK, Predictor, _load_with_genres, check_compatible


def evaluate(run_dir, dataset_dir, ids=None, threshold=0.5, chunk=DEFAULT_CHUNK) -> dict:
    """`model.metrics.per_genre_metrics` over all frames of the given trailers.

    ids: trailer ids (default: every labelled trailer).  Each trailer is predicted whole
    (chunks carrying recurrent state), in inference mode.
    """
    model, genres = _load_with_genres(run_dir)
    manifest = read_manifest(dataset_dir)
    check_compatible(model, genres, manifest, dataset_dir)
    infos = check_dataset(dataset_dir, ids, manifest=manifest)
    if ids is None:
        keep = set(labelled_ids(infos))
        infos = [i for i in infos if i.id in keep]
        if not infos:
            raise ModelDataError(f"{dataset_dir}: no labelled trailer to evaluate")
    reader = WindowReader(infos)
    predictor = Predictor(model, chunk)
    probs = [predictor.predict(reader.scene(i.id), i.cuts) for i in infos]
    truth = [reader.labels(i.id) for i in infos]
    return per_genre_metrics(np.concatenate(truth), np.concatenate(probs), genres, threshold)
