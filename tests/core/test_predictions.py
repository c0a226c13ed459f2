"""services.predictions: per-run storage, staging and publishing (the maths against labels:
test_prediction_maths.py)."""

import json

import numpy as np
import pytest

from trailer_gui.core.store import Project
from trailer_gui.services import predictions as P


@pytest.fixture
def empty_project(tmp_path):
    project = Project.create(tmp_path / "p")
    yield project
    project.close()


def write(folder, vid, probs, run):
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"pred_{vid}.npy", np.asarray(probs, np.float32))
    (folder / f"pred_{vid}.json").write_text(json.dumps({"run": run, "video_id": vid}))


def test_per_run_copy_first_then_latest_naming_the_run(empty_project):
    p = empty_project
    top = P.predictions_dir(p)
    write(top, 0, np.full((5, 2), 0.25), "b")
    write(top / "a", 0, np.full((5, 2), 0.75), "a")
    assert P.load_run_prediction(p, 0, "a", 5, 2).probs[0, 0] == 0.75
    assert P.load_run_prediction(p, 0, "b", 5, 2).probs[0, 0] == 0.25
    assert P.load_run_prediction(p, 0, None, 5, 2).run == "b"  # the latest, whatever its run
    assert P.load_run_prediction(p, 0, "c", 5, 2) is None
    assert P.load_run_prediction(p, 0, "a", 6, 2) is None  # made for another video length
    assert P.latest_predicted_run(p) == "b"
    assert P.predicted_ids(p, "a") == {0} and P.predicted_ids(p, "b") == {0}
    assert P.predicted_ids(p, "c") == set()


def test_publish_moves_a_complete_set_and_keeps_the_rest(empty_project):
    p = empty_project
    top = P.predictions_dir(p)
    write(top, 0, np.zeros((4, 2)), "old")
    write(top, 1, np.zeros((4, 2)), "old")
    staging = P.new_staging_dir(p)
    write(staging, 1, np.ones((4, 2)), "new")
    assert P.publish(p, staging, "new") == [1]
    assert not staging.exists()
    assert json.loads((top / "pred_0.json").read_text())["run"] == "old"  # untouched
    assert json.loads((top / "pred_1.json").read_text())["run"] == "new"
    assert np.load(top / "new" / "pred_1.npy").sum() == 8
    assert not [f for f in top.iterdir() if f.name.startswith(".")]


def test_stale_staging_of_another_process_is_removed(empty_project):
    p = empty_project
    stale = P.predictions_dir(p) / f"{P.STAGING_PREFIX}999999999-x"
    stale.mkdir(parents=True)
    write(stale, 0, np.zeros((3, 2)), "half")
    mine = P.new_staging_dir(p)
    assert not stale.exists() and mine.exists()
    assert P.load_run_prediction(p, 0, None, 3, 2) is None


# ---- decoded segments beside the probabilities ---------------------------------------------
def write_decoded(folder, vid, probs, labels, run, decoding=None):
    write(folder, vid, probs, run)
    np.save(folder / f"labels_{vid}.npy", np.asarray(labels, np.float32))
    meta = json.loads((folder / f"pred_{vid}.json").read_text())
    meta["decoding"] = decoding or {"threshold": 0.5, "min_frames": 3}
    (folder / f"pred_{vid}.json").write_text(json.dumps(meta))


def test_decoded_labels_are_what_the_annotator_accepts(empty_project):
    p = empty_project
    probs = np.full((10, 2), 0.2, np.float32)
    probs[4, 0] = 0.9  # a 1-frame spike the decoding removed
    decoded = np.zeros((10, 2), np.float32)
    decoded[6:, 1] = 1  # a segment the decoding made from weak evidence
    write_decoded(P.run_predictions_dir(p, "r"), 3, probs, decoded, "r")
    pred = P.load_run_prediction(p, 3, "r", 10, 2)
    assert pred.labels is not None and pred.decided(0.5).tolist() == (decoded > 0).tolist()
    labels = np.zeros((10, 2), bool)
    mask = P.disagreement(pred.probs, labels, 0.5, pred.decided(0.5))
    assert np.flatnonzero(mask.any(axis=1)).tolist() == [6, 7, 8, 9]  # not the spike at 4
    assert P.next_disagreement(mask, 0) == 6
    assert P.trailer_note(pred.probs, decoded > 0, 0.5, pred.decided(0.5)) == "model agrees 100%"
    block = P.accepted_labels(pred.probs, 0.5, 2, 8, pred.decided(0.5))
    assert block.tolist() == (decoded[2:8] > 0).tolist()


def test_without_decoding_the_probabilities_are_thresholded(empty_project):
    """Runs from before decoding (no "decoding" in the JSON), `trailer predict --raw`, or a
    labels file that does not fit: the prediction is the thresholded curve, as before."""
    p = empty_project
    probs = np.zeros((6, 2), np.float32)
    probs[2:4, 1] = 0.8
    write(P.predictions_dir(p), 0, probs, "old")
    np.save(P.predictions_dir(p) / "labels_0.npy", np.ones((6, 2), np.float32))  # stale
    pred = P.load_run_prediction(p, 0, None, 6, 2)
    assert pred.labels is None and pred.decided(0.5).tolist() == (probs >= 0.5).tolist()
    write_decoded(P.predictions_dir(p), 1, probs, np.ones((5, 2)), "new")  # wrong shape
    assert P.load_run_prediction(p, 1, None, 6, 2).labels is None


def test_publish_moves_labels_with_their_probabilities(empty_project):
    p = empty_project
    top = P.predictions_dir(p)
    staging = P.new_staging_dir(p)
    write_decoded(staging, 0, np.zeros((4, 2)), np.ones((4, 2)), "new")
    write(staging, 1, np.zeros((4, 2)), "new")  # a raw prediction
    np.save(top / "labels_1.npy", np.ones((4, 2), np.float32))  # of an earlier prediction
    assert P.publish(p, staging, "new") == [0, 1]
    assert np.load(top / "labels_0.npy").sum() == 8
    assert np.load(top / "new" / "labels_0.npy").sum() == 8
    assert not (top / "labels_1.npy").exists() and not (top / "new" / "labels_1.npy").exists()
    assert P.load_run_prediction(p, 0, "new", 4, 2).labels.all()
    assert not [f for f in top.iterdir() if f.name.startswith(".")]
