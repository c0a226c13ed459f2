"""Genres: names in project order (the row order of ``category_{id}.npy``), colours, keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The seed's six genres, in the seed's order. Colours are colour-blind-friendly (Okabe-Ito).
DEFAULT_GENRES: tuple[tuple[str, str, str], ...] = (
    ("comedy", "#E69F00", "1"),
    ("action", "#D55E00", "2"),
    ("horror", "#7F3C8D", "3"),
    ("thriller", "#0072B2", "4"),
    ("musical", "#CC79A7", "5"),
    ("other", "#009E73", "6"),
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Genre:
    name: str
    color: str  # "#RRGGBB"
    key: str  # one keyboard key, e.g. "1"

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(
                f"genre name {self.name!r}: use 1-32 lower-case letters, digits, '-' or '_'"
            )
        if not re.match(r"^#[0-9A-Fa-f]{6}$", self.color):
            raise ValueError(f"genre {self.name}: colour {self.color!r} is not #RRGGBB")


def default_genres() -> list[Genre]:
    return [Genre(n, c, k) for n, c, k in DEFAULT_GENRES]
