"""FastConvLSTM2D's time step: the gates in one XLA kernel each way (`model.layers.lstm_cell`)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.build import build_model, build_seed_model, seed_weights_to_fast
from model.layers import FastConvLSTM2D, lstm_cell
from model.precision import set_precision

TANH = keras.activations.get("tanh")
HARD_SIGMOID = keras.activations.get("hard_sigmoid")


def plain_gates(xz, hr, c):
    """The ConvLSTM gate arithmetic as TensorFlow ops, in float32 (the reference)."""
    z = tf.cast(xz, tf.float32) + tf.cast(hr, tf.float32)
    zi, zf, zc, zo = tf.split(z, 4, axis=-1)
    c = HARD_SIGMOID(zf) * c + HARD_SIGMOID(zi) * TANH(zc)
    return HARD_SIGMOID(zo) * TANH(c), c


def _inputs(dtype, seed=0):
    rng = np.random.default_rng(seed)
    # Values that put every gate on both sides of hard_sigmoid's corners (|z| > 3).
    xz = tf.cast(rng.normal(0, 3, (2, 5, 5, 8)), dtype)
    hr = tf.cast(rng.normal(0, 1, (2, 5, 5, 8)), dtype)
    c = tf.constant(rng.normal(0, 1, (2, 5, 5, 2)), tf.float32)
    return xz, hr, c


def _grads(fn, xz, hr, c, use_c):
    with tf.GradientTape() as tape:
        tape.watch([xz, hr, c])
        h, c_next = fn(xz, hr, c)
        loss = tf.reduce_sum(tf.cast(h, tf.float32) * np.arange(1, 3, dtype=np.float32))
        if use_c:
            loss += tf.reduce_sum(c_next ** 2)
    return (h, c_next), tape.gradient(loss, [xz, hr, c])


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("use_c", [True, False], ids=["h and c used", "only h used"])
def test_the_fused_cell_equals_the_plain_gates_forward_and_backward(dtype, use_c):
    cell = lstm_cell(TANH, HARD_SIGMOID)
    xz, hr, c = _inputs(dtype)
    (h, c_next), grads = _grads(cell, xz, hr, c, use_c)
    (h_ref, c_ref), grads_ref = _grads(plain_gates, xz, hr, c, use_c)
    tol = 1e-5 if dtype == "float32" else 2e-2
    # h comes back in the compute dtype (it feeds the next convolution); c stays float32.
    assert h.dtype == dtype and c_next.dtype == tf.float32
    np.testing.assert_allclose(np.float32(h), np.float32(tf.cast(h_ref, dtype)), atol=tol)
    np.testing.assert_allclose(c_next, c_ref, atol=1e-5)
    for got, want in zip(grads, grads_ref):
        assert got is not None
        np.testing.assert_allclose(np.float32(got), np.float32(tf.cast(want, got.dtype)),
                                   atol=tol, rtol=tol)


def test_the_fast_model_trains_with_the_literal_models_gradients():
    """Forward equality (test_build.py) is not enough: the fused cell writes its own backward
    pass, so the gradient of every weight must match Keras' ConvLSTM2D's."""
    seed = build_seed_model(12, 12, output_activation="sigmoid")
    fast = build_model(12, 12, seed_head=True, bn_momentum=0.99)
    seed_weights_to_fast(seed, fast)
    x = tf.constant(np.random.default_rng(1).random((2, 5, 3, 12, 12), dtype=np.float32))

    def weight_grads(model):
        with tf.GradientTape() as tape:
            outs = model(x, training=True)
            loss = sum(tf.reduce_sum(o * (k + 1.0)) for k, o in enumerate(outs))
        return {v.path.split("/")[0]: g for v, g in
                zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables))
                if "convlstm" in v.path and "recurrent" in v.path}

    seed_grads, fast_grads = weight_grads(seed), weight_grads(fast)
    assert set(fast_grads) == {"block1_convlstm", "block2_convlstm", "branches_convlstm"}
    scale = lambda g: float(tf.reduce_max(tf.abs(g)))  # noqa: E731
    for name in ("block1_convlstm", "block2_convlstm"):
        got, want = fast_grads[name][0], seed_grads[name]
        assert scale(want) > 0
        np.testing.assert_allclose(got, want, atol=1e-4 * scale(want))
    # The six branches are one grouped recurrence: group g holds branch g's kernel.
    branch_names = sorted(n for n in seed_grads if n.startswith("conv_lstm2d") or "branch" in n)
    assert len(branch_names) == 6
    for g, name in enumerate(branch_names):
        want = seed_grads[name]
        np.testing.assert_allclose(fast_grads["branches_convlstm"][g], want,
                                   atol=1e-4 * max(scale(want), 1e-6))


def test_a_bfloat16_stateful_layer_carries_its_cell_state_in_float32():
    layer = FastConvLSTM2D(3, stateful=True, state_lanes=2, dtype="mixed_bfloat16")
    x = np.random.default_rng(2).random((2, 6, 5, 5, 2), dtype=np.float32)
    whole = layer(x)
    layer.reset_state()
    chunks = tf.concat([layer(x[:, :4]), layer(x[:, 4:])], axis=1)
    assert layer._states.c.dtype == tf.float32 and layer._states.h.dtype == tf.bfloat16
    np.testing.assert_allclose(np.float32(chunks), np.float32(whole), atol=1e-2)
