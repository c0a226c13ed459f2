"""Training: learning, run files, events, stop request, resume, NaN, bad input."""

import json
import math
import threading

import keras
import numpy as np
import pytest

from model.build import build_model, compile_model
from model.config import TrainConfig
from model.evaluate import evaluate
from model.files import write_json_atomic
from model.errors import ModelConfigError, ModelDataError, ModelRunError, TrainingDivergedError
from model.monitor import TrainingMonitor
from model.predict import load, predict
from model.train import train

from .conftest import HELD_OUT, TRAIN_KW

SMALL = dict(epochs=1, steps_per_epoch=3, batch=2, window=8, predict_chunk=32, bn_windows=4)


def test_learns_per_frame_genres_of_a_held_out_trailer(trained_run, dataset_dir):
    result, _ = trained_run
    # The held-out trailer is marked unlabelled in the manifest: never trained on.
    assert HELD_OUT not in result.train_ids + result.val_ids
    assert len(result.val_ids) == 2 and len(result.train_ids) == 4
    metrics = evaluate(result.run_dir, dataset_dir, ids=[HELD_OUT])  # inference mode
    assert metrics["macro"]["f1"] >= 0.8, metrics
    assert all(metrics[g]["support"] > 0 for g in ("comedy", "action", "other"))


def test_run_folder_files(trained_run):
    result, _ = trained_run
    run = result.run_dir
    assert sorted(p.name for p in run.iterdir()) == [
        "config.json", "history.json", "metrics.json", "model.keras"]
    config = json.loads((run / "config.json").read_text())
    assert TrainConfig.from_dict(config["train"]) == TrainConfig(**TRAIN_KW)
    assert config["genres"][0] == "comedy" and config["size"] == [24, 24]
    assert config["model"]["fast"] is True and config["steps_per_epoch"] == 25
    history = json.loads((run / "history.json").read_text())
    assert [h["epoch"] for h in history] == list(range(1, 7))
    assert all(math.isfinite(h["loss"]) and h["val_loss"] is not None for h in history)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["best_epoch"] == result.best_epoch
    best = min(history, key=lambda h: h["val_loss"])
    assert best["epoch"] == result.best_epoch  # model.keras is the best on validation
    assert set(metrics["validation"]) == set(config["genres"]) | {"macro"}


def test_events(trained_run):
    _, events = trained_run
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "done" and kinds.count("epoch") == 6 and kinds.count("batch") == 150
    batch = next(e for e in events if e["event"] == "batch" and e["batch"] == 10)
    assert batch["epoch"] == 1 and batch["epochs"] == 6 and batch["batches"] == 25
    assert batch["frames_per_s"] > 0 and batch["eta_s"] > 0 and math.isfinite(batch["loss"])
    epoch = [e for e in events if e["event"] == "epoch"][-1]
    assert set(epoch["metrics"]["macro"]) == {"precision", "recall", "f1", "ap"}
    assert epoch["val_loss"] > 0 and epoch["frames_per_s"] > 0
    stages = [e["stage"] for e in events if e["event"] == "stage"]
    assert stages[:4] == ["checking data", "building model", "tracing", "training"]
    # Each batch's own loss: over an epoch they average to Keras' running mean at its end.
    for n in range(1, 7):
        own = [e["batch_loss"] for e in events if e["event"] == "batch" and e["epoch"] == n]
        last = [e["loss"] for e in events if e["event"] == "batch" and e["epoch"] == n][-1]
        assert len(own) == 25 and abs(sum(own) / len(own) - last) < 1e-3 * max(1.0, last)


def test_stop_request_from_another_thread(dataset_dir, tmp_path):
    """A GUI-like setup: training in a worker thread, stop requested from this thread."""
    first_batch = threading.Event()
    seen = []

    def listener(event):
        seen.append(event)
        if event["event"] == "batch":
            first_batch.set()

    monitor = TrainingMonitor(listener)
    out = tmp_path / "stopped"
    box = {}

    def work():
        box["result"] = train(dataset_dir, out, TrainConfig(epochs=5, steps_per_epoch=40, ids=[0, 1, 2], **{
            k: v for k, v in SMALL.items() if k not in ("epochs", "steps_per_epoch")}),
            listener=monitor, stop=monitor)

    worker = threading.Thread(target=work)
    worker.start()
    assert first_batch.wait(120)
    monitor.request_stop()
    requested_at = len([e for e in seen if e["event"] == "batch"])
    worker.join(120)
    result = box["result"]
    assert result.stopped and result.epochs_done == 1 and result.last_epoch == 1
    assert sorted(result.train_ids + result.val_ids) == [0, 1, 2]  # config.ids
    batches = [e for e in seen if e["event"] == "batch"]
    assert len(batches) <= requested_at + 1  # honoured within one batch
    assert result.history[-1]["partial"] and result.history[-1]["batches"] == len(batches)
    assert seen[-1]["event"] == "done" and seen[-1]["stopped"]
    # A usable model was left behind.
    probs = predict(load(out), np.zeros((5, 3, 24, 24), np.uint8))
    assert probs.shape == (5, 6) and np.isfinite(probs).all()


