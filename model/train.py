"""Training: `train(dataset_dir, out_dir, config, listener=None, stop=None)`.

Run folder (out_dir = PROJECT/models/<run>/), every file written atomically:
    model.keras   best model on validation so far (with optimizer state, for resuming)
    config.json   train config, model options, genres, size, split, positive weights
    history.json  one entry per epoch (global epoch numbers; a resumed run starts with the
                  previous run's entries)
    metrics.json  best epoch, monitor value, its per-genre validation metrics; at the end
                  "decoded": `model.evaluate.score` of the decoded validation trailers
    (config.json gains "decoding" (`model.decode.Decoding`, fitted on the validation
    trailers at the end) and "decoding_fit" (what the fit found))

Events (dicts) sent to `listener`, from the training thread:
    {"event": "stage", "stage": "checking data"|"building model"|"tracing"|"training"|"decoding"|
                       "validating"|"saving", ...}
    {"event": "batch", "epoch", "epochs", "batch", "batches", "loss", "batch_loss",
                       "frames_per_s", "eta_s"}
    {"event": "epoch", "epoch", "epochs", "loss", "val_loss", "metrics", "frames_per_s",
                       "eta_s", "best", "best_epoch", "seconds", "partial"}
    {"event": "done", "stopped", "run_dir", "best_epoch", "epochs_done", "metrics"}
    {"event": "error", "type", "message"}   (then the exception propagates)
`epoch` counts from 1 and continues across resumed runs; `epochs` is the last epoch number
this call will reach; `batch` counts from 1 within the epoch.  `loss` in batch events is
Keras' running mean over the epoch so far; `batch_loss` is this batch's own loss (recovered
from the running means), which plots without the jumps a running mean makes at each
epoch's start.

`stop` is any object with ``is_set()`` (a threading.Event, or a `model.monitor.
TrainingMonitor`).  It is checked after every batch: the epoch ends there, is validated and
the model is saved if it is the best (or the first), so a stopped run leaves a usable model.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import keras
import tensorflow as tf

from . import data as D
from .build import build_model, compile_model, output_names
from .config import TrainConfig
from .distribute import fix_keras_multi_worker_build, resolve_strategy
from .epochs import Progress, RunFiles, Validator, recompute_bn_statistics, store_decoding
from .errors import ModelConfigError, ModelDataError, ModelRunError, TrainingDivergedError
from .files import CONFIG_FILE, MODEL_FILE, check_run, read_history, read_run_config
from .losses import positive_weights
from .pipeline import sample_windows, train_dataset
from .precision import resolve as resolve_precision
from .precision import set_precision
from .predict import Predictor, load

__all__ = ["TrainResult", "train", "cosine_lr", "recompute_bn_statistics", "result_dict"]


@dataclass
class TrainResult:
    run_dir: Path
    model_path: Path
    epochs_done: int  # epochs run by this call (a stopped partial epoch counts)
    last_epoch: int  # global number of the last epoch
    best_epoch: int | None
    stopped: bool
    history: list = field(default_factory=list)  # all epochs, including a resumed run's
    metrics: dict = field(default_factory=dict)  # per_genre_metrics of the best epoch
    train_ids: list = field(default_factory=list)
    val_ids: list = field(default_factory=list)


def _noop(event):
    pass


def train(dataset_dir, out_dir, config: TrainConfig | None = None, listener=None, stop=None,
          callbacks=()) -> TrainResult:
    """Train on the dataset folder, writing the run folder `out_dir` (see module doc).

    Raises ModelDataError (bad dataset), ModelConfigError (bad config / out_dir already holds
    a model), ModelRunError (bad `init_from`), TrainingDivergedError (NaN loss).  When it
    raises before a model was saved, it removes what it wrote (nothing half-written).
    `callbacks` are extra Keras callbacks.
    """
    emit = listener or _noop
    try:
        return _train(Path(dataset_dir), Path(out_dir), (config or TrainConfig()).validate(),
                      emit, stop, list(callbacks))
    except Exception as exc:
        try:
            emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
        except Exception:  # a failing listener must not hide the real error
            pass
        raise


def _split(labelled, config, previous):
    """80/20 by trailer.  A resumed run keeps its predecessor's split for the trailers it
    knew (so validation stays comparable) and splits only new trailers."""
    if previous is None:
        return D.split_ids(labelled, config.val_fraction, config.seed)
    old_train = set(previous.get("train_ids", []))
    old_val = set(previous.get("val_ids", []))
    new = [i for i in labelled if i not in old_train and i not in old_val]
    new_train, new_val = D.split_ids(new, config.val_fraction, config.seed)
    if len(new) == 1:  # a single new trailer goes to training
        new_train, new_val = new, []
    train_ids = sorted([i for i in labelled if i in old_train] + new_train)
    val_ids = sorted([i for i in labelled if i in old_val] + new_val)
    if not train_ids:
        train_ids, val_ids = D.split_ids(labelled, config.val_fraction, config.seed)
    return train_ids, val_ids


def _train(dataset_dir, out_dir, config, emit, stop, extra_callbacks):
    emit({"event": "stage", "stage": "checking data"})
    manifest = D.read_manifest(dataset_dir)
    infos = D.check_dataset(dataset_dir, manifest=manifest)
    genres = list(manifest["genres"])
    labelled = D.labelled_ids(infos)
    if config.ids is not None:
        known = {i.id for i in infos}
        for tid in config.ids:
            if tid not in known:
                raise ModelDataError(f"{dataset_dir}: trailer {tid} is not in the dataset")
        labelled = [i for i in labelled if i in set(config.ids)]
    if not labelled:
        raise ModelDataError(f"{dataset_dir}: no labelled trailer to train on")
    by_id = {i.id: i for i in infos}
    rows, cols = infos[0].rows, infos[0].cols

    previous, prev_history = None, []
    if config.init_from is not None:
        init_dir = Path(config.init_from)
        problem = check_run(init_dir)
        if problem is not None:
            raise ModelRunError(problem)
        previous = read_run_config(init_dir)
        prev_history = read_history(init_dir)
        if list(previous["genres"]) != genres:
            raise ModelDataError(
                f"{dataset_dir}: genres {genres} differ from those of {init_dir} "
                f"({previous['genres']})")
        if list(previous.get("size", [rows, cols])) != [rows, cols]:
            raise ModelDataError(
                f"{dataset_dir}: frames are {rows}x{cols}, {init_dir} was trained on "
                f"{previous['size'][0]}x{previous['size'][1]}")
        if not (init_dir / MODEL_FILE).is_file():
            raise ModelRunError(f"{init_dir / MODEL_FILE}: missing model file")

    if (out_dir / MODEL_FILE).exists():
        raise ModelConfigError(f"{out_dir}: already holds a model; train into a new run folder")

    train_ids, val_ids = _split(labelled, config, previous)
    # Reproducible runs: weight initialisation and TF ops follow config.seed.
    keras.utils.set_random_seed(config.seed)
    strategy, is_chief = resolve_strategy(config.strategy, config.devices)
    replicas = strategy.num_replicas_in_sync
    precision = resolve_precision(config.precision, gpus=_gpus(strategy))
    batch = math.ceil(config.batch / replicas) * replicas
    train_frames = sum(by_id[i].frames for i in train_ids)
    steps = config.steps_per_epoch or D.steps_per_epoch(train_frames, config.window, batch)
    pos_w = positive_weights(
        [sum(by_id[i].positives[g] for i in train_ids) for g in range(len(genres))],
        train_frames, config.pos_weight, config.pos_weight_max)
    initial_epoch = len(prev_history)

    # Nothing has been written yet.  From here on, a failure before the first saved model
    # removes what this call wrote.
    created_dir = not out_dir.exists()
    # Non-chief workers of a multi-worker run write to a scratch folder (and leave no empty
    # run folder on their machine, nor in a folder shared with the chief).
    if is_chief:
        out_dir.mkdir(parents=True, exist_ok=True)
    files_dir = out_dir if is_chief else Path(tempfile.mkdtemp(prefix="trailer-worker-"))
    run = RunFiles(files_dir, emit)
    try:
        emit({"event": "stage", "stage": "building model"})
        with strategy.scope():
            if previous is not None:
                model = load(Path(config.init_from), compile=True)
                model_options = previous["model"]
                optimizer = model.optimizer if isinstance(model.optimizer, keras.optimizers.Optimizer) else None
            else:
                model_options = {"fast": config.fast, "seed_head": config.seed_head,
                                 "bn_momentum": config.bn_momentum, "dropout": config.dropout,
                                 **config.model_options}
                try:
                    model = build_model(rows, cols, genres, **model_options)
                except TypeError as exc:
                    raise ModelConfigError(f"model_options: {exc}") from None
                optimizer = None
            set_precision(model, precision)
            compile_model(model, pos_w, config.lr, optimizer, loss_scale=precision == "float16")
        fix_keras_multi_worker_build(model, strategy)
        run_config = {
            "train": config.to_dict(),
            "model": model_options,
            "genres": genres,
            "output_names": output_names(genres),
            "size": [rows, cols],
            "dataset": str(dataset_dir.resolve()),
            "train_ids": train_ids,
            "val_ids": val_ids,
            "pos_weight": pos_w,
            "batch": batch,
            "steps_per_epoch": steps,
            "strategy": {"name": config.strategy, "replicas": replicas},
            "initial_epoch": initial_epoch,
            "init_from": str(Path(config.init_from).resolve()) if config.init_from else None,
            "created": datetime.datetime.now().isoformat(timespec="seconds"),
            "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
            "params": int(model.count_params()),
            # What 'auto' became on this machine; the saved model itself is float32.
            "precision": {"setting": config.precision, "compute": precision},
        }
        run.write(CONFIG_FILE, run_config)

        reader = D.WindowReader([by_id[i] for i in train_ids + val_ids])
        dataset = train_dataset(reader, train_ids, window=config.window, batch=batch, steps=steps,
                                seed=config.seed, first_epoch=initial_epoch,
                                output_names=model.output_names, augment=config.augment,
                                mix=config.mix, hue=config.hue)
        predictor = Predictor(model, config.predict_chunk)
        bn_windows = sample_windows(reader, train_ids, window=config.window,
                                    count=config.bn_windows, seed=config.seed)
        last_epoch = initial_epoch + config.epochs
        progress = Progress(emit, stop, steps, last_epoch, batch * config.window)
        validator = Validator(
            run, model, predictor, reader, val_ids, genres, pos_w, config, progress,
            prev_history, bn_windows if config.recompute_bn else None, batch)
        schedule = []
        if config.lr_schedule == "cosine":
            schedule = [keras.callbacks.LearningRateScheduler(
                lambda epoch, _lr: cosine_lr(config.lr, epoch - initial_epoch, config.epochs))]
        model.fit(dataset, shuffle=False, epochs=last_epoch, initial_epoch=initial_epoch, steps_per_epoch=steps,
                  verbose=0, callbacks=[*schedule, progress, validator, *extra_callbacks])
        if progress.diverged is not None:
            epoch, batch_no, loss = progress.diverged
            saved = "" if not run.saved_model else (
                f"; {out_dir / MODEL_FILE} holds the model of epoch {validator.best_epoch}")
            raise TrainingDivergedError(
                f"loss became {loss} at epoch {epoch}, batch {batch_no}: training stopped "
                f"(try a smaller learning rate){saved}")
        if not run.saved_model:  # cannot normally happen: every epoch end saves the first model
            run.save_model(model)
        if is_chief:
            store_decoding(run, run_config, validator, reader, genres)
        done = {
            "event": "done", "stopped": progress.stopped, "run_dir": str(out_dir),
            "best_epoch": validator.best_epoch, "epochs_done": len(validator.history) - len(prev_history),
            "metrics": validator.best_metrics,
        }
        emit(done)
        return TrainResult(
            run_dir=out_dir, model_path=out_dir / MODEL_FILE,
            epochs_done=done["epochs_done"],
            last_epoch=validator.history[-1]["epoch"] if validator.history else initial_epoch,
            best_epoch=validator.best_epoch, stopped=progress.stopped,
            history=validator.history, metrics=validator.best_metrics,
            train_ids=train_ids, val_ids=val_ids,
        )
    except BaseException:
        if not run.saved_model:
            run.remove_written()
            if created_dir and is_chief:
                shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        if not is_chief:
            shutil.rmtree(files_dir, ignore_errors=True)


def _gpus(strategy) -> int:
    """GPUs the strategy trains on (the default strategy: those TensorFlow sees)."""
    try:
        devices = strategy.extended.worker_devices
    except RuntimeError:  # the default strategy has no device list
        return len(tf.config.list_physical_devices("GPU"))
    return sum(1 for d in devices if "GPU" in d.upper())


def cosine_lr(lr, epoch, epochs, floor=0.05) -> float:
    """Learning rate of `epoch` (0-based, this call's) of `epochs`: half a cosine from `lr`
    at the first epoch down towards ``floor * lr`` (the last epoch gets a little more)."""
    t = epoch / max(1, epochs)
    return float(lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t))))


# `dataclasses` is used by callers that want a dict of the result.
def result_dict(result: TrainResult) -> dict:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(result).items()}
