"""What a genre's scene is made of: the base class every genre's look derives from."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class GenreLook(ABC):
    """How scenes of one genre look, move and sound, so that a small ConvLSTM can tell them apart.

    A look is stateless; everything that varies between scenes lives in the scene's parameters
    ``q`` (a dict of numbers, strings and tuples that ``params`` draws from the trailer's
    generator; ``Scene.params[name]``). Drawing uses no random generator: a frame is a pure
    function of ``q``, the size and the frame's index.

    ``name`` must be one of the project's default genres (``core.genres.DEFAULT_GENRES``);
    ``looks.GENRE_LOOKS`` lists one look per genre, in the project's order.
    """

    name: str

    @abstractmethod
    def params(self, rng: np.random.Generator, pace: float) -> dict:
        """Draw one scene's variation (colours, counts, speeds scaled by the trailer's ``pace``).

        The draws' number and order are part of the demo: changing them changes every later
        scene of every trailer (and the model's measured figures)."""

    @abstractmethod
    def prepare(self, q: dict, rows: int, cols: int, yy: np.ndarray, xx: np.ndarray) -> dict:
        """Pictures that do not change during the scene (backgrounds, textures), computed once
        per scene and size. ``yy`` (rows, 1) and ``xx`` (1, cols) run from 0 to 1."""

    @abstractmethod
    def draw(self, q: dict, prep: dict, t: float, k: int, rows: int, cols: int, seed: int) -> np.ndarray:
        """The scene's frame ``k`` (``t`` = k / fps seconds into the scene) as (rows, cols, 3)
        uint8 RGB. ``seed`` is the scene's seed for this genre (for ``hash01``), so that two
        genres in one scene flash or shake independently."""

    @abstractmethod
    def sound(
        self, q: dict, t: np.ndarray, rate: int, rng: np.random.Generator, seed: int, fps: float
    ) -> np.ndarray:
        """The scene's sound at times ``t`` (seconds, float64; ``rate`` samples a second),
        float64 in about [-1, 1].

        ``rng`` is the scene's audio generator, shared by the scene's genres in order; ``seed``
        and ``fps`` are what ``draw`` gets, so a sound can follow what is seen."""


def hash01(*ints: int) -> float:
    """A deterministic pseudo-random number in [0, 1) from integers (no RNG state)."""
    h = 0x9E3779B9
    for v in ints:
        h = (h ^ (int(v) & 0xFFFFFFFF)) * 0x85EBCA6B & 0xFFFFFFFF
        h ^= h >> 13
        h = h * 0xC2B2AE35 & 0xFFFFFFFF
        h ^= h >> 16
    return h / 2**32
