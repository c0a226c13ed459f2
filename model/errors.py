"""Exceptions of the `model` package.

Every error that bad input can cause is one of these, with a message that names the file and
says what is wrong, so the GUI can show it as is.
"""


class ModelError(Exception):
    """Base class of all errors raised on purpose by `model`."""


class ModelDataError(ModelError, ValueError):
    """The dataset folder (or an array handed in) is missing, malformed or inconsistent."""


class ModelConfigError(ModelError, ValueError):
    """A training configuration or output folder cannot be used."""


class ModelRunError(ModelError, ValueError):
    """A run folder (models/<run>/) is missing files or holds something unusable."""


class TrainingDivergedError(ModelError, RuntimeError):
    """The loss became NaN or infinite; the run was stopped."""
