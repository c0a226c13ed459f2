"""`trailer predict` (services.training.predict_project): the raw probabilities as before and the
run's decoded segments beside them; `--raw` and runs from before decoding write none."""

import json

import numpy as np
import pytest

from trailer_gui.services import predictions as P
from trailer_gui.demo.project import make_demo
from trailer_gui.services.training import ensure_exported, predict_project, set_config

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


@pytest.fixture(scope="module")
def project_with_run(tmp_path_factory):
    from model.build import build_model

    project = make_demo(tmp_path_factory.mktemp("pd") / "demo", trailers=2, seconds=3.0,
                        seed=3, size=(36, 64))
    set_config(project, "size", "16")
    set_config(project, "stride", "2")  # labels map back to every source frame
    ensure_exported(project)
    model = build_model(16, 16, GENRES, filters=(4, 3, 2), dense=(8, 4))
    for name in ("run-new", "run-old"):
        run = project.folder / "models" / name
        run.mkdir(parents=True)
        model.save(run / "model.keras")
        config = {"genres": GENRES, "model": {}}
        if name == "run-new":
            config["decoding"] = {"threshold": 0.5, "shot_vote": True, "min_frames": 3}
        (run / "config.json").write_text(json.dumps(config))
    yield project
    project.close()


def _manifest(project):
    return json.loads((project.folder / "dataset" / "manifest.json").read_text())


def test_predict_writes_decoded_labels_that_change_only_at_cuts(project_with_run):
    project = project_with_run
    written = predict_project(project, "run-new")
    assert [p.name for p in written] == ["pred_0.npy", "pred_1.npy"]
    for entry in _manifest(project)["trailers"]:
        vid = int(entry["id"])
        folder = P.predictions_dir(project)
        probs = np.load(folder / f"pred_{vid}.npy")
        labels = np.load(folder / f"labels_{vid}.npy")
        meta = json.loads((folder / f"pred_{vid}.json").read_text())
        assert labels.shape == probs.shape == (entry["source_frames"], 6)
        assert labels.dtype == np.float32 and set(np.unique(labels)) <= {0.0, 1.0}
        assert meta["decoding"]["shot_vote"] is True and meta["decoding"]["min_frames"] == 3
        # Shot voting: every change of the decoded labels is at a (source-frame) shot cut.
        changes = set(np.flatnonzero((labels[1:] != labels[:-1]).any(axis=1)) + 1)
        source_cuts = {c * 2 for c in entry["cuts"]} | {c * 2 - 1 for c in entry["cuts"]}
        assert changes <= source_cuts, (changes, entry["cuts"])
        shown = P.load_run_prediction(project, vid, "run-new", *probs.shape)
        assert shown.labels is not None and np.array_equal(shown.labels, labels > 0.5)


def test_raw_and_older_runs_write_no_labels(project_with_run):
    project = project_with_run
    folder = P.predictions_dir(project)
    predict_project(project, "run-new", ids=[0])
    assert (folder / "labels_0.npy").is_file()
    predict_project(project, "run-new", ids=[0], raw=True)
    assert not (folder / "labels_0.npy").exists()  # the old labels went with the old probs
    assert json.loads((folder / "pred_0.json").read_text())["decoding"] is None
    predict_project(project, "run-old", ids=[1])
    assert not (folder / "labels_1.npy").exists()
    meta = json.loads((folder / "pred_1.json").read_text())
    assert meta["run"] == "run-old" and meta["decoding"] is None
    pred = P.load_run_prediction(project, 1, "run-old", meta["frames"], 6)
    assert pred.labels is None and pred.decided(0.5).tolist() == (pred.probs >= 0.5).tolist()
