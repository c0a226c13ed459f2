"""Binary cross-entropy for sparse per-frame genres, with padding masked out."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from .layers import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskedWeightedBCE(keras.losses.Loss):
    """BCE on probabilities; positives weigh `pos_weight`; labels < 0 (padding) weigh 0.

    Genres are sparse (most frames are not "horror"), so an unweighted loss is happy to
    predict 0 everywhere.  Padding frames (a trailer shorter than the window) carry label -1.
    """

    def __init__(self, pos_weight=1.0, name="masked_weighted_bce", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)
        self.pos_weight = float(pos_weight)

    def call(self, y_true, y_pred):
        y_true = tf.cast(y_true, y_pred.dtype)
        valid = tf.cast(y_true >= 0, y_pred.dtype)
        y = tf.clip_by_value(y_true, 0.0, 1.0)
        eps = keras.config.epsilon()
        p = tf.clip_by_value(y_pred, eps, 1.0 - eps)
        loss = -(self.pos_weight * y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p))
        return valid * loss

    def get_config(self):
        return {**super().get_config(), "pos_weight": self.pos_weight}


def positive_weights(positives, frames, mode="sqrt", cap=10.0) -> list[float]:
    """Per-genre weight of positive frames from training counts.

    'ratio' = negatives/positives, 'sqrt' = its square root (milder: keeps 0.5 a sensible
    threshold), 'none' = 1.  Clipped to [1, cap]; a genre without positives gets 1.
    """
    out = []
    for pos in positives:
        if mode == "none" or pos <= 0:
            out.append(1.0)
            continue
        ratio = max(frames - pos, 0) / pos
        w = np.sqrt(ratio) if mode == "sqrt" else ratio
        out.append(float(np.clip(w, 1.0, cap)))
    return out


def bce_numpy(y_true, y_prob, pos_weights) -> float:
    """The same loss in NumPy over (frames, genres), summed over genres like Keras sums the
    outputs' losses, averaged over frames: comparable to the training loss."""
    y = np.asarray(y_true, np.float64)
    eps = keras.config.epsilon()
    p = np.clip(np.asarray(y_prob, np.float64), eps, 1 - eps)
    w = np.asarray(pos_weights, np.float64)[None, :]
    loss = -(w * y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss.sum(axis=1).mean()) if len(y) else float("nan")