def test_resume_continues_epochs_and_optimizer(trained_run, dataset_dir, tmp_path):
    first, _ = trained_run
    events = []
    cfg = TrainConfig(epochs=1, steps_per_epoch=5, lr=1e-3, init_from=str(first.run_dir))
    result = train(dataset_dir, tmp_path / "run2", cfg, listener=events.append)
    assert [h["epoch"] for h in result.history] == list(range(1, 8))
    assert result.last_epoch == 7 and result.best_epoch == 7
    assert (result.train_ids, result.val_ids) == (first.train_ids, first.val_ids)
    epoch_events = [e for e in events if e["event"] == "epoch"]
    assert [(e["epoch"], e["epochs"]) for e in epoch_events] == [(7, 7)]
    config = json.loads((tmp_path / "run2" / "config.json").read_text())
    assert config["initial_epoch"] == 6 and config["init_from"].endswith("run1")
    resumed = keras.models.load_model(tmp_path / "run2" / "model.keras", safe_mode=True)
    # Resuming continues from the saved (best) model and its optimizer state; epoch numbers
    # continue after the previous run's last epoch.
    assert int(resumed.optimizer.iterations) == first.best_epoch * 25 + 5
    history = json.loads((tmp_path / "run2" / "history.json").read_text())
    assert len(history) == 7


def test_nan_loss_raises_and_leaves_nothing(make_dataset, tmp_path):
    dataset = make_dataset(lengths=(40, 30, 50))
    # A previous "run" whose weights hold NaN: the first training step's loss is NaN.
    bad = tmp_path / "bad_run"
    bad.mkdir()
    m = compile_model(build_model(24, 24, filters=(4, 3, 2), dense=(8, 4)), [1.0] * 6)
    layer = m.get_layer("branches_dense1")
    layer.set_weights([np.full_like(w, np.nan) for w in layer.get_weights()])
    m.save(bad / "model.keras")
    write_json_atomic(bad / "config.json", {"genres": ["comedy", "action", "horror", "thriller",
                      "musical", "other"], "size": [24, 24], "model": {}, "train_ids": [0, 1],
                      "val_ids": [2]})
    events = []
    out = tmp_path / "nan_run"
    with pytest.raises(TrainingDivergedError, match="nan"):
        train(dataset, out, TrainConfig(init_from=str(bad), **SMALL), listener=events.append)
    assert not out.exists()
    assert events[-1]["event"] == "error" and events[-1]["type"] == "TrainingDivergedError"


@pytest.mark.parametrize("how", ["missing category", "frame counts differ", "no labels", "empty"])
def test_bad_dataset_fails_before_writing_anything(make_dataset, tmp_path, how):
    folder = make_dataset(lengths=(20, 20), labelled={0: False, 1: False} if how == "no labels" else None)
    if how == "missing category":
        (folder / "category_1.npy").unlink()
    elif how == "frame counts differ":
        np.save(folder / "category_1.npy", np.zeros((6, 1, 19, 1), np.float32))
    elif how == "empty":
        for p in folder.iterdir():
            p.unlink()
    out = tmp_path / "models" / "r"
    with pytest.raises(ModelDataError) as err:
        train(folder, out, TrainConfig(**SMALL))
    assert ("category_1.npy" in str(err.value)) or how in ("no labels", "empty")
    assert not out.exists() and not out.parent.exists()


def test_unknown_ids(dataset_dir, tmp_path):
    with pytest.raises(ModelDataError, match="trailer 42"):
        train(dataset_dir, tmp_path / "r", TrainConfig(ids=[0, 42], **SMALL))
    assert not (tmp_path / "r").exists()


def test_refuses_to_overwrite_a_run_and_bad_init_from(trained_run, dataset_dir, tmp_path):
    result, _ = trained_run
    with pytest.raises(ModelConfigError, match="already holds a model"):
        train(dataset_dir, result.run_dir, TrainConfig(**SMALL))
    with pytest.raises(ModelRunError):
        train(dataset_dir, tmp_path / "x", TrainConfig(init_from=str(tmp_path / "nowhere"), **SMALL))
    assert not (tmp_path / "x").exists()


def test_genre_mismatch_with_init_from(trained_run, tmp_path):
    result, _ = trained_run
    other = tmp_path / "other"
    other.mkdir()
    np.save(other / "scene_0.npy", np.zeros((10, 3, 24, 24), np.uint8))
    cat = np.zeros((3, 1, 10, 1), np.float32)
    cat[0] = 1
    np.save(other / "category_0.npy", cat)
    with pytest.raises(ModelDataError, match="genres"):
        train(other, tmp_path / "r", TrainConfig(init_from=str(result.run_dir), **SMALL))
