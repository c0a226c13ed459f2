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
