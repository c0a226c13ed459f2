"""Thriller: cold blue steel bars in a slow pan; a heartbeat thump and a tick."""

from __future__ import annotations

import numpy as np

from .base import GenreLook


class Thriller(GenreLook):
    """Look: cold blue, steel vertical bars lit from above. Motion: a slow horizontal pan.
    Sound: a heartbeat thump and a clock's tick."""

    name = "thriller"

    def params(self, rng, pace):
        return {
            "dark": tuple(float(c) for c in rng.uniform([5, 20, 45], [15, 35, 70])),
            "light": tuple(float(c) for c in rng.uniform([60, 110, 170], [90, 150, 215])),
            "bars": float(rng.uniform(3, 7)),  # bars per frame width
            "duty": float(rng.uniform(0.25, 0.45)),
            "speed": float(rng.uniform(0.05, 0.12) * pace * rng.choice([-1, 1])),  # widths/s
        }

    def prepare(self, q, rows, cols, yy, xx):
        dark = np.asarray(q["dark"], np.float32)
        light = np.asarray(q["light"], np.float32)
        # One period of the bar pattern, sampled finely along x; a frame is a slice of it.
        period = max(2, int(round(cols / q["bars"])))
        x = (np.arange(period, dtype=np.float32) + 0.5) / period
        bar = np.clip((q["duty"] - np.abs(x - 0.5)) * period / 3.0 + 0.5, 0, 1)  # soft edges
        shade = (0.75 + 0.35 * (1 - yy))[:, :, None]  # brighter at the top: a cold light
        return {"period": period, "bar": bar, "dark": dark, "light": light, "shade": shade.astype(np.float32)}

    def draw(self, q, prep, t, k, rows, cols, seed):
        period = prep["period"]
        off = int(round(q["speed"] * t * cols)) % period
        idx = (np.arange(cols) + off) % period
        bar = prep["bar"][idx]  # (cols,)
        line = prep["dark"][None, :] + bar[:, None] * (prep["light"] - prep["dark"])[None, :]  # (cols, 3)
        img = prep["shade"] * line[None, :, :]
        return np.clip(img, 0, 255).astype(np.uint8)

    def sound(self, q, t, rate, rng, seed, fps):
        beat = (t * 1.2) % 1.0
        thump = np.sin(2 * np.pi * 50 * t) * (np.exp(-25 * beat) + np.exp(-25 * np.abs(beat - 0.3)))
        tick = np.sin(2 * np.pi * 3000 * t) * np.exp(-200 * ((t * 2) % 1.0))
        return 0.8 * thump + 0.2 * tick
