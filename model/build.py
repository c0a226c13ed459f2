"""The seed's ConvLSTM, literal (`fast=False`) or written for the machine (`fast=True`).

Seed architecture (seed text, DESIGN.md):

    Input (frames, 3, rows, cols), channels-first
    ConvLSTM2D(20, 3x3, same, tanh, hard_sigmoid, return_sequences) -> BN -> MaxPool3D(1,2,2)
    ConvLSTM2D(10, 3x3, same, return_sequences)                     -> BN -> MaxPool3D(1,3,3)
    per genre: ConvLSTM2D(5, 3x3, same, random_uniform kernel) -> MaxPool3D(1,2,2)
               -> TimeDistributed(Flatten) -> TD(Dense 512) -> TD(Dense 32) -> TD(Dense 1)
               named cat_{genre}

Differences, each on purpose:
* One Permute at the input: the files and the input stay channels-first, the layers run
  channels-last (TensorFlow cannot train channels-first convolutions on CPU).  So
  BatchNormalization normalises the channel axis (the seed's default axis=-1 was columns).
* `recurrent_activation='hard_sigmoid'` in every ConvLSTM: the seed set it on the first and
  relied on Keras 2's default (hard_sigmoid) elsewhere; Keras 3's default is sigmoid.
* Sigmoid outputs (binary cross-entropy, `model.losses`); the literal seed model keeps linear
  outputs unless asked.
* `head_activation='relu'` between the Dense layers (the seed's 512 -> 32 -> 1 without
  activation is one linear map); `seed_head=True` keeps it linear.
* BatchNormalization momentum 0.9 (the seed's 0.99 had not converged on a small project).
* Optional `dropout` before each hidden Dense of the genre heads (`branches_dropout{k}` /
  `branch{i}_dropout{k}`; default 0 = none).  Dropout is the identity at inference and has no
  weights, so the function class and the weight layout are the seed's.

The fast model has the same function class (`seed_weights_to_fast` maps a literal model's
weights onto it and the outputs agree) but computes every input convolution outside the time
loop and runs the genre branches as one grouped recurrence (`model.layers`).
"""

from __future__ import annotations

import re

import keras

from .config import DEFAULT_GENRES
from .layers import (FastBatchNormalization, FastConvLSTM2D, FrameMaxPooling3D, GroupDense,
                     GroupFlatten, SelectGroup)
from .losses import MaskedWeightedBCE
from .optimizer import FusedAdam, as_fused

SEED_FILTERS = (20, 10, 5)
SEED_POOLS = ((1, 2, 2), (1, 3, 3), (1, 2, 2))
SEED_DENSE = (512, 32)


def output_names(genres) -> list[str]:
    """``cat_{genre}`` for each genre, made safe as Keras layer names and unique."""
    names = []
    for g in genres:
        base = "cat_" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(g))
        name, k = base, 1
        while name in names:
            k += 1
            name = f"{base}_{k}"
        names.append(name)
    return names


