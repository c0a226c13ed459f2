"""The fast model pools frame by frame: the same numbers as Keras' MaxPooling3D, faster.

TensorFlow's MaxPool3D kernel is 5x slower forward and 9x slower with its gradient than
2-D pooling of every frame (model/README.md); the seed's pools never span frames."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.build import build_model
from model.layers import FrameMaxPooling3D
from model.predict import Predictor


def both_ways(x, pool_size, padding="same"):
    outs, grads = [], []
    for cls in (keras.layers.MaxPooling3D, FrameMaxPooling3D):
        layer = cls(pool_size, padding=padding)
        v = tf.Variable(x)
        with tf.GradientTape() as tape:
            y = layer(v)
            # A weighted sum: each output sends its own weight back to the input it came from.
            w = np.random.default_rng(0).standard_normal(y.shape).astype(np.float32)
            loss = tf.reduce_sum(y * w)
        outs.append(np.asarray(y))
        grads.append(np.asarray(tape.gradient(loss, v)))
    return outs, grads


@pytest.mark.parametrize("shape, pool, padding", [
    ((2, 3, 12, 12, 4), (1, 2, 2), "same"),
    ((2, 3, 32, 32, 5), (1, 3, 3), "same"),   # 32 is not a multiple of 3: padded edge
    ((1, 4, 7, 11, 3), (1, 2, 2), "same"),    # odd sizes
    ((1, 4, 7, 11, 3), (1, 3, 2), "valid"),
])
def test_frame_pooling_equals_keras_pooling_values_and_gradients(shape, pool, padding):
    x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    (a, b), (ga, gb) = both_ways(x, pool, padding)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ga, gb)


def test_pools_that_span_frames_fall_back_to_keras():
    x = np.random.default_rng(3).standard_normal((1, 4, 6, 6, 2)).astype(np.float32)
    (a, b), _ = both_ways(x, (2, 2, 2))
    assert a.shape == (1, 2, 3, 3, 2)
    np.testing.assert_array_equal(a, b)


def test_any_frame_count_goes_through_one_graph():
    layer = FrameMaxPooling3D((1, 2, 2), padding="same")
    run = tf.function(layer, input_signature=[tf.TensorSpec((None, None, 8, 8, 3))])
    for frames in (1, 5):
        assert run(tf.zeros((2, frames, 8, 8, 3))).shape == (2, frames, 4, 4, 3)


def old_run_with_keras_pooling():
    """The project's model as runs saved before FrameMaxPooling3D have it."""
    model = build_model(12, 12, 2, filters=(4, 3, 2), dense=(8,))
    config = model.get_config()
    for layer in config["layers"]:
        if layer["class_name"].endswith("FrameMaxPooling3D"):
            layer["class_name"] = "MaxPooling3D"
            layer["module"] = "keras.layers"
            layer.pop("registered_name", None)
    old = keras.Model.from_config(config)
    old.set_weights(model.get_weights())
    return model, old


def test_the_fast_model_and_its_predictor_pool_frame_by_frame():
    model, old = old_run_with_keras_pooling()
    assert {type(layer).__name__ for layer in model.layers if "pool" in layer.name} == {
        "FrameMaxPooling3D"}
    assert any(type(layer) is keras.layers.MaxPooling3D for layer in old.layers)
    scene = np.random.default_rng(4).integers(0, 256, (20, 3, 12, 12), dtype=np.uint8)
    predictor = Predictor(old, chunk=8)
    # Runs saved with Keras' pooling predict through the faster layer, to the same numbers.
    assert not any(type(layer) is keras.layers.MaxPooling3D for layer in predictor.stream.layers)
    direct = np.concatenate([np.asarray(o) for o in old(scene[None] / 255.0)], axis=-1)[0]
    np.testing.assert_allclose(predictor.predict(scene), direct, atol=1e-5)


def test_at_tied_maxima_frame_pooling_sends_the_gradient_to_one_of_them():
    """The one place the two poolings differ: TensorFlow's MaxPool3D gradient goes to every
    tied maximum of a window (so a window passes on more gradient than it received), the 2-D
    pooling's to one of them, the usual subgradient."""
    x = tf.constant(np.array([1.0, 1.0, 0.0, 0.0], np.float32).reshape(1, 1, 2, 2, 1))
    grads = {}
    for name, layer in (("frame", FrameMaxPooling3D((1, 2, 2))),
                        ("keras", keras.layers.MaxPooling3D((1, 2, 2)))):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        grads[name] = tape.gradient(y, x).numpy().ravel()
    assert grads["keras"].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert grads["frame"].sum() == 1.0 and set(grads["frame"][:2]) == {0.0, 1.0}
