"""Synthetic trailers: scenes whose look AND motion depend on their genres.

Used by the demo (``trailer-gui --demo``) and by the tests. A trailer is a list of
``Scene``s (1-4 s each, a shot cut at every boundary). Each scene carries zero, one or two
genres (indices into ``GENRES``, the project's default order); two-genre scenes show both
genres at once (left/right or top/bottom halves, or blended 50/50). Title cards (black, white text-like bars) carry no
genre: their label rows are all False.

What each genre looks like (so that a small ConvLSTM at 32x32-64x64 can learn it from
appearance and motion):

========  ==============================================  ==================================
genre     look                                            motion
========  ==============================================  ==================================
comedy    warm bright gradient, saturated round balls     balls bounce and drift
action    dark, high-contrast hot streaks                 fast horizontal streaks, white
                                                          flashes, whole-frame camera shake
horror    very dark, vignetted, pale blob                 blob creeps and grows slowly,
                                                          occasional bright flicker frames
thriller  cold blue, steel vertical bars                  slow horizontal pan
musical   pink/purple diagonal stripes                    stripes slide, brightness pulses
                                                          on a beat
other     green-ish smooth noise texture                  slow drift
========  ==============================================  ==================================

Every trailer draws its own variations (hues, speeds, sizes, counts, directions) from its
seed, so the model cannot memorise one picture per genre. ``render_frame`` uses no random
generator: a frame is a pure function of the scene's parameters and the frame's index.
Audio (H.264 files only) depends on the genres too: see ``_scene_audio``.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from ..core.genres import DEFAULT_GENRES

GENRES: tuple[str, ...] = tuple(name for name, _colour, _key in DEFAULT_GENRES)
COMEDY, ACTION, HORROR, THRILLER, MUSICAL, OTHER = range(6)
N_GENRES = len(GENRES)

Size = tuple[int, int]  # (rows, cols)
ProgressFn = Callable[[int, int], object]

AUDIO_RATE = 44100


@dataclass(frozen=True)
class Scene:
    """Frames ``start`` (inclusive) to ``stop`` (exclusive) of a trailer.

    ``genres``: sorted genre indices (0, 1 or 2 of them; none for a title card).
    ``params``: everything ``render_frame`` needs (numbers, strings, tuples; one dict per
    genre, keyed by the genre's name), drawn from the trailer's seed by ``plan_trailer``. Treat it as read-only.
    """

    start: int
    stop: int
    genres: tuple[int, ...]
    params: dict = field(default_factory=dict, hash=False)

    @property
    def frames(self) -> int:
        return self.stop - self.start


# ----------------------------------------------------------------------------- planning


def plan_trailer(seed: int, seconds: float, fps: float = 24.0) -> list[Scene]:
    """Cut a trailer of ``round(seconds * fps)`` frames into scenes of 1-4 s.

    About one scene in ten is a title card (no genre, 1-2 s), about one in three carries
    two genres. A trailer of at least 6 s has at least one two-genre scene, and one of at
    least 10 s starts with a title card. Each trailer leans towards a "main" genre, as real
    trailers do. Deterministic for a given (seed, seconds, fps).
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, not {fps}")
    total = int(round(seconds * fps))
    if total <= 0:
        raise ValueError(f"a trailer needs at least one frame (seconds={seconds}, fps={fps})")
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x5EED])
    look = _trailer_look(rng)
    main = int(rng.integers(N_GENRES))

    # Scene lengths: 1-4 s (title cards 1-2 s); the last scene takes the remainder.
    lo, hi = max(1, int(round(fps))), max(1, int(round(4 * fps)))
    bounds = [0]
    kinds: list[tuple[int, ...]] = []
    prev: tuple[int, ...] | None = None
    while bounds[-1] < total:
        k = len(kinds)
        r = rng.random()
        if (k == 0 and seconds >= 10) or (k > 0 and r < 0.1 and prev != ()):
            genres: tuple[int, ...] = ()
            n = int(rng.integers(lo, 2 * lo + 1))
        else:
            first = main if rng.random() < 0.4 else int(rng.integers(N_GENRES))
            genres = (first,)
            if rng.random() < 0.33:
                second = int(rng.integers(N_GENRES - 1))
                second += second >= first
                genres = tuple(sorted((first, second)))
            if genres == prev:  # a cut should change the look: change one genre
                g = (genres[-1] + 1 + int(rng.integers(N_GENRES - 1))) % N_GENRES
                genres = tuple(sorted(set(genres[:-1]) | {g}))
            n = int(rng.integers(lo, hi + 1))
        left = total - bounds[-1]
        if left - n < lo:  # too little would be left for another scene: take it all
            n = left if left <= hi else left // 2
        bounds.append(bounds[-1] + n)
        kinds.append(genres)
        prev = genres
    if seconds >= 6 and not any(len(g) == 2 for g in kinds):
        # Make the longest genre scene a two-genre one.
        cands = [k for k, g in enumerate(kinds) if len(g) == 1]
        if cands:
            k = max(cands, key=lambda k: bounds[k + 1] - bounds[k])
            first = kinds[k][0]
            second = (first + 1 + int(rng.integers(N_GENRES - 1))) % N_GENRES
            kinds[k] = tuple(sorted((first, second)))

    scenes = []
    for k, genres in enumerate(kinds):
        params = _scene_params(rng, genres, look, fps, seed=(int(seed) * 7919 + k) & 0x7FFFFFFF)
        scenes.append(Scene(bounds[k], bounds[k + 1], genres, params))
    return scenes