def build_model(
    rows,
    cols,
    genres=DEFAULT_GENRES,
    *,
    fast=True,
    channels=3,
    filters=SEED_FILTERS,
    kernel_size=(3, 3),
    pools=SEED_POOLS,
    dense=SEED_DENSE,
    seed_head=False,
    head_activation="relu",
    output_activation="sigmoid",
    activation="tanh",
    recurrent_activation="hard_sigmoid",
    branch_kernel_initializer="random_uniform",
    bn_momentum=0.9,
    dropout=0.0,
    frames=None,
    batch_size=None,
    name=None,
):
    """Build (not compile) the model.

    Input ``(batch, frames, channels, rows, cols)`` float32 in [0, 1], any number of frames
    unless `frames` is given.  Outputs: one ``(batch, frames, 1)`` tensor per genre, named
    ``cat_{genre}``, in genre order.  `genres` is a list of names or a count.  `dropout`:
    rate of a Dropout before each hidden Dense layer of the heads (training only).
    """
    if isinstance(genres, int):
        genres = DEFAULT_GENRES if genres == len(DEFAULT_GENRES) else [f"g{i}" for i in range(genres)]
    genres = list(genres)
    if not genres:
        raise ValueError("build_model: need at least one genre")
    if len(filters) != 3 or len(pools) != 3:
        raise ValueError("build_model: filters and pools need three entries (block1, block2, branch)")
    head_act = None if seed_head else head_activation
    names = output_names(genres)
    inp = keras.Input(
        shape=(frames, channels, rows, cols),
        batch_size=batch_size,
        name="trailer_input",
    )
    # (frames, C, rows, cols) -> (frames, rows, cols, C): the one transpose.
    x = keras.layers.Permute((1, 3, 4, 2), name="to_channels_last")(inp)
    common = dict(activation=activation, recurrent_activation=recurrent_activation)
    # The literal model keeps Keras' own layers; the fast one pools frame by frame.
    pool = FrameMaxPooling3D if fast else keras.layers.MaxPooling3D
    for block in (1, 2):
        f = filters[block - 1]
        if fast:
            x = FastConvLSTM2D(f, kernel_size, name=f"block{block}_convlstm", **common)(x)
        else:
            x = keras.layers.ConvLSTM2D(
                f, kernel_size, padding="same", return_sequences=True,
                name=f"block{block}_convlstm", **common)(x)
        norm = FastBatchNormalization if fast else keras.layers.BatchNormalization
        x = norm(axis=-1, momentum=bn_momentum, name=f"block{block}_bn")(x)
        x = pool(pools[block - 1], padding="same", name=f"block{block}_pool")(x)

    if fast:
        g = len(genres)
        y = FastConvLSTM2D(filters[2], kernel_size, groups=g, name="branches_convlstm",
                           kernel_initializer=branch_kernel_initializer, **common)(x)
        y = pool(pools[2], padding="same", name="branches_pool")(y)
        y = GroupFlatten(g, name="branches_flatten")(y)
        for k, units in enumerate(dense, 1):
            if dropout:
                y = keras.layers.Dropout(dropout, name=f"branches_dropout{k}")(y)
            y = GroupDense(units, g, activation=head_act, name=f"branches_dense{k}")(y)
        y = GroupDense(1, g, activation=output_activation, name="branches_out")(y)
        outputs = [SelectGroup(i, name=n)(y) for i, n in enumerate(names)]
    else:
        outputs = []
        for i, out_name in enumerate(names):
            y = keras.layers.ConvLSTM2D(
                filters[2], kernel_size, padding="same", return_sequences=True, stateful=False,
                kernel_initializer=branch_kernel_initializer, name=f"branch{i}_convlstm",
                **common)(x)
            y = keras.layers.MaxPooling3D(pools[2], padding="same", name=f"branch{i}_pool")(y)
            y = keras.layers.TimeDistributed(keras.layers.Flatten(), name=f"branch{i}_flatten")(y)
            for k, units in enumerate(dense, 1):
                if dropout:
                    y = keras.layers.Dropout(dropout, name=f"branch{i}_dropout{k}")(y)
                y = keras.layers.TimeDistributed(
                    keras.layers.Dense(units, activation=head_act), name=f"branch{i}_dense{k}")(y)
            y = keras.layers.TimeDistributed(
                keras.layers.Dense(1, activation=output_activation), name=out_name)(y)
            outputs.append(y)
    return keras.Model(inp, outputs, name=name or ("convlstm_fast" if fast else "convlstm_seed"))


def build_seed_model(rows, cols, genres=DEFAULT_GENRES, *, output_activation="linear", **kwargs):
    """The seed's model layer for layer (channels-last inside, see module doc), with the
    seed's linear head, linear outputs and BatchNormalization momentum 0.99."""
    kwargs.setdefault("bn_momentum", 0.99)
    return build_model(rows, cols, genres, fast=False, seed_head=True,
                       output_activation=output_activation, **kwargs)


