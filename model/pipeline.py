"""tf.data input pipeline: fixed-shape training windows streamed from memory-mapped files."""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from .augment import HUE, apply_grade, apply_mix, draw_grade, draw_mix
from .data import WindowReader, plan_windows


def default_workers() -> int:
    """Generator workers: one per core but one (training needs a core of its own), at least
    one, at most 8.  Measured on 2 cores (bench_model.py, quiet): with augmentation and
    mixing, a second worker made 1,718 instead of 1,990 frames/s (it fights training and the
    first worker for the GIL and the cores); with more cores each one adds."""
    return max(1, min(8, (os.cpu_count() or 1) - 1))


def train_dataset(reader: WindowReader, ids, *, window, batch, steps, seed, first_epoch,
                  output_names, augment=0.0, mix=0.0, hue=HUE, workers=None) -> tf.data.Dataset:
    """An endless dataset of ``(x (batch, window, 3, rows, cols), {cat_g: (batch, window, 1)})``.

    Endless on purpose: `fit` gets `steps_per_epoch`, and Keras keeps one iterator across
    epochs when that is set.  Each pass is one "data epoch" of ``steps * batch`` windows,
    planned with a RNG seeded by (seed, epoch), so a resumed run (first_epoch > 0) sees new
    window borders and all workers of a multi-worker run see the same stream (which
    tf.distribute then shards by element).

    augment: strength of `model.augment.augment_window` (flip, colour grade; 0 = off).
    hue: its largest hue rotation (fraction of a turn).
    mix: probability that a window is composited with another random training window
    (`model.augment.mix_windows`, labels: both windows' genres).  Augmentation draws come
    from their own seeded generator, so the windows' plan does not depend on them.

    workers: generators that make windows in parallel (default: `default_workers`).  Each epoch's
    random draws are made first, in sequence, without pixels (`epoch_recipes`: cheap), and
    window n of the stream is made by worker n mod `workers`; a deterministic interleave puts
    the windows back in order.  So the stream is the same whatever the number of workers,
    and the same as one thread making and drawing window after window.  NumPy releases the
    GIL in the heavy parts (colour matrix, blend, clip), so the workers run side by side.
    """
    ids = list(ids)
    frames = {i: reader.infos[i].frames for i in ids}
    info = reader.infos[ids[0]]
    n_out = len(output_names)
    per_epoch = steps * batch
    workers = max(1, int(workers or default_workers()))
    weights = np.array([frames[i] for i in ids], float)
    weights /= weights.sum()

    def epoch_recipes(epoch):
        """[(id, start, grade, partner)] of one data epoch: every random draw, in order."""
        rng = np.random.default_rng([seed, epoch])
        aug_rng = np.random.default_rng([seed, epoch, 1])
        recipes = []
        for tid, start in plan_windows(frames, window, per_epoch, rng):
            grade = draw_grade(aug_rng, augment, hue) if augment else None
            partner = None
            if mix and aug_rng.random() < mix:
                other = ids[int(aug_rng.choice(len(ids), p=weights))]
                start_b = int(aug_rng.integers(0, max(1, frames[other] - window + 1)))
                grade_b = draw_grade(aug_rng, augment, hue) if augment else None
                partner = (other, start_b, grade_b, draw_mix(aug_rng))
            recipes.append((tid, start, grade, partner))
        return recipes

    def make(tid, start, grade, partner):
        x, y = reader.window(tid, start, window)
        x = apply_grade(x, grade)
        if partner is not None:
            other, start_b, grade_b, how = partner
            xb, yb = reader.window(other, start_b, window)
            x, y = apply_mix(x, y, apply_grade(xb, grade_b), yb, how)
        return x, {name: y[:, g : g + 1] for g, name in enumerate(output_names)}

    def generate(worker):
        # Window n of the endless stream is window n % per_epoch of data epoch
        # first_epoch + n // per_epoch; this worker makes n = worker, worker + workers, ...
        recipes = {}
        n = int(worker)
        while True:
            epoch, k = first_epoch + n // per_epoch, n % per_epoch
            if epoch not in recipes:
                recipes.clear()
                recipes[epoch] = epoch_recipes(epoch)
            yield make(*recipes[epoch][k])
            n += workers

    signature = (
        tf.TensorSpec((window, 3, info.rows, info.cols), tf.float32),
        {name: tf.TensorSpec((window, 1), tf.float32) for name in output_names},
    )
    assert n_out == info.genres
    if workers == 1:
        ds = tf.data.Dataset.from_generator(generate, args=(0,), output_signature=signature)
    else:
        # Round-robin over the workers' generators, in order (deterministic), each running
        # in its own tf.data thread.
        ds = tf.data.Dataset.range(workers).interleave(
            lambda w: tf.data.Dataset.from_generator(generate, args=(w,), output_signature=signature),
            cycle_length=workers, block_length=1, num_parallel_calls=workers, deterministic=True)
    ds = ds.batch(batch, drop_remainder=True).prefetch(2)
    options = tf.data.Options()
    # A generator has no files to shard: shard by element (every worker runs the same,
    # seeded generator and keeps its share).
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


def sample_windows(reader: WindowReader, ids, *, window, count, seed) -> list[tuple[int, int]]:
    """A fixed set of (id, start) windows, e.g. for recomputing batch-norm statistics."""
    frames = {i: reader.infos[i].frames for i in ids}
    return plan_windows(frames, window, count, np.random.default_rng([seed, 7919]))
