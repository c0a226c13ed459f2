"""Comedy: a warm bright gradient with saturated balls that bounce and drift; "boing" chirps."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .base import GenreLook

PALETTE = [(235, 40, 60), (40, 120, 235), (250, 250, 250), (150, 40, 200), (20, 170, 90)]


class Comedy(GenreLook):
    """Look: warm bright gradient, 2-4 saturated round balls. Motion: the balls bounce on the
    floor and drift between the side walls. Sound: a rising "boing" chirp at every bounce."""

    name = "comedy"

    def params(self, rng, pace):
        n = int(rng.integers(2, 5))
        balls = []
        for _ in range(n):
            balls.append(
                (
                    float(rng.uniform(0.1, 0.9)),  # x0
                    float(rng.uniform(0.25, 0.6) * rng.choice([-1, 1]) * pace),  # vx, widths/s
                    float(rng.uniform(0.08, 0.16)),  # radius (fraction of rows)
                    float(rng.uniform(1.2, 2.4) * pace),  # bounces per second
                    float(rng.uniform(0, 1)),  # phase
                    float(rng.uniform(0.35, 0.7)),  # bounce height (fraction of rows)
                    tuple(int(c) for c in PALETTE[int(rng.integers(len(PALETTE)))]),
                )
            )
        return {
            "top": tuple(float(c) for c in rng.uniform([240, 200, 80], [255, 235, 140])),
            "bottom": tuple(float(c) for c in rng.uniform([235, 120, 40], [255, 170, 80])),
            "balls": tuple(balls),
        }

    def prepare(self, q, rows, cols, yy, xx):
        return {"bg": _gradient(q["top"], q["bottom"], rows, cols, yy).astype(np.uint8)}

    def draw(self, q, prep, t, k, rows, cols, seed):
        img = prep["bg"].copy()
        for x0, vx, r, bps, ph, height, colour in q["balls"]:
            rad = max(1, int(round(r * rows)))
            # x: drifts and bounces off the side walls (triangle wave over the free width).
            free = max(1, cols - 2 * rad)
            u = (x0 + vx * t) % 2.0
            u = 2.0 - u if u > 1.0 else u
            cx = rad + u * free
            # y: a bouncing ball, |sin| arcs resting on the floor.
            floor = rows - rad - 1
            cy = floor - abs(math.sin(math.pi * (bps * t + ph))) * height * rows
            cv2.circle(img, (int(round(cx)), int(round(cy))), rad, colour, -1, lineType=cv2.LINE_AA)
        return img

    def sound(self, q, t, rate, rng, seed, fps):
        bps = q["balls"][0][3]
        ph = (t * bps * 2) % 1.0  # one boing per bounce (|sin| has two arcs a period)
        f = 300 + 500 * ph
        return np.sin(2 * np.pi * np.cumsum(f) / rate) * np.exp(-6 * ph)


def _gradient(top, bottom, rows, cols, yy) -> np.ndarray:
    top = np.asarray(top, np.float32)
    bottom = np.asarray(bottom, np.float32)
    col = top[None, :] * (1 - yy) + bottom[None, :] * yy  # (rows, 3)
    return np.ascontiguousarray(np.broadcast_to(col[:, None, :], (rows, cols, 3)))
