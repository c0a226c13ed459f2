"""Musical: pink and purple diagonal stripes that slide and pulse on the beat; a major chord."""

from __future__ import annotations

import numpy as np

from .base import GenreLook


class Musical(GenreLook):
    """Look: pink/purple diagonal stripes. Motion: the stripes slide; the brightness pulses on
    a beat (100-140 bpm). Sound: a major chord pulsing on the same beat."""

    name = "musical"

    def params(self, rng, pace):
        return {
            "pink": tuple(float(c) for c in rng.uniform([225, 70, 160], [255, 120, 205])),
            "purple": tuple(float(c) for c in rng.uniform([100, 30, 150], [150, 60, 210])),
            "freq": float(rng.uniform(2.5, 5)),  # stripes per frame width
            "slant": float(rng.uniform(0.5, 1.5) * rng.choice([-1, 1])),
            "speed": float(rng.uniform(0.3, 0.7) * pace),  # stripes per second
            "bpm": float(rng.uniform(100, 140) * min(pace, 1.2)),
        }

    def prepare(self, q, rows, cols, yy, xx):
        # Stripe coordinate in "stripes": x * freq + slant * y * freq (rows scaled to cols).
        phase = (xx * q["freq"] + q["slant"] * yy * q["freq"] * rows / max(cols, 1)).astype(np.float32)
        return {"phase": phase}

    def draw(self, q, prep, t, k, rows, cols, seed):
        s = (prep["phase"] - q["speed"] * t) % 1.0
        stripe = (s < 0.5).astype(np.float32)  # hard stripes: (rows, cols)
        beat = (t * q["bpm"] / 60.0) % 1.0
        pulse = 0.55 + 0.45 * (1.0 - beat) ** 3  # bright on the beat, fading until the next
        pink = np.asarray(q["pink"], np.float32) * pulse
        purple = np.asarray(q["purple"], np.float32) * pulse
        img = purple + stripe[..., None] * (pink - purple)
        return np.clip(img, 0, 255).astype(np.uint8)

    def sound(self, q, t, rate, rng, seed, fps):
        beat = (t * q["bpm"] / 60.0) % 1.0
        chord = sum(np.sin(2 * np.pi * f0 * t) for f0 in (261.6, 329.6, 392.0)) / 3
        return chord * (0.3 + 0.7 * (1 - beat) ** 2)
