"""Other: a green-ish smooth noise texture drifting slowly; soft brown noise."""

from __future__ import annotations

import cv2
import numpy as np

from .base import GenreLook


class Other(GenreLook):
    """Look: a green-ish smooth noise texture. Motion: a slow drift that turns back at the
    texture's edges. Sound: soft brown noise."""

    name = "other"

    def params(self, rng, pace):
        return {
            "dark": tuple(float(c) for c in rng.uniform([20, 60, 30], [45, 90, 50])),
            "light": tuple(float(c) for c in rng.uniform([90, 160, 90], [130, 200, 120])),
            "cells": int(rng.integers(5, 10)),
            "vx": float(rng.uniform(0.02, 0.06) * pace * rng.choice([-1, 1])),
            "vy": float(rng.uniform(0.01, 0.04) * pace * rng.choice([-1, 1])),
            "noise_seed": int(rng.integers(1 << 30)),
        }

    def prepare(self, q, rows, cols, yy, xx):
        rng = np.random.default_rng(q["noise_seed"])
        cells = q["cells"]
        small = rng.random((cells * 2 + 1, cells * 2 + 1), dtype=np.float32)
        # A texture twice the frame in each direction, smooth because it is upsampled from a
        # coarse grid. It does not tile: the pan in draw bounces inside it.
        tex = cv2.resize(small, (cols * 2, rows * 2), interpolation=cv2.INTER_CUBIC)
        tex = cv2.GaussianBlur(tex, (0, 0), sigmaX=max(1.0, cols / 40))
        tex = (tex - tex.min()) / max(1e-6, float(tex.max() - tex.min()))
        dark = np.asarray(q["dark"], np.float32)
        light = np.asarray(q["light"], np.float32)
        img = dark + tex[..., None] * (light - dark)
        return {"tex": img.astype(np.uint8)}

    def draw(self, q, prep, t, k, rows, cols, seed):
        tex = prep["tex"]
        # The window starts at the texture's centre and bounces off its edges (a triangle
        # wave): wrapping around (offset % rows) would jump a whole frame height the moment a
        # negative drift rounds below 0, a content change as abrupt as a cut in mid-scene.
        oy = _bounce(rows // 2 + q["vy"] * t * rows, rows)
        ox = _bounce(cols // 2 + q["vx"] * t * cols, cols)
        return tex[oy : oy + rows, ox : ox + cols].copy()

    def sound(self, q, t, rate, rng, seed, fps):
        white = rng.standard_normal(len(t))
        brown = np.cumsum(white)
        brown -= np.convolve(brown, np.ones(512) / 512, mode="same")  # remove the drift
        return brown / (np.abs(brown).max() + 1e-9)


def _bounce(x: float, span: int) -> int:
    """``x`` folded into [0, span] by reflection at both ends, rounded."""
    if span <= 0:
        return 0
    u = x % (2 * span)
    return int(round(2 * span - u if u > span else u))