def _trailer_look(rng: np.random.Generator) -> dict:
    """Per-trailer variation shared by its scenes (a "grade" and a pace)."""
    return {
        "hue": float(rng.uniform(-0.06, 0.06)),  # fraction of a turn
        "gain": float(rng.uniform(0.85, 1.1)),
        "pace": float(rng.uniform(0.75, 1.35)),
    }


def _scene_params(rng, genres, look, fps, seed) -> dict:
    pace = look["pace"] * float(rng.uniform(0.85, 1.15))
    p: dict = {"fps": float(fps), "seed": int(seed), "hue": look["hue"], "gain": look["gain"]}
    if not genres:
        lines = int(rng.integers(1, 4))
        words = []
        for _ in range(lines):
            n = int(rng.integers(2, 6))
            w = rng.uniform(0.05, 0.16, n)
            words.append(tuple(float(x) for x in w))
        p["title"] = {"lines": tuple(words), "fade": float(rng.uniform(0.2, 0.6))}
        return p
    if len(genres) == 2:
        p["mix"] = str(rng.choice(["left-right", "top-bottom", "blend"]))
        p["swap"] = bool(rng.random() < 0.5)
    for g in genres:
        p[GENRES[g]] = _GENRE_PARAMS[g](rng, pace)
    return p


def _p_comedy(rng, pace):
    n = int(rng.integers(2, 5))
    palette = [(235, 40, 60), (40, 120, 235), (250, 250, 250), (150, 40, 200), (20, 170, 90)]
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
                tuple(int(c) for c in palette[int(rng.integers(len(palette)))]),
            )
        )
    return {
        "top": tuple(float(c) for c in rng.uniform([240, 200, 80], [255, 235, 140])),
        "bottom": tuple(float(c) for c in rng.uniform([235, 120, 40], [255, 170, 80])),
        "balls": tuple(balls),
    }


def _p_action(rng, pace):
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


def _p_horror(rng, pace):
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


def _p_thriller(rng, pace):
    return {
        "dark": tuple(float(c) for c in rng.uniform([5, 20, 45], [15, 35, 70])),
        "light": tuple(float(c) for c in rng.uniform([60, 110, 170], [90, 150, 215])),
        "bars": float(rng.uniform(3, 7)),  # bars per frame width
        "duty": float(rng.uniform(0.25, 0.45)),
        "speed": float(rng.uniform(0.05, 0.12) * pace * rng.choice([-1, 1])),  # widths/s
    }


