"""Training-time augmentation of windows (NumPy only, no TensorFlow).

A window is ``(frames, 3, rows, cols)`` float32 in [0, 1] with labels ``(frames, genres)``
(-1 = padding).  Each draw is made once per window and applied to every frame alike, so the
motion inside a window is untouched.  Validation, batch-norm statistics and prediction see
the frames as they are.

Why (measured on the demo project, see model/README.md): with five labelled trailers a
genre is shown in a handful of scenes, each with one colour grade, and two genres at once
in very few.  The model then learns "this tint is horror" and "horror means not thriller",
and fails on the next trailer's grade and on its two-genre scenes.

* `augment_window`: horizontal flip (left/right carries no genre) and a colour grade: hue
  rotation about the grey axis, saturation, per-channel gain, exposure and contrast, of the
  size trailers differ by.  The hue turns by up to a quarter turn either way (`HUE`), more
  than trailers' grades differ by: so that a genre is not recognised by its tint alone
  (model/README.md, "Segments": with +-0.08 turn the demo's held-out trailers scored
  macro-F1 0.29-0.32 once their colours were rotated by 90-180 degrees).
* `mix_windows`: two training windows shown at once (left/right or top/bottom parts, or a
  50/50 blend) carry both windows' genres (the labels say which genres are *present* in a
  frame).  This teaches each genre's branch to fire on its own evidence whatever else is in
  the frame.  It assumes a genre's evidence is spread over the frame (grade, texture,
  motion), not confined to a corner that the cut could remove: set ``TrainConfig.mix=0``
  for data where position matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HUE = 0.25  # default max hue rotation, fraction of a turn (TrainConfig.hue)
SATURATION = (0.7, 1.3)
CHANNEL = 0.08  # max per-channel gain deviation
GAIN = (0.75, 1.25)  # exposure
CONTRAST = (0.75, 1.25)
MIX_MODES = ("left-right", "top-bottom", "blend")
MIX_CUT = (0.3, 0.7)  # where the two parts meet, fraction of the width/height


def colour_matrix(hue: float, saturation: float, channel_gains, gain: float) -> np.ndarray:
    """3x3 RGB matrix: rotate the hue by `hue` turns about the grey axis (greys stay grey),
    scale the saturation, then per-channel gains and an overall gain."""
    a = 2 * math.pi * hue
    c, s = math.cos(a), math.sin(a)
    k = (1 - c) / 3
    r3 = math.sqrt(1 / 3) * s
    rot = np.array([[c + k, k - r3, k + r3], [k + r3, c + k, k - r3], [k - r3, k + r3, c + k]])
    sat = saturation * np.eye(3) + (1 - saturation) / 3 * np.ones((3, 3))
    return (gain * np.diag(channel_gains) @ sat @ rot).astype(np.float32)


@dataclass(frozen=True)
class Grade:
    """One window's draw of `augment_window`: a flip, a 3x3 colour matrix and a contrast."""

    flip: bool
    matrix: np.ndarray
    contrast: float


@dataclass(frozen=True)
class Mix:
    """One draw of `mix_windows`: the mode, where the parts meet (a fraction) and which part
    shows window a."""

    mode: str
    cut: float
    swap: bool


def draw_grade(rng: np.random.Generator, strength: float = 1.0, hue: float = HUE) -> Grade | None:
    """The random draws of `augment_window`, in its order, without touching pixels (so a
    planner can make them in sequence and workers apply them in parallel)."""
    if strength <= 0:
        return None
    flip = bool(rng.random() < 0.5)
    matrix = colour_matrix(
        rng.uniform(-hue, hue) * strength,
        1 + rng.uniform(SATURATION[0] - 1, SATURATION[1] - 1) * strength,
        1 + rng.uniform(-CHANNEL, CHANNEL, 3) * strength,
        1 + rng.uniform(GAIN[0] - 1, GAIN[1] - 1) * strength,
    )
    contrast = 1 + rng.uniform(CONTRAST[0] - 1, CONTRAST[1] - 1) * strength
    return Grade(flip, matrix, float(contrast))


def apply_grade(x: np.ndarray, grade: Grade | None) -> np.ndarray:
    """The window `x` flipped and re-graded as `grade` says (None: unchanged)."""
    if grade is None:
        return x
    if grade.flip:
        x = x[..., ::-1]
    x = np.einsum("ij,tjrc->tirc", grade.matrix, x, optimize=True)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    x = (x - mean) * grade.contrast + mean
    return np.clip(x, 0.0, 1.0, out=x).astype(np.float32, copy=False)


def augment_window(x: np.ndarray, rng: np.random.Generator, strength: float = 1.0,
                   hue: float = HUE) -> np.ndarray:
    """A randomly flipped and re-graded copy of the window `x` (frames, 3, rows, cols).

    `strength` scales every colour range (0: unchanged window, no flip either); `hue`: the
    largest hue rotation, a fraction of a turn (0.5: any hue)."""
    return apply_grade(x, draw_grade(rng, strength, hue))


def draw_mix(rng: np.random.Generator) -> Mix:
    """The random draws of `mix_windows`, in its order."""
    mode = MIX_MODES[int(rng.integers(len(MIX_MODES)))]
    if mode == "blend":
        return Mix(mode, 0.5, False)
    cut = float(rng.uniform(*MIX_CUT))
    return Mix(mode, cut, bool(rng.random() < 0.5))


def apply_mix(xa, ya, xb, yb, mix: Mix):
    """Windows a and b composited as `mix` says, labelled with the genres of both."""
    if mix.mode == "blend":
        x = 0.5 * (xa + xb)
    else:
        n = xa.shape[-1] if mix.mode == "left-right" else xa.shape[-2]
        keep_a = np.arange(n) < int(round(n * mix.cut))
        if mix.swap:
            keep_a = ~keep_a
        x = np.where(keep_a if mix.mode == "left-right" else keep_a[:, None], xa, xb)
    y = np.where((ya < 0) | (yb < 0), -1.0, np.maximum(ya, yb))
    return x.astype(np.float32, copy=False), y.astype(np.float32, copy=False)


def mix_windows(xa, ya, xb, yb, rng: np.random.Generator):
    """Windows a and b shown at once, labelled with the genres of both.

    Left/right or top/bottom parts (which part shows a: random; the border at 30-70 %), or a
    50/50 blend.  A frame that is padding (label -1) in either window stays padding.
    """
    return apply_mix(xa, ya, xb, yb, draw_mix(rng))
