"""Action: dark with fast hot streaks, white flashes and camera shake; bursts on a rumble."""

from __future__ import annotations

import cv2
import numpy as np

from .base import GenreLook, hash01


class Action(GenreLook):
    """Look: dark, high-contrast hot streaks. Motion: fast horizontal streaks, single-frame
    white flashes, whole-frame camera shake. Sound: noise bursts on a low rumble."""

    name = "action"

    def params(self, rng, pace):
        n = int(rng.integers(6, 13))
        streaks = []
        for _ in range(n):
            streaks.append(
                (
                    float(rng.uniform(0.05, 0.95)),  # y
                    float(rng.uniform(0.03, 0.08)),  # thickness (fraction of rows)
                    float(rng.uniform(0.2, 0.6)),  # length (fraction of cols)
                    float(rng.uniform(1.5, 3.5) * pace * rng.choice([-1, 1])),  # widths per second
                    float(rng.uniform(0, 1)),  # phase
                    float(rng.uniform(0.75, 1.0)),  # brightness
                )
            )
        return {
            "base": tuple(float(c) for c in rng.uniform([30, 12, 5], [60, 25, 15])),
            "streak": tuple(float(c) for c in rng.uniform([240, 150, 30], [255, 210, 90])),
            "streaks": tuple(streaks),
            "flash_every": int(rng.integers(7, 14)),
            "shake": float(rng.uniform(0.02, 0.05)),  # fraction of rows
        }

    def prepare(self, q, rows, cols, yy, xx):
        # Faint vertical gradient, darker at the edges: contrast for the streaks.
        base = np.asarray(q["base"], np.float32)
        shade = 0.7 + 0.6 * (1 - np.abs(yy - 0.5) * 2)  # (rows, 1)
        bg = base[None, None, :] * shade[:, :, None]
        return {"bg": np.ascontiguousarray(np.broadcast_to(bg, (rows, cols, 3))).clip(0, 255).astype(np.uint8)}

    def draw(self, q, prep, t, k, rows, cols, seed):
        img = prep["bg"].copy()
        streak = q["streak"]
        for y, thick, length, v, ph, bright in q["streaks"]:
            h = max(1, int(round(thick * rows)))
            y0 = int(round(y * (rows - h)))
            span = 1.0 + length
            x1 = ((ph + v * t) % span) - length  # left end, in frame widths
            a, b = int(round(x1 * cols)), int(round((x1 + length) * cols))
            a, b = max(0, a), min(cols, b)
            if a < b:
                img[y0 : y0 + h, a:b] = (streak[0] * bright, streak[1] * bright, streak[2] * bright)
        if k % q["flash_every"] == int(hash01(seed, 1) * q["flash_every"]):
            img = cv2.add(img, np.full(3, 150.0))  # a white flash (saturating add)
        # Camera shake: a whole-frame jitter that changes every frame.
        amp = max(1, int(round(q["shake"] * rows)))
        dy = int(round((hash01(seed, k, 2) * 2 - 1) * amp))
        dx = int(round((hash01(seed, k, 3) * 2 - 1) * amp))
        return np.roll(img, (dy, dx), axis=(0, 1))

    def sound(self, q, t, rate, rng, seed, fps):
        noise = rng.standard_normal(len(t))
        env = np.exp(-8 * ((t * 4) % 1.0))
        return 0.5 * noise * env + 0.5 * np.sin(2 * np.pi * 55 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 7 * t))