def _p_musical(rng, pace):
    return {
        "pink": tuple(float(c) for c in rng.uniform([225, 70, 160], [255, 120, 205])),
        "purple": tuple(float(c) for c in rng.uniform([100, 30, 150], [150, 60, 210])),
        "freq": float(rng.uniform(2.5, 5)),  # stripes per frame width
        "slant": float(rng.uniform(0.5, 1.5) * rng.choice([-1, 1])),
        "speed": float(rng.uniform(0.3, 0.7) * pace),  # stripes per second
        "bpm": float(rng.uniform(100, 140) * min(pace, 1.2)),
    }


def _p_other(rng, pace):
    return {
        "dark": tuple(float(c) for c in rng.uniform([20, 60, 30], [45, 90, 50])),
        "light": tuple(float(c) for c in rng.uniform([90, 160, 90], [130, 200, 120])),
        "cells": int(rng.integers(5, 10)),
        "vx": float(rng.uniform(0.02, 0.06) * pace * rng.choice([-1, 1])),
        "vy": float(rng.uniform(0.01, 0.04) * pace * rng.choice([-1, 1])),
        "noise_seed": int(rng.integers(1 << 30)),
    }


_GENRE_PARAMS = (_p_comedy, _p_action, _p_horror, _p_thriller, _p_musical, _p_other)


# ----------------------------------------------------------------------------- labels


def labels_for(plan: list[Scene], frames: int) -> np.ndarray:
    """(frames, 6) bool: row i is True at each genre of the scene holding frame i."""
    labels = np.zeros((frames, N_GENRES), dtype=bool)
    for s in plan:
        a, b = max(0, s.start), min(frames, s.stop)
        if a < b:
            for g in s.genres:
                labels[a:b, g] = True
    return labels


def cuts_for(plan: list[Scene]) -> list[int]:
    """First frame of each scene after the first (where a shot cut happens)."""
    return [s.start for s in plan[1:]]


# ----------------------------------------------------------------------------- rendering


def _hash01(*ints: int) -> float:
    """A deterministic pseudo-random number in [0, 1) from integers (no RNG state)."""
    h = 0x9E3779B9
    for v in ints:
        h = (h ^ (int(v) & 0xFFFFFFFF)) * 0x85EBCA6B & 0xFFFFFFFF
        h ^= h >> 13
        h = h * 0xC2B2AE35 & 0xFFFFFFFF
        h ^= h >> 16
    return h / 2**32


_PREP_CACHE: OrderedDict = OrderedDict()
_PREP_CACHE_SIZE = 48
_PREP_LOCK = threading.Lock()


def _prep(scene: Scene, size: Size) -> dict:
    """Per-scene, per-size precomputed pictures (backgrounds, textures), cached."""
    key = (scene.start, scene.stop, scene.genres, repr(sorted(scene.params.items())), size)
    with _PREP_LOCK:
        hit = _PREP_CACHE.get(key)
        if hit is not None:
            _PREP_CACHE.move_to_end(key)
            return hit
    rows, cols = size
    yy = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, cols, dtype=np.float32)[None, :]
    prep: dict = {}
    p = scene.params
    if not scene.genres:
        prep["title"] = _prep_title(p["title"], rows, cols)
    for g in scene.genres:
        prep[g] = _PREPARE[g](p[GENRES[g]], rows, cols, yy, xx)
    if len(scene.genres) == 2 and p.get("mix") != "blend":
        if p["mix"] == "left-right":
            mask = np.broadcast_to(xx < 0.5, (rows, cols))
        else:
            mask = np.broadcast_to(yy < 0.5, (rows, cols))
        prep["mask"] = np.ascontiguousarray(~mask if p.get("swap") else mask)[..., None]
    with _PREP_LOCK:
        _PREP_CACHE[key] = prep
        while len(_PREP_CACHE) > _PREP_CACHE_SIZE:
            _PREP_CACHE.popitem(last=False)
    return prep


