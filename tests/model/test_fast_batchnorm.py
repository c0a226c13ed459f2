"""FastBatchNormalization: Keras' BatchNormalization, trained through the fused kernel."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.build import build_model
from model.layers import FastBatchNormalization


def _pair(dtype="float32", momentum=0.9, shape=(2, 3, 5, 6, 4)):
    """A Keras BatchNormalization and a FastBatchNormalization with the same (non-trivial)
    weights and moving statistics."""
    keras_bn = keras.layers.BatchNormalization(momentum=momentum, dtype=dtype)
    fast_bn = FastBatchNormalization(momentum=momentum, dtype=dtype)
    rng = np.random.default_rng(0)
    weights = [rng.normal(1, 0.2, 4), rng.normal(0, 0.2, 4), rng.normal(0, 1, 4), rng.uniform(0.5, 2, 4)]
    for bn in (keras_bn, fast_bn):
        bn.build((None, *shape[1:]))
        bn.set_weights([w.astype(np.float32) for w in weights])
    return keras_bn, fast_bn


def _train_call(bn, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bn(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) * tf.range(1.0, 5.0))
    return y, tape.gradient(loss, [x, bn.gamma, bn.beta])


@pytest.mark.parametrize("shape", [(2, 3, 5, 6, 4), (6, 5, 6, 4)], ids=["frames", "images"])
def test_training_steps_give_keras_outputs_gradients_and_moving_statistics(shape):
    keras_bn, fast_bn = _pair(shape=shape)
    rng = np.random.default_rng(1)
    for step in range(3):
        x = tf.constant(rng.normal(step, 2, shape).astype(np.float32))
        (y_k, g_k), (y_f, g_f) = _train_call(keras_bn, x), _train_call(fast_bn, x)
        np.testing.assert_allclose(y_f, y_k, atol=1e-4)
        for a, b in zip(g_f, g_k):
            np.testing.assert_allclose(a, b, atol=1e-3, rtol=1e-4)
        # The biased variance goes into the moving average, as in Keras (the fused kernel
        # itself reports the unbiased one).
        np.testing.assert_allclose(fast_bn.moving_mean, keras_bn.moving_mean, atol=1e-5)
        np.testing.assert_allclose(fast_bn.moving_variance, keras_bn.moving_variance, rtol=1e-5)
    x = tf.constant(rng.normal(0, 2, shape).astype(np.float32))
    np.testing.assert_allclose(fast_bn(x, training=False), keras_bn(x, training=False), atol=1e-5)


def test_under_mixed_bfloat16_it_normalises_in_float32_and_keeps_float32_statistics():
    keras_bn, fast_bn = _pair("mixed_bfloat16")
    x = tf.cast(np.random.default_rng(2).normal(3, 2, (2, 3, 5, 6, 4)), tf.bfloat16)
    (y_k, g_k), (y_f, g_f) = _train_call(keras_bn, x), _train_call(fast_bn, x)
    assert y_f.dtype == tf.bfloat16 and g_f[0].dtype == tf.bfloat16
    assert fast_bn.moving_variance.dtype == tf.float32
    np.testing.assert_allclose(np.float32(y_f), np.float32(y_k), atol=2e-2)
    np.testing.assert_allclose(fast_bn.moving_variance, keras_bn.moving_variance, rtol=1e-5)
    np.testing.assert_allclose(fast_bn.moving_mean, keras_bn.moving_mean, atol=1e-5)


def test_the_fast_model_normalises_with_it_and_the_literal_model_with_keras():
    fast = build_model(12, 12)
    literal = build_model(12, 12, fast=False)
    assert type(fast.get_layer("block1_bn")) is FastBatchNormalization
    assert type(literal.get_layer("block1_bn")) is keras.layers.BatchNormalization
