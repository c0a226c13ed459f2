"""What runs around each training epoch: the run folder's files, progress events, validation
and checkpoints (Keras callbacks of `model.train.train`).

`RunFiles` writes the run folder atomically and remembers what it wrote (a failed run removes
it); `Progress` sends batch events, frames/s and the ETA, honours the stop request and guards
against a NaN loss; `Validator` recomputes batch-norm statistics, predicts the validation
trailers, scores them and saves the best model; `store_decoding` fits the temporal decoding at
the end.  Event keys: see `model.train`.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .config import MONITORS
from .files import (CONFIG_FILE, HISTORY_FILE, METRICS_FILE, MODEL_FILE, RUN_FILES, read_json,
                    save_model_atomic, write_json_atomic)
from .losses import bce_numpy
from .metrics import per_genre_metrics
from .precision import saved_as_float32


class RunFiles:
    """Writes the run folder's files; remembers what it wrote for clean-up."""

    def __init__(self, folder: Path, emit):
        self.folder = folder
        self.emit = emit
        self.written = set()
        self.saved_model = False

    def write(self, name, data):
        write_json_atomic(self.folder / name, data)
        self.written.add(name)

    def save_model(self, model):
        self.emit({"event": "stage", "stage": "saving"})
        with saved_as_float32(model):  # any precision can load and predict with it
            save_model_atomic(model, self.folder / MODEL_FILE)
        self.written.add(MODEL_FILE)
        self.saved_model = True

    def remove_written(self):
        for name in RUN_FILES:
            if name in self.written:
                (self.folder / name).unlink(missing_ok=True)


class Progress(keras.callbacks.Callback):
    """Batch events, frames/s, ETA, the stop request and the NaN guard."""

    def __init__(self, emit, stop, steps, last_epoch, frames_per_batch):
        super().__init__()
        self.emit, self.stop, self.steps = emit, stop, steps
        self.last_epoch = last_epoch
        self.frames_per_batch = frames_per_batch
        self.stopped = False
        self.diverged = None
        self.validation_s = 0.0  # last validation's duration, for the ETA
        self._batch_times = []  # steady-state batch durations (the first batch traces)

    def on_train_begin(self, logs=None):
        self.emit({"event": "stage", "stage": "tracing"})
        self._first = True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.batches = 0
        self._running_loss = 0.0
        self.epoch_start = self._last = time.perf_counter()
        self.train_s = 0.0

    def seconds_per_batch(self):
        recent = self._batch_times[-50:]
        return sum(recent) / len(recent) if recent else None

    def frames_per_s(self):
        spb = self.seconds_per_batch()
        return self.frames_per_batch / spb if spb else None

    def eta_s(self):
        spb = self.seconds_per_batch()
        if spb is None:
            return None
        epochs_left = self.last_epoch - self.epoch - 1
        batches_left = (self.steps - self.batches) + epochs_left * self.steps
        return batches_left * spb + (epochs_left + 1) * self.validation_s

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        duration, self._last = now - self._last, now
        self.train_s += duration
        if self._first:
            self._first = False
            self.emit({"event": "stage", "stage": "training"})
        else:
            self._batch_times.append(duration)
        self.batches += 1
        loss = (logs or {}).get("loss")
        loss = float(loss) if loss is not None else math.nan
        if not math.isfinite(loss):
            self.diverged = (self.epoch + 1, self.batches, loss)
            self.model.stop_training = True
            return
        # Keras reports the mean over the epoch's batches so far: k*m_k - (k-1)*m_(k-1).
        batch_loss = self.batches * loss - (self.batches - 1) * self._running_loss
        self._running_loss = loss
        self.emit({
            "event": "batch", "epoch": self.epoch + 1, "epochs": self.last_epoch,
            "batch": self.batches, "batches": self.steps, "loss": loss, "batch_loss": batch_loss,
            "frames_per_s": self.frames_per_s(), "eta_s": self.eta_s(),
        })
        if self.stop is not None and self.stop.is_set():
            self.stopped = True
            self.model.stop_training = True


