"""A run fits its temporal decoding on its validation trailers, stores it, and evaluation
reuses it (runs from before decoding still evaluate, thresholded)."""

import json
import math
import shutil

import numpy as np
import pytest

from model.decode import Decoding, decode
from model.errors import ModelRunError
from model.evaluate import evaluate, evaluate_report, run_decoding
from model.segments import SEGMENT_KEYS


def test_training_stores_the_fitted_decoding_and_its_decoded_figures(trained_run):
    result, events = trained_run
    config = json.loads((result.run_dir / "config.json").read_text())
    params = Decoding.from_dict(config["decoding"])  # valid parameters
    assert run_decoding(result.run_dir) == params
    assert config["decoding_fit"]["trailers"] == len(result.val_ids) == 2
    assert config["decoding_fit"]["objective"] >= config["decoding_fit"]["objective_plain"]
    assert "decoding" in [e.get("stage") for e in events if e["event"] == "stage"]
    decoded = json.loads((result.run_dir / "metrics.json").read_text())["decoded"]
    assert decoded["decoding"] == config["decoding"]
    genres = config["genres"]
    assert set(decoded["metrics"]) == set(genres) | {"macro"}
    assert all(set(decoded["metrics"][g]["segments"]) == set(SEGMENT_KEYS) for g in genres)
    assert set(decoded["dominant"]) == {"accuracy", "segments"}
    assert 0.0 <= decoded["all_genres_right"] <= decoded["dominant"]["accuracy"] <= 1.0


def test_evaluation_reuses_the_stored_decoding(trained_run, dataset_dir, tmp_path):
    result, _ = trained_run
    run = tmp_path / "run"
    shutil.copytree(result.run_dir, run)
    config = json.loads((run / "config.json").read_text())
    strict = Decoding(shot_vote=True, min_frames=12)
    config["decoding"] = strict.to_dict()
    (run / "config.json").write_text(json.dumps(config))
    report = evaluate_report(run, dataset_dir, ids=[6])
    assert report["decoding"] == strict.to_dict()
    raw = evaluate_report(run, dataset_dir, ids=[6], decoding=None)
    assert raw["decoding"] is None
    assert report["metrics"]["macro"]["ap"] == pytest.approx(raw["metrics"]["macro"]["ap"])
    # A run from before decoding: thresholded, as `decoding=None`.
    del config["decoding"]
    (run / "config.json").write_text(json.dumps(config))
    assert run_decoding(run) is None
    older = evaluate(run, dataset_dir, ids=[6])
    assert older["macro"]["f1"] == pytest.approx(raw["metrics"]["macro"]["f1"])
    (run / "config.json").rename(run / "config.moved")
    assert run_decoding(run) is None  # no config.json at all: thresholded too
    (run / "config.moved").rename(run / "config.json")
    config["decoding"] = {"min_frames": -3}
    (run / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelRunError, match="config.json: decoding: min_frames"):
        evaluate(run, dataset_dir, ids=[6])


def test_perfect_probabilities_score_100_on_every_segment_figure():
    from model.evaluate import score

    truth = np.zeros((50, 2), np.float32)
    truth[10:30, 0] = 1
    truth[25:, 1] = 1
    report = score([truth], [0.05 + 0.9 * truth], [[10, 25]], ["a", "b"], Decoding(min_frames=3))
    for g in ("a", "b", "macro"):
        assert all(report["metrics"][g]["segments"][k] == pytest.approx(100.0) for k in SEGMENT_KEYS)
    assert report["dominant"]["accuracy"] == 1.0 and report["all_genres_right"] == 1.0
    assert math.isclose(report["metrics"]["macro"]["f1"], 1.0)
    assert np.array_equal(decode(0.05 + 0.9 * truth, [10, 25], Decoding(min_frames=3)), truth)