def _gradient(top, bottom, rows, cols, yy) -> np.ndarray:
    top = np.asarray(top, np.float32)
    bottom = np.asarray(bottom, np.float32)
    col = top[None, :] * (1 - yy) + bottom[None, :] * yy  # (rows, 3)
    return np.ascontiguousarray(np.broadcast_to(col[:, None, :], (rows, cols, 3)))


def _prep_comedy(q, rows, cols, yy, xx):
    return {"bg": _gradient(q["top"], q["bottom"], rows, cols, yy).astype(np.uint8)}


def _prep_action(q, rows, cols, yy, xx):
    # Faint vertical gradient, darker at the edges: contrast for the streaks.
    base = np.asarray(q["base"], np.float32)
    shade = 0.7 + 0.6 * (1 - np.abs(yy - 0.5) * 2)  # (rows, 1)
    bg = base[None, None, :] * shade[:, :, None]
    return {"bg": np.ascontiguousarray(np.broadcast_to(bg, (rows, cols, 3))).clip(0, 255).astype(np.uint8)}


def _prep_horror(q, rows, cols, yy, xx):
    base = np.asarray(q["base"], np.float32)
    aspect = cols / max(rows, 1)
    d2 = ((xx - 0.5) * aspect) ** 2 + (yy - 0.5) ** 2
    vignette = np.clip(1.2 - 1.5 * d2, 0.15, 1.0)
    bg = base[None, None, :] * vignette[:, :, None]
    return {"bg": bg.astype(np.float32), "aspect": aspect}


def _prep_thriller(q, rows, cols, yy, xx):
    dark = np.asarray(q["dark"], np.float32)
    light = np.asarray(q["light"], np.float32)
    # One period of the bar pattern, sampled finely along x; a frame is a slice of it.
    period = max(2, int(round(cols / q["bars"])))
    x = (np.arange(period, dtype=np.float32) + 0.5) / period
    bar = np.clip((q["duty"] - np.abs(x - 0.5)) * period / 3.0 + 0.5, 0, 1)  # soft edges
    shade = (0.75 + 0.35 * (1 - yy))[:, :, None]  # brighter at the top: a cold light
    return {"period": period, "bar": bar, "dark": dark, "light": light, "shade": shade.astype(np.float32)}


def _prep_musical(q, rows, cols, yy, xx):
    # Stripe coordinate in "stripes": x * freq + slant * y * freq (rows scaled to cols).
    phase = (xx * q["freq"] + q["slant"] * yy * q["freq"] * rows / max(cols, 1)).astype(np.float32)
    return {"phase": phase}


def _prep_other(q, rows, cols, yy, xx):
    rng = np.random.default_rng(q["noise_seed"])
    cells = q["cells"]
    small = rng.random((cells * 2 + 1, cells * 2 + 1), dtype=np.float32)
    # A texture twice the frame in each direction, smooth because it is upsampled from a
    # coarse grid. It does not tile: the pan below bounces inside it (see _draw_other).
    tex = cv2.resize(small, (cols * 2, rows * 2), interpolation=cv2.INTER_CUBIC)
    tex = cv2.GaussianBlur(tex, (0, 0), sigmaX=max(1.0, cols / 40))
    tex = (tex - tex.min()) / max(1e-6, float(tex.max() - tex.min()))
    dark = np.asarray(q["dark"], np.float32)
    light = np.asarray(q["light"], np.float32)
    img = dark + tex[..., None] * (light - dark)
    return {"tex": img.astype(np.uint8)}


def _prep_title(q, rows, cols):
    img = np.zeros((rows, cols, 3), np.uint8)
    lines = q["lines"]
    h = max(1, int(round(rows * 0.07)))
    gap = max(1, int(round(rows * 0.06)))
    y = (rows - len(lines) * h - (len(lines) - 1) * gap) // 2
    for words in lines:
        widths = [max(1, int(round(w * cols))) for w in words]
        space = max(1, int(round(cols * 0.025)))
        total = sum(widths) + space * (len(widths) - 1)
        if total > cols * 0.9:  # shrink long lines to fit
            f = cols * 0.9 / total
            widths = [max(1, int(w * f)) for w in widths]
            space = max(1, int(space * f))
            total = sum(widths) + space * (len(widths) - 1)
        x = (cols - total) // 2
        for w in widths:
            img[y : y + h, x : x + w] = 235
            x += w + space
        y += h + gap
    return img


