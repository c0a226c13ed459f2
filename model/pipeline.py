"""tf.data input pipeline: fixed-shape training windows streamed from memory-mapped files."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .data import WindowReader, plan_windows


def train_dataset(reader: WindowReader, ids, *, window, batch, steps, seed, first_epoch,
                  output_names) -> tf.data.Dataset:
    """An endless dataset of ``(x (batch, window, 3, rows, cols), {cat_g: (batch, window, 1)})``.

    Endless on purpose: `fit` gets `steps_per_epoch`, and Keras keeps one iterator across
    epochs when that is set.  Each pass of the generator is one "data epoch" of
    ``steps * batch`` windows, planned with a RNG seeded by (seed, epoch), so a resumed run
    (first_epoch > 0) sees new window borders and all workers of a multi-worker run see the
    same stream (which tf.distribute then shards by element).
    """
    ids = list(ids)
    frames = {i: reader.infos[i].frames for i in ids}
    info = reader.infos[ids[0]]
    n_out = len(output_names)
    per_epoch = steps * batch

    def generate():
        epoch = first_epoch
        while True:
            rng = np.random.default_rng([seed, epoch])
            for tid, start in plan_windows(frames, window, per_epoch, rng):
                x, y = reader.window(tid, start, window)
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
