"""Custom Keras layers of the fast model (TensorFlow backend).

The fast model computes the same function class as the seed's model, written for the machine
(see DESIGN.md, "Facts measured here"):

* `FastConvLSTM2D` is a ConvLSTM2D (padding 'same', return_sequences) that computes the input
  convolution of every frame at once, outside the time loop (it does not depend on the state),
  and loops only over the recurrent convolution.  With ``groups=G`` it is G independent
  ConvLSTM2Ds that read the same input: their input kernels are stacked and their recurrent
  kernel is block-diagonal, so the seed's six genre branches run as ONE recurrence.
* `GroupFlatten` flattens each group separately, in the order Keras' Flatten would use on that
  group's own (rows, cols, filters) tensor.
* `GroupDense` is one Dense per group, all computed as one einsum.
* `SelectGroup` picks one group; it carries the `cat_{genre}` output names.
* `FastBatchNormalization` is Keras' BatchNormalization whose training step runs TensorFlow's
  fused kernel (one pass for the moments and the normalisation, one for the gradient) instead
  of a dozen separate ops: 3x faster on block 1's output with its gradient (model/README.md).
* `FrameMaxPooling3D` is MaxPooling3D for pools that never span frames (the seed's are all
  (1, a, b)), computed as 2-D pooling of every frame: TensorFlow's MaxPool3D is 5x slower
  forward and 9x slower with its gradient than MaxPool2D on the same data (model/README.md).

Weights are stored per group in Keras' own per-layer layout (kernel ``(G, kh, kw, in, 4F)``,
gates i, f, c, o), so a literal seed model's weights map onto these one to one
(`model.build.seed_weights_to_fast`).  All layers are registered serializable, so
`keras.models.load_model(..., safe_mode=True)` can load them.
"""

from __future__ import annotations

import keras
import tensorflow as tf

PACKAGE = "trailer_model"


def _per_group(initializer, groups):
    """Initialise a ``(groups, *shape)`` weight group by group.

    Keras' fan-based initialisers (glorot, orthogonal) would otherwise see one big tensor and
    pick a different scale than the seed's separate layers get.
    """
    init = keras.initializers.get(initializer)

    def call(shape, dtype=None):
        assert shape[0] == groups, (shape, groups)
        return tf.stack([init(tuple(shape[1:]), dtype=dtype) for _ in range(groups)])

    return call


class _States:
    """Plain holder so Keras' tracker does not count state variables as weights.

    (Keras' own RNN does the same: stateful states are not part of `get_weights()`, so a
    stateful copy of a layer takes the trained layer's weights unchanged.)
    """

    def __init__(self, h, c):
        self.h, self.c = h, c


