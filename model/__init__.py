"""Qt-free model package: the seed's ConvLSTM, its input pipeline, training and prediction.

Importing `model` (or `model.errors`, `model.config`, `model.data`, `model.metrics`,
`model.monitor`) does not import TensorFlow, which costs ~5 s and ~500 MB: the GUI can use
these at start-up.  `model.build`, `model.layers`, `model.train`, `model.predict` and
`model.evaluate` import TensorFlow when first imported.

Main entry points:
    model.train.train(dataset_dir, out_dir, config, listener=None, stop=None)
    model.predict.load(run_dir); model.predict.predict(model, scene)
    model.predict.predict_dataset(run_dir, dataset_dir, ids)
    model.evaluate.evaluate(run_dir, dataset_dir, ids)
    model.metrics.per_genre_metrics(y_true, y_prob, genre_names)
"""

import importlib

from . import runtime_env
from .errors import (  # noqa: F401  (cheap, re-exported for convenience)
    ModelConfigError,
    ModelDataError,
    ModelError,
    ModelRunError,
    TrainingDivergedError,
)

# Before any submodule can import TensorFlow: its allocator reads the environment once.
runtime_env.apply()

_SUBMODULES = {
    "augment", "build", "config", "data", "distribute", "evaluate", "files", "layers", "losses",
    "metrics", "monitor", "pipeline", "predict", "quiet", "runtime_env", "train",
}


def __getattr__(name):
    # Lazy submodules: `model.train` works after a plain `import model` without paying for
    # TensorFlow until it is used.
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
