"""FastConvLSTM2D trains like Keras' ConvLSTM2D (the same gradients, weight by weight) and
carries its cell state in float32 under a mixed policy."""

import keras
import numpy as np
import tensorflow as tf

import model.build as model_build
from model.build import build_model, build_seed_model, seed_weights_to_fast
from model.layers import FastConvLSTM2D


def test_the_fast_model_trains_with_the_literal_models_gradients(monkeypatch):
    """Forward equality (test_build.py) is not enough for training: the grouped recurrence
    (one block-diagonal kernel for six branches) and the input convolution taken out of the
    loop must give every recurrent kernel the gradient Keras' own ConvLSTM2D gives it.

    Both models pool with Keras' MaxPooling3D here: where a pool window holds tied maxima,
    its gradient goes to all of them and the fast model's 2-D pooling to one
    (tests/model/test_frame_pooling.py), and small random models do produce such ties."""
    monkeypatch.setattr(model_build, "FrameMaxPooling3D", keras.layers.MaxPooling3D)
    keras.utils.set_random_seed(0)
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


def test_under_a_mixed_policy_the_cell_state_is_carried_in_float32():
    """bfloat16 keeps 8 bits of mantissa; the cell state sums every frame's contribution onto
    the earlier ones, so it stays float32 (h, which feeds the convolutions, is bfloat16).
    A stateful layer keeps it float32 between chunks too, and chunks equal one whole call."""
    layer = FastConvLSTM2D(3, stateful=True, state_lanes=2, dtype="mixed_bfloat16")
    x = np.random.default_rng(2).random((2, 6, 5, 5, 2), dtype=np.float32)
    whole = layer(x)
    assert whole.dtype == tf.bfloat16
    assert layer._states.c.dtype == tf.float32 and layer._states.h.dtype == tf.bfloat16
    layer.reset_state()
    chunks = tf.concat([layer(x[:, :4]), layer(x[:, 4:])], axis=1)
    np.testing.assert_array_equal(np.float32(chunks), np.float32(whole))
