"""The model: layer list against the seed's own code, fast == literal, saving."""

import keras
import numpy as np
import pytest
from keras.layers import (BatchNormalization, ConvLSTM2D, Dense, Flatten, Input, MaxPooling3D,
                          TimeDistributed)

from model.build import build_model, build_seed_model, output_names, seed_weights_to_fast
from model.config import DEFAULT_GENRES


def seed_text_model(frames, channels, pixels_x, pixels_y, categories):
    """The seed's My_ConvLSTM_Model, transcribed from the seed text.

    Only change: where the seed relied on Keras 2's default recurrent_activation
    ('hard_sigmoid'), it is spelled out, since Keras 3's default is 'sigmoid'.
    """
    trailer_input = Input(shape=(frames, channels, pixels_x, pixels_y), name="trailer_input")
    first_ConvLSTM = ConvLSTM2D(filters=20, kernel_size=(3, 3), data_format="channels_first",
                                recurrent_activation="hard_sigmoid", activation="tanh",
                                padding="same", return_sequences=True)(trailer_input)
    first_BatchNormalization = BatchNormalization()(first_ConvLSTM)
    first_Pooling = MaxPooling3D(pool_size=(1, 2, 2), padding="same",
                                 data_format="channels_first")(first_BatchNormalization)
    second_ConvLSTM = ConvLSTM2D(filters=10, kernel_size=(3, 3), data_format="channels_first",
                                 recurrent_activation="hard_sigmoid",  # Keras 2 default
                                 padding="same", return_sequences=True)(first_Pooling)
    second_BatchNormalization = BatchNormalization()(second_ConvLSTM)
    second_Pooling = MaxPooling3D(pool_size=(1, 3, 3), padding="same",
                                  data_format="channels_first")(second_BatchNormalization)
    outputs = [branch(second_Pooling, "cat_{}".format(category)) for category in categories]
    return keras.Model(inputs=trailer_input, outputs=outputs, name="Model")


def branch(last_convlstm_layer, name):
    branch_ConvLSTM = ConvLSTM2D(filters=5, kernel_size=(3, 3), data_format="channels_first",
                                 stateful=False, kernel_initializer="random_uniform",
                                 recurrent_activation="hard_sigmoid",  # Keras 2 default
                                 padding="same", return_sequences=True)(last_convlstm_layer)
    branch_Pooling = MaxPooling3D(pool_size=(1, 2, 2), padding="same",
                                  data_format="channels_first")(branch_ConvLSTM)
    flat_layer = TimeDistributed(Flatten())(branch_Pooling)
    first_Dense = TimeDistributed(Dense(512,))(flat_layer)
    second_Dense = TimeDistributed(Dense(32,))(first_Dense)
    target = TimeDistributed(Dense(1), name=name)(second_Dense)
    return target


# Config keys that differ on purpose: names, channels-first vs channels-last, BN axis
# (the seed's -1 was the columns), and bookkeeping.
IGNORED = {"name", "data_format", "axis", "dtype", "trainable", "seed", "build_config"}


def _describe(layer):
    config = {k: v for k, v in layer.get_config().items() if k not in IGNORED}
    if isinstance(layer, TimeDistributed):
        inner = layer.layer
        config["layer"] = (type(inner).__name__,
                           {k: v for k, v in inner.get_config().items() if k not in IGNORED})
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        if isinstance(config.get(key), dict):
            config[key] = config[key]["class_name"]
    name = layer.name if layer.name.startswith("cat_") else None
    return type(layer).__name__, name, config


def test_literal_model_matches_the_seed_layer_for_layer():
    seed = seed_text_model(None, 3, 32, 32, DEFAULT_GENRES)
    ours = build_seed_model(32, 32)
    seed_layers = [layer for layer in seed.layers if not isinstance(layer, keras.layers.InputLayer)]
    our_layers = [layer for layer in ours.layers if not isinstance(layer, keras.layers.InputLayer)]
    # Our one addition: the transpose to channels-last right after the input.
    assert type(our_layers[0]).__name__ == "Permute" and our_layers[0].dims == (1, 3, 4, 2)
    our_layers = our_layers[1:]
    assert len(our_layers) == len(seed_layers) == 6 + 6 * 6
    for s, o in zip(seed_layers, our_layers):
        assert _describe(o) == _describe(s), (s.name, o.name)
    # Batch normalisation over the channel axis (last, after the transpose).
    for layer in our_layers:
        if isinstance(layer, BatchNormalization):
            assert layer.axis in (-1, 4, [4], [-1])
    assert ours.output_names == [f"cat_{g}" for g in DEFAULT_GENRES]
    assert seed.count_params() > 0 and ours.count_params() == seed.count_params() + (
        # the seed's BN normalised 32 columns; ours normalises 20 and 10 channels
        4 * (20 + 10) - 4 * (32 + 16))


def test_fast_model_computes_the_same_function_as_the_literal_one():
    seed = build_seed_model(12, 12, output_activation="sigmoid")
    fast = build_model(12, 12, seed_head=True, bn_momentum=0.99)
    assert fast.count_params() == seed.count_params()
    assert fast.output_names == seed.output_names == output_names(DEFAULT_GENRES)
    seed_weights_to_fast(seed, fast)
    x = np.random.default_rng(0).random((2, 5, 3, 12, 12), dtype=np.float32)
    for training in (False, True):
        a = seed(x, training=training)
        b = fast(x, training=training)
        for u, v in zip(a, b):
            np.testing.assert_allclose(np.asarray(u), np.asarray(v), atol=1e-5)


def test_shapes_any_frame_count_and_options():
    m = build_model(24, 32, ["a", "b c"], filters=(4, 3, 2), dense=(8,))
    assert m.input_shape == (None, None, 3, 24, 32)
    assert m.output_names == ["cat_a", "cat_b_c"]
    for frames in (1, 7):
        out = m(np.zeros((1, frames, 3, 24, 32), np.float32))
        assert [tuple(o.shape) for o in out] == [(1, frames, 1)] * 2
        assert all(0 <= float(np.min(o)) and float(np.max(o)) <= 1 for o in out)
    with pytest.raises(ValueError):
        build_model(24, 24, [])


def test_saved_model_loads_in_safe_mode(tmp_path):
    from model.build import compile_model

    m = compile_model(build_model(12, 12, 3, filters=(4, 3, 2), dense=(8, 4)), [2.0, 1.0, 3.0])
    path = tmp_path / "m.keras"
    m.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    x = np.random.default_rng(1).random((1, 4, 3, 12, 12), dtype=np.float32)
    for u, v in zip(m(x), loaded(x)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), atol=1e-6)
    assert loaded.loss["cat_g2"].pos_weight == 3.0


def test_the_first_training_step_is_traced_once(monkeypatch):
    """Keras without a distribute strategy would build the compiled loss inside the first
    trace; the step then creates variables and TensorFlow traces it again (seconds at the
    start of every training run).  compile_model builds that state beforehand."""
    import tensorflow as tf

    from model.build import compile_model

    m = compile_model(build_model(12, 12, 2, filters=(2, 2, 2), dense=(4,)), [2.0, 1.0])
    traces = []
    step = m.train_step
    monkeypatch.setattr(m, "train_step", lambda data: traces.append(1) or step(data))
    x = np.zeros((2, 3, 3, 12, 12), np.float32)
    y = {n: np.ones((2, 3, 1), np.float32) for n in m.output_names}
    m.fit(tf.data.Dataset.from_tensors((x, y)).repeat(), steps_per_epoch=2, epochs=2, verbose=0)
    assert len(traces) == 1
    assert m.optimizer.iterations.numpy() == 4