_PREPARE = (_prep_comedy, _prep_action, _prep_horror, _prep_thriller, _prep_musical, _prep_other)


def _draw_comedy(q, prep, t, k, rows, cols, seed):
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


def _draw_action(q, prep, t, k, rows, cols, seed):
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
    if k % q["flash_every"] == int(_hash01(seed, 1) * q["flash_every"]):
        img = cv2.add(img, np.full(3, 150.0))  # a white flash (saturating add)
    # Camera shake: a whole-frame jitter that changes every frame.
    amp = max(1, int(round(q["shake"] * rows)))
    dy = int(round((_hash01(seed, k, 2) * 2 - 1) * amp))
    dx = int(round((_hash01(seed, k, 3) * 2 - 1) * amp))
    return np.roll(img, (dy, dx), axis=(0, 1))


def _draw_horror(q, prep, t, k, rows, cols, seed):
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
    if k % q["flicker_every"] == int(_hash01(seed, 4) * q["flicker_every"]):
        img = img * 3.0 + 60.0  # a flicker frame
    return np.clip(img, 0, 255).astype(np.uint8)


def _draw_thriller(q, prep, t, k, rows, cols, seed):
    period = prep["period"]
    off = int(round(q["speed"] * t * cols)) % period
    idx = (np.arange(cols) + off) % period
    bar = prep["bar"][idx]  # (cols,)
    line = prep["dark"][None, :] + bar[:, None] * (prep["light"] - prep["dark"])[None, :]  # (cols, 3)
    img = prep["shade"] * line[None, :, :]
    return np.clip(img, 0, 255).astype(np.uint8)


def _draw_musical(q, prep, t, k, rows, cols, seed):
    s = (prep["phase"] - q["speed"] * t) % 1.0
    stripe = (s < 0.5).astype(np.float32)  # hard stripes: (rows, cols)
    beat = (t * q["bpm"] / 60.0) % 1.0
    pulse = 0.55 + 0.45 * (1.0 - beat) ** 3  # bright on the beat, fading until the next
    pink = np.asarray(q["pink"], np.float32) * pulse
    purple = np.asarray(q["purple"], np.float32) * pulse
    img = purple + stripe[..., None] * (pink - purple)
    return np.clip(img, 0, 255).astype(np.uint8)


