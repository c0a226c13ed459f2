"""Horror: very dark and vignetted, a pale blob that creeps and grows, flicker frames; a drone."""

from __future__ import annotations

import math

import numpy as np

from .base import GenreLook, hash01


class Horror(GenreLook):
    """Look: very dark, vignetted, a pale soft blob. Motion: the blob creeps sideways and grows
    slowly; occasional bright flicker frames. Sound: a beating low drone, a screech on each
    flicker frame."""

    name = "horror"

    def params(self, rng, pace):
        return {
            "base": tuple(float(c) for c in rng.uniform([8, 2, 2], [22, 8, 10])),
            "blob": tuple(float(c) for c in rng.uniform([95, 88, 80], [140, 128, 120])),
            "x0": float(rng.uniform(0.15, 0.85)),
            "y0": float(rng.uniform(0.3, 0.7)),
            "vx": float(rng.uniform(0.02, 0.06) * pace * rng.choice([-1, 1])),
            "r0": float(rng.uniform(0.12, 0.2)),
            "grow": float(rng.uniform(0.02, 0.05) * pace),
            "flicker_every": int(rng.integers(11, 23)),
        }

    def prepare(self, q, rows, cols, yy, xx):
        base = np.asarray(q["base"], np.float32)
        aspect = cols / max(rows, 1)
        d2 = ((xx - 0.5) * aspect) ** 2 + (yy - 0.5) ** 2
        vignette = np.clip(1.2 - 1.5 * d2, 0.15, 1.0)
        bg = base[None, None, :] * vignette[:, :, None]
        return {"bg": bg.astype(np.float32), "aspect": aspect}

    def draw(self, q, prep, t, k, rows, cols, seed):
        aspect = prep["aspect"]
        # Drifts sideways and turns back at the frame's edges (wrapping around would teleport
        # the blob from one edge to the other: a jump as abrupt as a cut).
        u = (q["x0"] + q["vx"] * t) % 2.0
        cx = 2.0 - u if u > 1.0 else u
        cy = q["y0"] + 0.05 * math.sin(0.7 * t)
        r = q["r0"] + q["grow"] * t
        # A soft pale blob: drawn in its bounding box only.
        img = prep["bg"].copy()
        rr = int(math.ceil(r * 1.6 * rows)) + 1
        py, px = int(cy * rows), int(cx * cols)
        y0, y1 = max(0, py - rr), min(rows, py + rr)
        x0, x1 = max(0, px - rr), min(cols, px + rr)
        if y0 < y1 and x0 < x1:
            ys = ((np.arange(y0, y1, dtype=np.float32) / max(rows - 1, 1)) - cy)[:, None]
            xs = ((np.arange(x0, x1, dtype=np.float32) / max(cols - 1, 1)) - cx)[None, :] * aspect
            w = np.clip(1.0 - (xs * xs + ys * ys) / (r * r), 0.0, 1.0) ** 2
            blob = np.asarray(q["blob"], np.float32)
            box = img[y0:y1, x0:x1]
            img[y0:y1, x0:x1] = box + (blob - box) * w[..., None]
        if self._flickers(q, k, seed):
            img = img * 3.0 + 60.0  # a flicker frame
        return np.clip(img, 0, 255).astype(np.uint8)

    def sound(self, q, t, rate, rng, seed, fps):
        y = 0.5 * (np.sin(2 * np.pi * 55 * t) + np.sin(2 * np.pi * 58.3 * t))
        frame = (t * fps).astype(np.int64)
        hit = self._flickers(q, frame, seed)
        return 0.6 * y + 0.4 * hit * np.sin(2 * np.pi * 2600 * t) * rng.standard_normal(len(t)).clip(-1, 1)

    @staticmethod
    def _flickers(q, k, seed):
        """Whether frame(s) ``k`` flicker: one frame in every ``flicker_every``."""
        return k % q["flicker_every"] == int(hash01(seed, 4) * q["flicker_every"])
