"""FusedAdam: Keras' Adam, step for step, with one TensorFlow kernel per variable."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.build import build_model, compile_model
from model.losses import MaskedWeightedBCE
from model.optimizer import FusedAdam


def _variables(seed):
    rng = np.random.default_rng(seed)
    return [keras.Variable(rng.normal(size=shape).astype("float32"))
            for shape in [(3, 4), (4,), (2, 2, 5)]]


def _gradients(step, variables):
    rng = np.random.default_rng(100 + step)
    # gradients of very different sizes, as a real model has (tiny for biases, large early)
    return [tf.constant(rng.normal(scale=10.0 ** rng.integers(-4, 2), size=v.shape), tf.float32)
            for v in variables]


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "tf.function"])
def test_fused_adam_moves_every_variable_as_keras_adam_does(graph):
    ours, theirs = _variables(0), _variables(0)
    fused = FusedAdam(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6)
    plain = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6)
    apply_fused = lambda g: fused.apply(g, ours)  # noqa: E731
    apply_plain = lambda g: plain.apply(g, theirs)  # noqa: E731
    if graph:
        apply_fused, apply_plain = tf.function(apply_fused), tf.function(apply_plain)
    for step in range(12):
        grads = _gradients(step, ours)
        apply_fused(grads)
        apply_plain(grads)
    assert int(fused.iterations.numpy()) == int(plain.iterations.numpy()) == 12
    for a, b in zip(ours + fused.variables[1:], theirs + plain.variables[1:]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=2e-5, atol=1e-7)
    assert not np.allclose(ours[0].numpy(), _variables(0)[0].numpy())  # it did move


def test_each_variable_is_updated_by_one_fused_kernel():
    """What makes the training graph smaller: one ResourceApplyAdam per variable, none of
    Keras' per-variable arithmetic (if FusedAdam fell back silently, this would notice),
    also inside the default strategy's scope, where `model.train` builds and trains."""
    with tf.distribute.get_strategy().scope():
        variables = _variables(1)
        optimizer = FusedAdam(learning_rate=0.01)
        optimizer.build(variables)
        graph = tf.function(lambda g: optimizer.apply(g, variables)).get_concrete_function(
            [tf.TensorSpec(v.shape, tf.float32) for v in variables]).graph
    ops = [op.type for op in graph.get_operations()]
    assert ops.count("ResourceApplyAdam") == len(variables)
    assert "Sqrt" not in ops


def test_a_compiled_model_trains_saves_and_resumes_with_its_adam_state(tmp_path):
    m = compile_model(build_model(12, 12, 2, filters=(2, 2, 2), dense=(4,)), [2.0, 1.0])
    assert isinstance(m.optimizer, FusedAdam)
    rng = np.random.default_rng(0)
    x = rng.random((2, 3, 3, 12, 12), dtype=np.float32)
    y = {n: (rng.random((2, 3, 1)) > 0.5).astype(np.float32) for n in m.output_names}
    before = [v.numpy().copy() for v in m.trainable_variables]
    m.fit(x, y, epochs=3, verbose=0)
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(before, m.trainable_variables))
    m.save(tmp_path / "m.keras")

    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=True)
    assert isinstance(loaded.optimizer, FusedAdam)
    assert int(loaded.optimizer.iterations.numpy()) == 3
    for a, b in zip(m.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # one more step of each is the same step: the state was carried over
    m.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(m.trainable_variables, loaded.trainable_variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_under_a_distribute_strategy_it_takes_keras_own_path():
    """ResourceApplyAdam does not know mirrored variables: Keras' update runs there."""
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        ours, theirs = _variables(2), _variables(2)
        fused, plain = FusedAdam(learning_rate=0.05), keras.optimizers.Adam(learning_rate=0.05)
        fused.build(ours), plain.build(theirs)

    @tf.function
    def step(grads):
        strategy.run(lambda g: fused.apply(g, ours), args=(grads,))
        strategy.run(lambda g: plain.apply(g, theirs), args=(grads,))

    for k in range(3):
        step(_gradients(k, ours))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_a_run_saved_with_keras_adam_resumes_as_fused_adam_with_its_state(tmp_path):
    """Runs saved before FusedAdam existed: a one-click retrain resumes them (compile=True,
    the loaded optimizer handed to compile_model) and carries on exactly as Keras' Adam
    would, as a FusedAdam."""
    old = build_model(12, 12, 2, filters=(2, 2, 2), dense=(4,))
    old.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),  # as compile_model did
                loss={n: MaskedWeightedBCE(w) for n, w in zip(old.output_names, [2.0, 1.0])})
    rng = np.random.default_rng(0)
    x = rng.random((2, 3, 3, 12, 12), dtype=np.float32)
    y = {n: (rng.random((2, 3, 1)) > 0.5).astype(np.float32) for n in old.output_names}
    old.fit(x, y, epochs=4, verbose=0)
    old.save(tmp_path / "old.keras")

    plain = keras.models.load_model(tmp_path / "old.keras", safe_mode=True, compile=True)
    assert type(plain.optimizer) is keras.optimizers.Adam  # the reference: resumed as it was
    resumed = keras.models.load_model(tmp_path / "old.keras", safe_mode=True, compile=True)
    compile_model(resumed, [2.0, 1.0], lr=3e-3, optimizer=resumed.optimizer)

    assert isinstance(resumed.optimizer, FusedAdam)
    assert int(resumed.optimizer.iterations.numpy()) == 4
    for a, b in zip(old.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for _ in range(3):
        plain.train_on_batch(x, y)
        resumed.train_on_batch(x, y)
    for a, b in zip(plain.trainable_variables, resumed.trainable_variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_a_float16_run_saved_with_keras_adam_resumes_with_loss_scaling_and_its_moments():
    m = build_model(12, 12, 2, filters=(2, 2, 2), dense=(4,))
    wrapped = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(learning_rate=1e-3))
    compile_model(m, [2.0, 1.0], optimizer=wrapped, loss_scale=True)
    x = np.random.default_rng(0).random((2, 3, 3, 12, 12), dtype=np.float32)
    m.train_on_batch(x, {n: np.ones((2, 3, 1), np.float32) for n in m.output_names})
    moments = [v.numpy().copy() for v in m.optimizer.inner_optimizer.variables]

    compile_model(m, [2.0, 1.0], optimizer=m.optimizer, loss_scale=True)
    assert isinstance(m.optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(m.optimizer.inner_optimizer, FusedAdam)
    for a, b in zip(moments, m.optimizer.inner_optimizer.variables):
        np.testing.assert_array_equal(a, b.numpy())