class Validator(keras.callbacks.Callback):
    """At each epoch end: batch-norm statistics, validation on whole trailers, checkpoint."""

    def __init__(self, run, model, predictor, reader, val_ids, genres, pos_w, config, progress,
                 prev_history, bn_windows, batch):
        super().__init__()
        self.run, self.train_model, self.predictor = run, model, predictor
        self.reader, self.val_ids, self.genres, self.pos_w = reader, val_ids, genres, pos_w
        self.config, self.progress = config, progress
        self.history = list(prev_history)
        self.bn_windows, self.batch = bn_windows, batch
        self.best_value = None
        self.best_epoch = None
        self.best_metrics = {}
        self.best_validation = None  # ([probs per trailer], [labels per trailer])
        self._bn_stats = None

    def on_epoch_end(self, epoch, logs=None):
        progress = self.progress
        if progress.diverged is not None:
            return  # never validate or save a diverged model
        start = time.perf_counter()
        self.run.emit({"event": "stage", "stage": "validating"})
        model = self.train_model
        if self.bn_windows:
            recompute_bn_statistics(model, self.reader, self.bn_windows, self.config.window,
                                    self.batch, cache=self)
        self.predictor.sync()
        metrics, val_loss, per_trailer = {}, None, None
        if self.val_ids:
            probs, truth = [], []
            for tid in self.val_ids:
                probs.append(self.predictor.predict(self.reader.scene(tid),
                                                    self.reader.infos[tid].cuts))
                truth.append(self.reader.labels(tid))
            per_trailer = (probs, truth)
            probs, truth = np.concatenate(probs), np.concatenate(truth)
            metrics = per_genre_metrics(truth, probs, self.genres, self.config.threshold)
            val_loss = bce_numpy(truth, probs, self.pos_w)
        loss = (logs or {}).get("loss")
        loss = float(loss) if loss is not None else None
        macro = metrics.get("macro", {})
        entry = {
            "epoch": epoch + 1,
            "loss": loss,
            "val_loss": val_loss,
            **{f"macro_{k}": macro.get(k) for k in ("precision", "recall", "f1", "ap")},
            "batches": progress.batches,
            "partial": progress.batches < progress.steps,
            "frames_per_s": progress.batches * progress.frames_per_batch / progress.train_s
            if progress.train_s else None,
            "train_s": progress.train_s,
        }
        value = self._monitor_value(entry)
        better = value is not None and (self.best_value is None or (
            value < self.best_value if MONITORS[self.config.monitor] == "min" else value > self.best_value))
        if better or not self.run.saved_model:
            if better:
                self.best_value, self.best_epoch, self.best_metrics = value, epoch + 1, metrics
            elif self.best_epoch is None:
                self.best_epoch, self.best_metrics = epoch + 1, metrics
            self.best_validation = per_trailer  # the saved model's, for fitting the decoding
            self.run.save_model(model)
        progress.validation_s = time.perf_counter() - start
        entry["validation_s"] = progress.validation_s
        self.history.append(entry)
        self.run.write(HISTORY_FILE, self.history)
        self.run.write(METRICS_FILE, {
            "monitor": self.config.monitor, "best_epoch": self.best_epoch,
            "best_value": self.best_value, "validation": self.best_metrics,
            "val_ids": self.val_ids, "last_epoch": epoch + 1, "stopped": progress.stopped,
        })
        self.run.emit({
            "event": "epoch", "epoch": epoch + 1, "epochs": progress.last_epoch, "loss": loss,
            "val_loss": val_loss, "metrics": metrics, "frames_per_s": entry["frames_per_s"],
            "eta_s": progress.eta_s() if not progress.stopped else 0.0, "best": better,
            "best_epoch": self.best_epoch, "seconds": time.perf_counter() - progress.epoch_start,
            "partial": entry["partial"],
        })

    def _monitor_value(self, entry):
        key = self.config.monitor
        value = entry["val_loss"] if key == "val_loss" else entry.get(key)
        if not self.val_ids:  # no validation trailer: fall back on the training loss
            value = entry["loss"]
            if MONITORS[key] == "max" and value is not None:
                value = -value
        if value is None or not math.isfinite(value):
            return None
        return value


def store_decoding(run, run_config, validator, reader, genres) -> None:
    """Fit the temporal decoding (`model.decode`) on the saved model's validation
    predictions; store it in config.json ("decoding", "decoding_fit") and the decoded
    validation report (`model.evaluate.score`) in metrics.json ("decoded").  Without
    validation trailers the decoding is plain thresholding."""
    from .evaluate import fit_decoding, score

    run.emit({"event": "stage", "stage": "decoding"})
    probs, truths = validator.best_validation or ([], [])
    cuts = [reader.infos[tid].cuts for tid in validator.val_ids] if probs else []
    info = reader.infos[validator.val_ids[0]] if probs else None
    fps = info.fps / info.stride if info is not None and info.fps else None
    params, report = fit_decoding(probs, truths, cuts, genres, fps=fps)
    run_config["decoding"] = params.to_dict()
    run_config["decoding_fit"] = report
    run.write(CONFIG_FILE, run_config)
    if probs:
        metrics = read_json(run.folder / METRICS_FILE, "metrics")
        metrics["decoded"] = score(truths, probs, cuts, genres, params)
        run.write(METRICS_FILE, metrics)


def recompute_bn_statistics(model, reader, windows, window, batch, cache=None) -> None:
    """Set every BatchNormalization's moving mean/variance to the exact statistics of its
    input over `windows` training windows, in inference mode, layer after layer.

    Moving averages lag behind the weights on small projects (DESIGN.md: inference-mode
    accuracy 0.08-0.30 where batch statistics gave 0.98); exact statistics do not.
    """
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if cache is not None and cache._bn_stats is not None:
        fns = cache._bn_stats
    else:
        fns = []
        for bn in bns:
            sub = keras.Model(model.inputs, bn.input)
            fns.append(tf.function(lambda x, sub=sub: sub(x, training=False), jit_compile=False,
                                   reduce_retracing=True))
        if cache is not None:
            cache._bn_stats = fns
    for bn, fn in zip(bns, fns):
        total = sq = None
        count = 0
        for k in range(0, len(windows), batch):
            part = windows[k:k + batch]
            xs = np.stack([reader.window(tid, start, window)[0] for tid, start in part])
            a = np.asarray(fn(tf.constant(xs)), np.float64)
            # Only real frames: a trailer shorter than the window is zero-padded.
            valid = [min(window, reader.infos[tid].frames - start) for tid, start in part]
            a = np.concatenate([a[j, :n].reshape(-1, a.shape[-1]) for j, n in enumerate(valid)])
            total = a.sum(0) if total is None else total + a.sum(0)
            sq = (a * a).sum(0) if sq is None else sq + (a * a).sum(0)
            count += len(a)
        mean = total / count
        var = np.maximum(sq / count - mean * mean, 0.0)
        bn.moving_mean.assign(mean.astype(np.float32))
        bn.moving_variance.assign(var.astype(np.float32))
