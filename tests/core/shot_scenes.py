"""Synthetic shot sequences with known cuts, for the shot detector's tests and benchmark.

``plan_trailer`` (the demo's trailers) always changes genre at a cut. The cuts that defeat
colour histograms are between scenes that look alike: ``similar_plan`` strings scenes of
ONE genre together, each with its own drawn parameters (another texture, other bars, other
balls, another speed) under the same colour grade, so neighbours share a palette. Action
scenes bring fast motion, whole-frame shake and single-frame white flashes; horror scenes
are nearly black with flicker frames; musical scenes pulse in brightness on the beat.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from trailer_gui.demo import synth
from trailer_gui.demo.synth import Scene, plan_trailer


def similar_plan(seed: int, genre: int | None = None, scenes: int = 8, fps: float = 24.0,
                 shortest: int = 12, longest: int = 60) -> list[Scene]:
    """``scenes`` scenes of one genre (drawn from the seed if None), 0.5-2.5 s each."""
    rng = np.random.default_rng([seed, 0x5407])
    g = int(rng.integers(synth.N_GENRES)) if genre is None else int(genre)
    look = synth._trailer_look(rng)
    out, start = [], 0
    for k in range(scenes):
        n = int(rng.integers(shortest, longest + 1))
        params = synth._scene_params(rng, (g,), look, fps, seed=(seed * 7919 + k) & 0x7FFFFFFF)
        out.append(Scene(start, start + n, (g,), params))
        start += n
    return out


def mixed_plan(seed: int, seconds: float = 20.0) -> list[Scene]:
    """A demo-like trailer (``plan_trailer``)."""
    return plan_trailer(seed, seconds)


def frames_of(plan: list[Scene], size=(90, 160)):
    for scene in plan:
        for t in range(scene.frames):
            yield synth.render_frame(scene, t, size)


def write_plan(path: Path, plan: list[Scene], size=(90, 160), fps: float = 24.0) -> Path:
    """An MPEG-4 part 2 file of the plan (OpenCV's writer: lossy, like a real video)."""
    rows, cols = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (cols, rows))
    assert writer.isOpened()
    for frame in frames_of(plan, size):
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
