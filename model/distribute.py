"""tf.distribute strategies for `TrainConfig.strategy`."""

from __future__ import annotations

import json
import os

import tensorflow as tf

from .errors import ModelConfigError


def resolve_strategy(name="default", devices=None):
    """Return ``(strategy, is_chief)``.

    'default'     the current (usually no-op) strategy.
    'mirrored'    MirroredStrategy over `devices`, else all GPUs, else all logical CPUs (so
                  two logical CPUs made with tf.config.set_logical_device_configuration
                  before TensorFlow initialises give two replicas).
    'multiworker' MultiWorkerMirroredStrategy configured by the TF_CONFIG environment
                  variable; must be created before TensorFlow runs any op in this process.
                  Only the chief writes the run folder.
    """
    if name == "default":
        return tf.distribute.get_strategy(), True
    if name == "mirrored":
        if devices is None:
            gpus = tf.config.list_logical_devices("GPU")
            devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        try:
            return tf.distribute.MirroredStrategy(devices=list(devices)), True
        except (ValueError, RuntimeError) as exc:
            raise ModelConfigError(f"mirrored strategy on {devices}: {exc}") from None
    if name == "multiworker":
        raw = os.environ.get("TF_CONFIG")
        if not raw:
            raise ModelConfigError("strategy 'multiworker' needs the TF_CONFIG environment variable")
        try:
            tf_config = json.loads(raw)
            cluster, task = tf_config["cluster"], tf_config.get("task", {})
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelConfigError(f"TF_CONFIG is not usable: {exc}") from None
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        kind, index = task.get("type"), task.get("index", 0)
        is_chief = kind == "chief" or (kind in (None, "worker") and index == 0 and "chief" not in cluster)
        return strategy, is_chief
    raise ModelConfigError(f"unknown strategy {name!r}")


def is_multi_worker(strategy) -> bool:
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def fix_keras_multi_worker_build(model, strategy) -> None:
    """Let Keras 3's `fit` start under MultiWorkerMirroredStrategy.

    Before its first step `fit` builds the compiled loss and metrics from one batch; under a
    strategy it averages the replicas' batches with `strategy.reduce`, which fails for
    MultiWorkerMirroredStrategy ("Attempt to convert a value (PerReplica ...) to a Tensor",
    keras-team/keras#20585, tensorflow/tensorflow#72388).  Only the batch's shapes matter
    there, so this model takes this worker's first local replica's batch instead.  A test
    trains with two workers on localhost (tests/model/test_distribute.py), so a Keras that
    changes this private method is noticed.
    """
    if not is_multi_worker(strategy) or not hasattr(model, "_maybe_symbolic_build"):
        return

    def maybe_symbolic_build(iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, it in iterator:
                batch = next(it)
                data_batch = tf.nest.map_structure(
                    lambda x: strategy.experimental_local_results(x)[0]
                    if isinstance(x, tf.distribute.DistributedValues) else x, batch)
                break
        with strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    model._maybe_symbolic_build = maybe_symbolic_build
    _patch_keras_reduce_per_replica()


def _patch_keras_reduce_per_replica() -> None:
    """Keras 3 averages each training step's logs across workers with
    ``strategy.reduce("MEAN", v, axis=0)``; a log such as the loss is a scalar, which has no
    axis 0 ("Invalid reduction dimension 0 for input with 0 dimensions").  Scalars are
    averaged with ``axis=None`` here (what axis=0 means for a batch of per-replica values);
    everything else goes to Keras unchanged.  Idempotent."""
    from keras.src.backend.tensorflow import trainer as keras_trainer

    original = keras_trainer.reduce_per_replica
    if getattr(original, "_trailer_fixed", False):
        return

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and is_multi_worker(strategy):
            def mean(v):
                if isinstance(v, tf.distribute.DistributedValues) or tf.is_tensor(v):
                    rank = v.shape.rank if tf.is_tensor(v) else \
                        strategy.experimental_local_results(v)[0].shape.rank
                    return strategy.reduce("MEAN", v, axis=None if rank == 0 else 0)
                return v
            return tf.nest.map_structure(mean, values)
        return original(values, strategy, reduction)

    reduce_per_replica._trailer_fixed = True
    keras_trainer.reduce_per_replica = reduce_per_replica