@keras.saving.register_keras_serializable(package=PACKAGE)
class FastConvLSTM2D(keras.layers.Layer):
    """ConvLSTM2D, channels-last, padding 'same', return_sequences=True, optional groups.

    Input ``(batch, time, rows, cols, channels)``; output ``(batch, time, rows, cols,
    groups * filters)`` with channels laid out group-major (group g owns channels
    ``g*filters:(g+1)*filters``).

    ``stateful=True`` (prediction only) keeps the last h, c between calls so a long trailer can
    be fed in chunks; it needs a fixed batch size, or ``state_lanes``: the most sequences a
    call may carry, so calls of any batch up to it (and any length) share one traced graph
    (`model.predict.Predictor` runs several shots at once).  `reset_state()` zeroes them.
    """

    def __init__(
        self,
        filters,
        kernel_size=(3, 3),
        groups=1,
        activation="tanh",
        recurrent_activation="hard_sigmoid",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        stateful=False,
        state_lanes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.groups = int(groups)
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.stateful = bool(stateful)
        self.state_lanes = None if state_lanes is None else int(state_lanes)
        self._states = None

    def build(self, input_shape):
        _, _, rows, cols, channels = input_shape
        if channels is None:
            raise ValueError("FastConvLSTM2D needs a known channel count")
        g, f = self.groups, self.filters
        kh, kw = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(g, kh, kw, channels, 4 * f),
            initializer=_per_group(self.kernel_initializer, g),
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(g, kh, kw, f, 4 * f),
            initializer=_per_group(self.recurrent_initializer, g),
        )
        if self.unit_forget_bias:
            base = self.bias_initializer

            def bias_init(shape, dtype=None):
                # Per group: [i, f, c, o] blocks of `filters`; forget gate starts at 1
                # (Keras' unit_forget_bias), so early training does not forget everything.
                b = base((g, f), dtype=dtype)
                return tf.stack([b, tf.ones((g, f), dtype), base((g, f), dtype=dtype),
                                 base((g, f), dtype=dtype)], axis=1)

            init = bias_init
        else:
            init = self.bias_initializer
        self.bias = self.add_weight(name="bias", shape=(g, 4, f), initializer=init)
        if self.stateful:
            batch = input_shape[0] if self.state_lanes is None else self.state_lanes
            if batch is None or rows is None or cols is None:
                raise ValueError("stateful FastConvLSTM2D needs a fixed batch size and image size")
            shape = (batch, rows, cols, g * f)
            self._states = _States(
                # h in the layer's compute dtype (it feeds bfloat16/float16 convolutions under
                # a mixed policy); c always float32, as `call` carries it.
                tf.Variable(tf.zeros(shape, self.compute_dtype), trainable=False, name="h"),
                tf.Variable(tf.zeros(shape, tf.float32), trainable=False, name="c"),
            )

    def reset_state(self):
        if self._states is not None:
            self._states.h.assign(tf.zeros_like(self._states.h))
            self._states.c.assign(tf.zeros_like(self._states.c))

    def _kernels(self):
        """Stacked input kernel ``(kh, kw, in, 4GF)`` and block-diagonal recurrent kernel
        ``(kh, kw, GF, 4GF)``; output channels ordered (gate, group, filter) so a plain
        4-way split gives the gates of all groups at once."""
        g, f = self.groups, self.filters
        kh, kw = self.kernel_size
        k = tf.reshape(self.kernel, (g, kh, kw, -1, 4, f))
        k = tf.reshape(tf.transpose(k, (1, 2, 3, 4, 0, 5)), (kh, kw, -1, 4 * g * f))
        r = tf.reshape(self.recurrent_kernel, (g, kh, kw, f, 4, f))
        if g == 1:
            r = tf.reshape(r, (kh, kw, f, 4 * f))
        else:
            # Block-diagonal: group g's state only feeds group g's gates.
            eye = tf.eye(g, dtype=r.dtype)
            r = tf.einsum("gxyaqb,gh->xygaqhb", r, eye)
            r = tf.reshape(r, (kh, kw, g * f, 4 * g * f))
        b = tf.reshape(tf.transpose(self.bias, (1, 0, 2)), (4 * g * f,))
        return k, r, b

    def call(self, inputs):
        g, f = self.groups, self.filters
        k, r, b = self._kernels()
        shape = tf.shape(inputs)
        batch, time = shape[0], shape[1]
        rows, cols = inputs.shape[2], inputs.shape[3]
        rows = shape[2] if rows is None else rows
        cols = shape[3] if cols is None else cols
        # Input convolution for all frames at once (one big conv instead of T small ones),
        # time-major for scan.  The input is transposed, not the 4*G*F-channel result: 4-26x
        # less memory to move, forward and backward.
        x = tf.transpose(inputs, (1, 0, 2, 3, 4))
        x = tf.reshape(x, tf.stack([-1, rows, cols, inputs.shape[-1]]))
        xz = tf.nn.bias_add(tf.nn.conv2d(x, k, 1, "SAME"), b)
        xz = tf.reshape(xz, tf.stack([time, batch, rows, cols, 4 * g * f]))
        if self._states is not None:
            # The first `batch` lanes (all of them unless state_lanes allows fewer).
            h0, c0 = self._states.h[:batch], self._states.c[:batch]
        else:
            h0 = tf.zeros(tf.stack([batch, rows, cols, g * f]), dtype=xz.dtype)
            c0 = h0
        act, rec = self.activation, self.recurrent_activation

        mixed = xz.dtype != tf.float32
        if mixed:
            c0 = tf.cast(c0, tf.float32)

        def step(carry, z):
            h, c = carry
            z = z + tf.nn.conv2d(h, r, 1, "SAME")
            zi, zf, zc, zo = tf.split(z, 4, axis=-1)
            if mixed:
                # Under a mixed policy the cell state is carried in float32, as is usual for
                # an accumulated state: it sums each frame's contribution onto all earlier
                # ones, which an 8-bit mantissa rounds away.  (On the acceptance setup it did
                # not close bfloat16's gap to float32: model/README.md, "A machine with AMX".)
                c = tf.cast(rec(zf), tf.float32) * c + tf.cast(rec(zi) * act(zc), tf.float32)
                h = rec(zo) * tf.cast(act(c), z.dtype)
            else:
                c = rec(zf) * c + rec(zi) * act(zc)
                h = rec(zo) * act(c)
            return h, c

        hs, cs = tf.scan(step, xz, initializer=(h0, c0))
        if self._states is not None:
            self._states.h[:batch].assign(hs[-1])
            self._states.c[:batch].assign(tf.cast(cs[-1], self._states.c.dtype))
        return tf.transpose(hs, (1, 0, 2, 3, 4))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.groups * self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            groups=self.groups,
            activation=keras.activations.serialize(self.activation),
            recurrent_activation=keras.activations.serialize(self.recurrent_activation),
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            recurrent_initializer=keras.initializers.serialize(self.recurrent_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
            unit_forget_bias=self.unit_forget_bias,
            stateful=self.stateful,
        )
        if self.state_lanes is not None:
            config["state_lanes"] = self.state_lanes
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class GroupFlatten(keras.layers.Layer):
    """``(B, T, rows, cols, G*F)`` -> ``(B, T, G, rows*cols*F)``, each group flattened in
    (rows, cols, filters) order, as TimeDistributed(Flatten) does on one branch's tensor."""

    def __init__(self, groups, **kwargs):
        super().__init__(**kwargs)
        self.groups = int(groups)

    def call(self, inputs):
        _, _, rows, cols, ch = inputs.shape
        g = self.groups
        shape = tf.shape(inputs)
        x = tf.reshape(inputs, tf.stack([shape[0], shape[1], rows, cols, g, ch // g]))
        x = tf.transpose(x, (0, 1, 4, 2, 3, 5))
        return tf.reshape(x, tf.stack([shape[0], shape[1], g, rows * cols * (ch // g)]))

    def compute_output_shape(self, input_shape):
        b, t, rows, cols, ch = input_shape
        return (b, t, self.groups, rows * cols * (ch // self.groups))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


@keras.saving.register_keras_serializable(package=PACKAGE)
class GroupDense(keras.layers.Layer):
    """One Dense per group: ``(B, T, G, in)`` -> ``(B, T, G, units)`` as one einsum."""

    def __init__(self, units, groups, activation=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.groups = int(groups)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.groups, input_shape[-1], self.units),
            initializer=_per_group(self.kernel_initializer, self.groups),
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.groups, self.units), initializer=self.bias_initializer
        )

    def call(self, inputs):
        return self.activation(tf.einsum("btgi,gio->btgo", inputs, self.kernel) + self.bias)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "groups": self.groups,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


@keras.saving.register_keras_serializable(package=PACKAGE)
class SelectGroup(keras.layers.Layer):
    """``(B, T, G, units)`` -> ``(B, T, units)`` of one group (named ``cat_{genre}``)."""

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, inputs):
        return inputs[:, :, self.index, :]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:2]) + tuple(input_shape[3:])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package=PACKAGE)
class FrameMaxPooling3D(keras.layers.MaxPooling3D):
    """MaxPooling3D (channels-last) whose pools that cover one frame run as 2-D pooling.

    Same configuration, same output, same gradient: only the kernel differs.  Pools that
    span frames fall back to MaxPooling3D.  On (8, 16, 64, 64, 20) here, the 3-D kernel took
    57 ms forward and 551 ms with its gradient; the 2-D one 11 and 60 ms."""

    def _per_frame(self):
        return (self.pool_size[0] == 1 and self.strides[0] == 1
                and self.data_format == "channels_last")

    def call(self, inputs):
        if not self._per_frame():
            return super().call(inputs)
        shape = tf.shape(inputs)
        rows, cols, channels = inputs.shape[2], inputs.shape[3], inputs.shape[4]
        rows = shape[2] if rows is None else rows
        cols = shape[3] if cols is None else cols
        frames = tf.reshape(inputs, tf.stack([-1, rows, cols, channels]))
        pooled = tf.nn.max_pool2d(frames, self.pool_size[1:], self.strides[1:],
                                  self.padding.upper())
        out = tf.shape(pooled)
        return tf.reshape(pooled, tf.stack([shape[0], shape[1], out[1], out[2], channels]))


@keras.saving.register_keras_serializable(package=PACKAGE)
class FastBatchNormalization(keras.layers.BatchNormalization):
    """BatchNormalization (channels-last) that trains through TensorFlow's fused kernel.

    Same weights, configuration and results as Keras' layer: statistics over every axis but
    the last, computed in float32 whatever the compute dtype (as Keras does), moving averages
    of the mean and the *biased* variance.  Keras 3 computes the moments, the normalisation
    and their gradients as separate ops over the whole tensor; the fused kernel does it in a
    pass each way.  On (8, 16, 64, 64, 20) here, forward and backward: 60 vs 191 ms in
    float32, 88 vs 212 ms under mixed_bfloat16 (TensorFlow's fused bfloat16 kernel is slower
    than float32, hence the casts).  Inference, masks, renormalisation and synchronised
    statistics go through Keras' own code.
    """

    def _fused(self, inputs, training, mask):
        return (training and self.trainable and mask is None and not self.renorm
                and not getattr(self, "synchronized", False) and self.scale and self.center
                and inputs.shape.rank in (4, 5)
                and self.axis % inputs.shape.rank == inputs.shape.rank - 1)

    def call(self, inputs, training=None, mask=None):
        if not self._fused(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        shape = tf.shape(inputs)
        channels = inputs.shape[-1]
        x = tf.cast(inputs, tf.float32)
        if inputs.shape.rank == 5:
            x = tf.reshape(x, tf.stack([-1, shape[2], shape[3], channels]))
        y, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            x, self.gamma, self.beta, epsilon=self.epsilon, is_training=True)
        # The kernel returns the unbiased (n - 1) variance for the moving average; Keras
        # averages the biased one.
        n = tf.cast(tf.size(x) // channels, tf.float32)
        variance = variance * (n - 1.0) / tf.maximum(n, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return tf.cast(tf.reshape(y, shape), self.compute_dtype)
