"""Synthetic trailers: scenes whose look AND motion depend on their genres.

Used by the demo (``trailer-gui --demo``) and by the tests. A trailer is a list of
``Scene``s (1-4 s each, a shot cut at every boundary). Each scene carries zero, one or two
genres (indices into ``GENRES``, the project's default order); two-genre scenes show both
genres at once (left/right or top/bottom halves, or blended 50/50). Title cards (black, white text-like bars) carry no
genre: their label rows are all False.

What each genre looks like, how it moves and sounds (so that a small ConvLSTM at 32x32-64x64
can learn it from appearance and motion) is one class per genre in ``demo/looks/``:
comedy: warm bright gradient, bouncing balls; action: dark, fast hot streaks, flashes and
camera shake; horror: very dark, a pale blob creeping, flicker frames; thriller: cold blue
bars in a slow pan; musical: pink/purple stripes sliding and pulsing on a beat; other: a
green-ish noise texture drifting slowly.

Every trailer draws its own variations (hues, speeds, sizes, counts, directions) from its
seed, so the model cannot memorise one picture per genre. ``render_frame`` uses no random
generator: a frame is a pure function of the scene's parameters and the frame's index.
Audio (``audio=True``) depends on the genres too: see ``GenreLook.sound``.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..core.genres import DEFAULT_GENRES
from .encoders import AUDIO_RATE, ProgressFn, add_soundtrack, write_h264, write_mp4v
from .looks import GENRE_LOOKS, TITLE_CARD

GENRES: tuple[str, ...] = tuple(name for name, _colour, _key in DEFAULT_GENRES)
COMEDY, ACTION, HORROR, THRILLER, MUSICAL, OTHER = range(6)
N_GENRES = len(GENRES)

Size = tuple[int, int]  # (rows, cols)


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
        p["title"] = TITLE_CARD.params(rng)
        return p
    if len(genres) == 2:
        p["mix"] = str(rng.choice(["left-right", "top-bottom", "blend"]))
        p["swap"] = bool(rng.random() < 0.5)
    for g in genres:
        p[GENRES[g]] = GENRE_LOOKS[g].params(rng, pace)
    return p


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
        prep["title"] = TITLE_CARD.prepare(p["title"], rows, cols)
    for g in scene.genres:
        prep[g] = GENRE_LOOKS[g].prepare(p[GENRES[g]], rows, cols, yy, xx)
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


def _layer_seed(scene: Scene, g: int) -> int:
    """The seed genre ``g`` draws and sounds with in ``scene`` (its own, so two genres in
    one scene flash and shake independently)."""
    return scene.params.get("seed", 0) + 101 * g


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
    if not scene.genres:
        return TITLE_CARD.draw(p["title"], prep["title"], ts)
    layers = [
        GENRE_LOOKS[g].draw(p[GENRES[g]], prep[g], ts, t, rows, cols, _layer_seed(scene, g))
        for g in scene.genres
    ]
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


def _frames(plan: list[Scene], size: Size) -> Iterator[np.ndarray]:
    for scene in plan:
        for t in range(scene.frames):
            yield render_frame(scene, t, size)


# ----------------------------------------------------------------------------- audio


def _scene_audio(scene: Scene, n_samples: int, rate: int = AUDIO_RATE) -> np.ndarray:
    """Mono float32 samples in [-1, 1] for a scene: each genre's sound, mixed equally.

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
        y = GENRE_LOOKS[g].sound(q, t, rate, rng, _layer_seed(scene, g), fps)
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
        frames = _frames(plan, (rows, cols))
        if codec == "mp4v":
            write_mp4v(tmp, frames, fps, (rows, cols), total, progress)
            if audio:
                add_soundtrack(tmp, trailer_audio(plan, fps))
        else:
            samples = trailer_audio(plan, fps) if audio else None
            write_h264(tmp, frames, fps, (rows, cols), total, samples, progress)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return labels