def _draw_other(q, prep, t, k, rows, cols, seed):
    tex = prep["tex"]
    # The window starts at the texture's centre and bounces off its edges (a triangle wave):
    # wrapping around (offset % rows) would jump a whole frame height the moment a negative
    # drift rounds below 0, a content change as abrupt as a cut in the middle of a scene.
    oy = _bounce(rows // 2 + q["vy"] * t * rows, rows)
    ox = _bounce(cols // 2 + q["vx"] * t * cols, cols)
    return tex[oy : oy + rows, ox : ox + cols].copy()


def _bounce(x: float, span: int) -> int:
    """``x`` folded into [0, span] by reflection at both ends, rounded."""
    if span <= 0:
        return 0
    u = x % (2 * span)
    return int(round(2 * span - u if u > span else u))


_DRAW = (_draw_comedy, _draw_action, _draw_horror, _draw_thriller, _draw_musical, _draw_other)


def _grade(img: np.ndarray, hue: float, gain: float) -> np.ndarray:
    """The trailer's colour grade: a small hue rotation (mixing channels) and a gain."""
    if abs(hue) < 1e-4 and abs(gain - 1) < 1e-4:
        return img
    a = 2 * math.pi * hue
    c, s = math.cos(a), math.sin(a)
    # Rotation about the grey axis (keeps greys grey).
    k = (1 - c) / 3
    r3 = math.sqrt(1 / 3) * s
    m = np.array(
        [[c + k, k - r3, k + r3], [k + r3, c + k, k - r3], [k - r3, k + r3, c + k]], np.float32
    ) * gain
    return cv2.transform(img, m)  # saturates to uint8


def render_frame(scene: Scene, t: int, size: Size = (180, 320)) -> np.ndarray:
    """Frame ``t`` of ``scene`` (0 = the scene's first frame) as (rows, cols, 3) uint8 RGB.

    Deterministic: no random generator is used; the same scene, t and size give the same
    pixels.
    """
    rows, cols = int(size[0]), int(size[1])
    if rows < 2 or cols < 2:
        raise ValueError(f"size must be at least (2, 2), not {size}")
    p = scene.params
    prep = _prep(scene, (rows, cols))
    fps = p.get("fps", 24.0)
    ts = t / fps
    seed = p.get("seed", 0)
    if not scene.genres:
        q = p["title"]
        alpha = min(1.0, (ts + 1e-9) / q["fade"]) if q["fade"] > 0 else 1.0
        img = prep["title"] if alpha >= 1.0 else (prep["title"] * alpha).astype(np.uint8)
        return np.ascontiguousarray(img)
    layers = [_DRAW[g](p[GENRES[g]], prep[g], ts, t, rows, cols, seed + 101 * g) for g in scene.genres]
    if len(layers) == 1:
        img = layers[0]
    elif p.get("mix") == "blend":
        img = cv2.addWeighted(layers[0], 0.5, layers[1], 0.5, 0.0)
    else:
        img = np.where(prep["mask"], layers[0], layers[1])
    img = _grade(img, p.get("hue", 0.0), p.get("gain", 1.0))
    return np.ascontiguousarray(img, dtype=np.uint8)


def iter_trailer(
    seed: int, seconds: float, fps: float = 24.0, size: Size = (180, 320)
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (frame RGB uint8 (rows, cols, 3), label row bool[6]) for every frame."""
    for scene in plan_trailer(seed, seconds, fps):
        row = np.zeros(N_GENRES, dtype=bool)
        row[list(scene.genres)] = True
        row.flags.writeable = False
        for t in range(scene.frames):
            yield render_frame(scene, t, size), row


# ----------------------------------------------------------------------------- audio


def _scene_audio(scene: Scene, n_samples: int, rate: int = AUDIO_RATE) -> np.ndarray:
    """Mono float32 samples in [-1, 1] for a scene: a sound per genre, mixed.

    comedy: bouncy rising "boing" chirps; action: noise bursts on a low rumble;
    horror: a beating low drone with a screech on flicker frames; thriller: a heartbeat
    thump and a tick; musical: a major chord pulsing on the beat; other: soft brown noise.
    Title cards are silent.
    """
    if not scene.genres or n_samples <= 0:
        return np.zeros(n_samples, np.float32)
    t = np.arange(n_samples, dtype=np.float64) / rate
    rng = np.random.default_rng(scene.params.get("seed", 0))
    fps = scene.params.get("fps", 24.0)
    out = np.zeros(n_samples, np.float64)
    for g in scene.genres:
        q = scene.params[GENRES[g]]
        if g == COMEDY:
            bps = q["balls"][0][3]
            ph = (t * bps * 2) % 1.0  # one boing per bounce (|sin| has two arcs a period)
            f = 300 + 500 * ph
            y = np.sin(2 * np.pi * np.cumsum(f) / rate) * np.exp(-6 * ph)
        elif g == ACTION:
            noise = rng.standard_normal(n_samples)
            env = np.exp(-8 * ((t * 4) % 1.0))
            y = 0.5 * noise * env + 0.5 * np.sin(2 * np.pi * 55 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 7 * t))
        elif g == HORROR:
            y = 0.5 * (np.sin(2 * np.pi * 55 * t) + np.sin(2 * np.pi * 58.3 * t))
            frame = (t * fps).astype(np.int64)
            hit = frame % q["flicker_every"] == int(_hash01(scene.params["seed"] + 101 * g, 4) * q["flicker_every"])
            y = 0.6 * y + 0.4 * hit * np.sin(2 * np.pi * 2600 * t) * rng.standard_normal(n_samples).clip(-1, 1)
        elif g == THRILLER:
            beat = (t * 1.2) % 1.0
            thump = np.sin(2 * np.pi * 50 * t) * (np.exp(-25 * beat) + np.exp(-25 * np.abs(beat - 0.3)))
            tick = np.sin(2 * np.pi * 3000 * t) * np.exp(-200 * ((t * 2) % 1.0))
            y = 0.8 * thump + 0.2 * tick
        elif g == MUSICAL:
            beat = (t * q["bpm"] / 60.0) % 1.0
            chord = sum(np.sin(2 * np.pi * f0 * t) for f0 in (261.6, 329.6, 392.0)) / 3
            y = chord * (0.3 + 0.7 * (1 - beat) ** 2)
        else:  # OTHER
            white = rng.standard_normal(n_samples)
            brown = np.cumsum(white)
            brown -= np.convolve(brown, np.ones(512) / 512, mode="same")  # remove the drift
            y = brown / (np.abs(brown).max() + 1e-9)
        out += y / len(scene.genres)
    # Short fades at the scene's ends avoid clicks at the cuts.
    fade = min(n_samples // 2, rate // 100)
    if fade > 0:
        ramp = np.linspace(0, 1, fade)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    return (0.4 * out / max(1.0, float(np.abs(out).max()))).astype(np.float32)


def trailer_audio(plan: list[Scene], fps: float, rate: int = AUDIO_RATE) -> np.ndarray:
    """The whole trailer's mono soundtrack, float32, aligned with the frames."""
    total = plan[-1].stop if plan else 0
    n_total = int(round(total / fps * rate))
    out = np.zeros(n_total, np.float32)
    for s in plan:
        a = int(round(s.start / fps * rate))
        b = min(n_total, int(round(s.stop / fps * rate)))
        out[a:b] = _scene_audio(s, b - a, rate)
    return out


# ----------------------------------------------------------------------------- writing


def write_trailer(
    path: str | os.PathLike,
    seed: int,
    seconds: float,
    fps: float = 24.0,
    size: Size = (180, 320),
    codec: str = "mp4v",
    audio: bool = False,
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """Render a synthetic trailer to ``path`` and return its labels, (frames, 6) bool.

    ``codec``: ``'mp4v'`` (OpenCV's VideoWriter, MPEG-4 part 2) or ``'h264'`` (PyAV,
    libx264 with a long GOP of 240 frames and 3 B-frames, like real trailers).
    ``audio=True`` adds an AAC track whose sound depends on the genres (with ``'mp4v'``
    the OpenCV file's video packets are copied into a new file beside the sound).
    ``progress(done_frames, total_frames)`` is called as frames are written; if it raises
    (e.g. ``Cancelled``), the partial file is removed and the error propagates.
    The file is written beside ``path`` under a temporary name and renamed when complete.
    """
    path = Path(path)
    rows, cols = int(size[0]), int(size[1])
    if codec not in ("mp4v", "h264"):
        raise ValueError(f"codec must be 'mp4v' or 'h264', not {codec!r}")
    if codec == "h264" and (rows % 2 or cols % 2):
        raise ValueError(f"H.264 (yuv420p) needs an even size, not {rows}x{cols}")
    plan = plan_trailer(seed, seconds, fps)
    total = plan[-1].stop
    labels = labels_for(plan, total)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix or ".mp4")
    os.close(fd)
    tmp = Path(name)
    try:
        if codec == "mp4v":
            _write_mp4v(tmp, plan, fps, (rows, cols), total, progress)
            if audio:
                _add_soundtrack(tmp, plan, fps)
        else:
            _write_h264(tmp, plan, fps, (rows, cols), total, audio, progress)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return labels


def _frames(plan: list[Scene], size: Size) -> Iterator[np.ndarray]:
    for scene in plan:
        for t in range(scene.frames):
            yield render_frame(scene, t, size)


def _write_mp4v(tmp: Path, plan, fps, size, total, progress):
    rows, cols = size
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (cols, rows))
    if not writer.isOpened():
        raise OSError(f"{tmp}: OpenCV cannot write an mp4v video here")
    try:
        for i, frame in enumerate(_frames(plan, size)):
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            if progress is not None and (i % 24 == 23 or i + 1 == total):
                progress(i + 1, total)
    finally:
        writer.release()


def _write_h264(tmp: Path, plan, fps, size, total, audio, progress):
    import av  # PyAV: only needed to write H.264 (and AAC)

    rows, cols = size
    rate = Fraction(fps).limit_denominator(1001)
    container = av.open(str(tmp), "w")
    try:
        vs = container.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = cols, rows, "yuv420p"
        # Long GOP and B-frames like real trailers; "fast" keeps the demo quick.
        vs.options = {"g": "240", "bf": "3", "preset": "fast", "crf": "20"}
        samples = None
        if audio:
            as_ = container.add_stream("aac", rate=AUDIO_RATE)
            as_.layout = "mono"
            samples = trailer_audio(plan, fps)
            frame_size = 1024
            sent = 0
            apts = 0
        for i, frame in enumerate(_frames(plan, size)):
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in vs.encode(vf):
                container.mux(packet)
            if samples is not None:
                # Interleave: send the sound up to the end of this frame.
                upto = min(len(samples), int(round((i + 1) / fps * AUDIO_RATE)))
                while sent + frame_size <= upto or (i + 1 == total and sent < len(samples)):
                    chunk = samples[sent : sent + frame_size]
                    af = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                    af.sample_rate = AUDIO_RATE
                    af.pts = apts
                    apts += chunk.shape[0]
                    sent += chunk.shape[0]
                    for packet in as_.encode(af):
                        container.mux(packet)
            if progress is not None and (i % 24 == 23 or i + 1 == total):
                progress(i + 1, total)
        for packet in vs.encode():
            container.mux(packet)
        if samples is not None:
            for packet in as_.encode():
                container.mux(packet)
    finally:
        container.close()


def _add_soundtrack(path: Path, plan, fps) -> None:
    """Give the video file at `path` the trailer's AAC soundtrack, in place.

    OpenCV's writer has no sound, so its video packets are copied unchanged (no re-encode:
    the frames stay exactly what OpenCV wrote) into a new file next to an AAC stream."""
    import av

    samples = trailer_audio(plan, fps)
    out_path = path.with_name(path.name + ".sound")
    try:
        with av.open(str(path)) as src, av.open(str(out_path), "w", format="mp4") as dst:
            vin = src.streams.video[0]
            vout = dst.add_stream_from_template(vin)
            aout = dst.add_stream("aac", rate=AUDIO_RATE)
            aout.layout = "mono"
            frame_size, sent = 1024, 0
            for packet in src.demux(vin):
                if packet.dts is None:  # the demuxer's end-of-stream flush packet
                    continue
                # Interleave: the sound up to this packet's time goes first.
                upto = min(len(samples), int(float(packet.dts * vin.time_base) * AUDIO_RATE) + frame_size)
                while sent < upto:
                    sent = _mux_audio(dst, aout, samples, sent, frame_size)
                packet.stream = vout
                dst.mux(packet)
            while sent < len(samples):
                sent = _mux_audio(dst, aout, samples, sent, frame_size)
            for packet in aout.encode():
                dst.mux(packet)
        os.replace(out_path, path)
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise


def _mux_audio(dst, stream, samples, sent: int, frame_size: int) -> int:
    import av

    chunk = samples[sent : sent + frame_size]
    frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
    frame.sample_rate = AUDIO_RATE
    frame.pts = sent
    for packet in stream.encode(frame):
        dst.mux(packet)
    return sent + chunk.shape[0]