def compile_model(model, pos_weights, lr=1e-3, optimizer=None, jit_compile=False,
                  loss_scale=False):
    """Adam (`FusedAdam`: Keras' rule, one kernel per variable) + one masked,
    positive-weighted BCE per output.

    `loss_scale`: wrap the optimizer in Keras' dynamic LossScaleOptimizer (float16 training,
    whose small gradients would otherwise underflow); without it a loaded run's wrapped
    optimizer is unwrapped (its Adam state is kept).

    `optimizer` lets a resumed run keep its loaded optimizer (and its state; Keras' own Adam,
    from a run saved before `FusedAdam`, becomes one with the same state).  jit_compile is
    off: XLA made the first step 3.5x slower and training 4x slower on CPU (DESIGN.md).
    """
    names = model.output_names
    if len(pos_weights) != len(names):
        raise ValueError(f"compile_model: {len(pos_weights)} weights for {len(names)} outputs")
    scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    if optimizer is None:
        optimizer = FusedAdam(learning_rate=lr)
    elif scaled:
        inner = as_fused(optimizer.inner_optimizer, model.trainable_variables)
        if inner is not optimizer.inner_optimizer:
            # wrapped again below: the dynamic loss scale finds its level again in a few steps
            optimizer, scaled = inner, False
    else:
        optimizer = as_fused(optimizer, model.trainable_variables)
    if loss_scale and not scaled:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    elif scaled and not loss_scale:
        optimizer = optimizer.inner_optimizer
    optimizer.learning_rate = lr
    model.compile(
        optimizer=optimizer,
        loss={n: MaskedWeightedBCE(w, name=f"bce_{n}") for n, w in zip(names, pos_weights)},
        jit_compile=jit_compile,
    )
    _build_compiled_state(model)
    return model


def _build_compiled_state(model) -> None:
    """Create the compiled loss's trackers and the optimizer's variables now, from the
    model's symbolic inputs and outputs (labels have the outputs' shapes).

    Without a tf.distribute strategy Keras 3 leaves this to the first trace of the training
    step; the step then creates variables, and TensorFlow traces it a second time (its rule
    for functions that create variables).  That second trace of the whole forward, loss,
    gradient and Adam graph was 1.5-3 s of a 7.5 s first step (64x64, batch 8); this costs
    about 0.4 s.  `_symbolic_build` is what Keras itself calls under a strategy
    (tests/model/test_build.py counts the traces, so a Keras that changes it is noticed).
    """
    build = getattr(model, "_symbolic_build", None)
    if build is None:
        return
    labels = {n: o for n, o in zip(model.output_names, model.outputs)}
    build(data_batch=(model.inputs[0], labels))


def seed_weights_to_fast(seed_model, fast_model) -> None:
    """Copy a literal seed model's weights into a fast model of the same sizes.

    Proof that the fast model computes the same function class: after this, both give the
    same outputs (tests/model/test_build.py).
    """
    import numpy as np

    for block in (1, 2):
        k, r, b = seed_model.get_layer(f"block{block}_convlstm").get_weights()
        fast_model.get_layer(f"block{block}_convlstm").set_weights(
            [k[None], r[None], b.reshape(1, 4, -1)])
        fast_model.get_layer(f"block{block}_bn").set_weights(
            seed_model.get_layer(f"block{block}_bn").get_weights())
    names = fast_model.output_names
    ks, rs, bs = [], [], []
    for i in range(len(names)):
        k, r, b = seed_model.get_layer(f"branch{i}_convlstm").get_weights()
        ks.append(k), rs.append(r), bs.append(b.reshape(4, -1))
    fast_model.get_layer("branches_convlstm").set_weights([np.stack(ks), np.stack(rs), np.stack(bs)])
    n_dense = sum(1 for layer in fast_model.layers if layer.name.startswith("branches_dense"))
    pairs = [(f"branch{{}}_dense{k}", f"branches_dense{k}") for k in range(1, n_dense + 1)]
    pairs.append((None, "branches_out"))
    for seed_name, fast_name in pairs:
        kernels, biases = [], []
        for i, out_name in enumerate(names):
            layer = seed_model.get_layer(seed_name.format(i) if seed_name else out_name)
            k, b = layer.get_weights()
            kernels.append(k), biases.append(b)
        fast_model.get_layer(fast_name).set_weights([np.stack(kernels), np.stack(biases)])
