"""tf.data input pipeline: fixed-shape training windows streamed from memory-mapped files."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .augment import HUE, augment_window, mix_windows
from .data import WindowReader, plan_windows


def train_dataset(reader: WindowReader, ids, *, window, batch, steps, seed, first_epoch,
                  output_names, augment=0.0, mix=0.0, hue=HUE) -> tf.data.Dataset:
    """An endless dataset of ``(x (batch, window, 3, rows, cols), {cat_g: (batch, window, 1)})``.

    Endless on purpose: `fit` gets `steps_per_epoch`, and Keras keeps one iterator across
    epochs when that is set.  Each pass of the generator is one "data epoch" of
    ``steps * batch`` windows, planned with a RNG seeded by (seed, epoch), so a resumed run
    (first_epoch > 0) sees new window borders and all workers of a multi-worker run see the
    same stream (which tf.distribute then shards by element).

    augment: strength of `model.augment.augment_window` (flip, colour grade; 0 = off).
    hue: its largest hue rotation (fraction of a turn).
    mix: probability that a window is composited with another random training window
    (`model.augment.mix_windows`, labels: both windows' genres).  Augmentation draws come
    from their own seeded generator, so the windows' plan does not depend on them.
    """
    ids = list(ids)
    frames = {i: reader.infos[i].frames for i in ids}
    info = reader.infos[ids[0]]
    n_out = len(output_names)
    per_epoch = steps * batch
    weights = np.array([frames[i] for i in ids], float)
    weights /= weights.sum()

    def generate():
        epoch = first_epoch
        while True:
            rng = np.random.default_rng([seed, epoch])
            aug_rng = np.random.default_rng([seed, epoch, 1])
            for tid, start in plan_windows(frames, window, per_epoch, rng):
                x, y = reader.window(tid, start, window)
                if augment:
                    x = augment_window(x, aug_rng, augment, hue)
                if mix and aug_rng.random() < mix:
                    other = ids[int(aug_rng.choice(len(ids), p=weights))]
                    start_b = int(aug_rng.integers(0, max(1, frames[other] - window + 1)))
                    xb, yb = reader.window(other, start_b, window)
                    if augment:
                        xb = augment_window(xb, aug_rng, augment, hue)
                    x, y = mix_windows(x, y, xb, yb, aug_rng)
                yield x, {name: y[:, g : g + 1] for g, name in enumerate(output_names)}
            epoch += 1

    signature = (
        tf.TensorSpec((window, 3, info.rows, info.cols), tf.float32),
        {name: tf.TensorSpec((window, 1), tf.float32) for name in output_names},
    )
    assert n_out == info.genres
    ds = tf.data.Dataset.from_generator(generate, output_signature=signature)
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
