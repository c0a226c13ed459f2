"""Compute precision of training and prediction (``TrainConfig.precision``).

Weights, BatchNormalization statistics, the loss and the saved model are always float32;
only the layers' arithmetic runs in the chosen precision (Keras' mixed dtype policies), so a
model trained in one precision predicts in any.

Measured (tests/benchmarks/bench_model.py, 2 cores): with AMX, bfloat16 runs the dominant
3x3 convolution at 3x the float32 rate; see `resolve` for why 'auto' still picks float32 on
CPUs, and model/README.md.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

PRECISIONS = ("auto", "float32", "bfloat16", "float16")
POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
# Layers that stay float32 whatever the precision: the outputs (probabilities go into the
# loss and the prediction files) and the head's last Dense of the fast model (tiny, and it
# feeds the sigmoid).
FLOAT32_LAYERS = ("branches_out",)


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo cannot be read, e.g. macOS)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_has_bf16(flags: set[str] | None = None) -> bool:
    """AVX-512 BF16 or AMX: the CPU multiplies bfloat16 natively."""
    flags = cpu_flags() if flags is None else flags
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve(precision: str, gpus: int | None = None) -> str:
    """'auto' -> float16 on GPUs (with loss scaling), float32 on CPUs; any other precision is
    returned as it is (after checking it).

    Why not bfloat16 on CPUs, even with AMX: it trains faster there (181 vs 119 frames/s,
    tests/benchmarks/bench_model.py) but worse.  On an AMX machine the demo acceptance setup
    (tests/model/test_demo_acceptance.py) reached validation objective 87.8 against 100.0 in
    float32 and held-out dominant-genre Edit 70.7-88.2 against 94.4 (model/README.md,
    "A machine with AMX").  With AVX-512 BF16 alone it was slower on one machine (96.6 vs
    124.9 frames/s) and faster on an AMD Zen 4 (241-251 vs 167-177), where it learned worse
    just the same: held-out macro-F1 0.926 against 0.945 over three seeds, bfloat16 in the
    first block alone 0.923 (model/README.md, "Session 9").  Choosing 'bfloat16' explicitly
    still works everywhere.

    `gpus`: how many GPUs the run uses (None: ask TensorFlow)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    if gpus is None:
        import tensorflow as tf

        gpus = len(tf.config.list_physical_devices("GPU"))
    return "float16" if gpus else "float32"


def _keeps_float32(layer, output_names) -> bool:
    import keras

    return (layer.name in output_names or layer.name in FLOAT32_LAYERS
            or isinstance(layer, keras.layers.InputLayer))


def layer_policy(layer, precision: str, output_names) -> str:
    """The dtype policy name a layer gets in `precision` (a resolved precision)."""
    import keras

    if _keeps_float32(layer, output_names):
        return "float32"
    if precision == "float16" and isinstance(layer, keras.layers.MaxPooling3D):
        # TensorFlow has no float16 MaxPool3D kernel on CPUs (only bfloat16/float32): pool
        # in float32 there so float16 runs everywhere; on GPUs it costs two casts.
        return "float32"
    return POLICIES[precision]


def set_precision(model, precision: str) -> None:
    """Switch every layer of `model` to `precision` (resolved) in place.

    Variables stay float32 (mixed policies only change the compute dtype), so weights,
    optimizer state and BatchNormalization statistics are untouched.  Call before the model
    is traced (before fit / the first call), or the traced graph keeps the old precision."""
    names = set(model.output_names)
    for layer in model.layers:
        layer.dtype_policy = layer_policy(layer, precision, names)


def model_precision(model) -> str:
    """The precision `model` computes in (that of its first recurrent block)."""
    for layer in model.layers:
        name = layer.dtype_policy.name
        if name != "float32":
            return {v: k for k, v in POLICIES.items()}.get(name, "float32")
    return "float32"


@contextmanager
def saved_as_float32(model):
    """Within the block every layer of `model` says float32 (for saving: a saved model is
    float32 and any precision can load it); afterwards the layers get their policies back."""
    before = [(layer, layer.dtype_policy) for layer in model.layers]
    try:
        for layer, _ in before:
            layer.dtype_policy = "float32"
        yield model
    finally:
        for layer, policy in before:
            layer.dtype_policy = policy
