"""How the demo's scenes look, move and sound: one class per genre (``GenreLook``), plus the
title card. A genre's look is all there is to know about it: its parameters, its pictures
and its sound live in one class, in one module.

To add a genre to the demo: add it to ``core.genres.DEFAULT_GENRES``, write its
``GenreLook`` subclass in a module here and list an instance in ``GENRE_LOOKS`` (in the same
place as the genre in ``DEFAULT_GENRES``; tests/demo/test_looks.py checks both match).
"""

from __future__ import annotations

from .action import Action
from .base import GenreLook, hash01
from .comedy import Comedy
from .horror import Horror
from .musical import Musical
from .other import Other
from .thriller import Thriller
from .title_card import TitleCard

# In the project's genre order: a scene's genre index picks its look here.
GENRE_LOOKS: tuple[GenreLook, ...] = (Comedy(), Action(), Horror(), Thriller(), Musical(), Other())
TITLE_CARD = TitleCard()

__all__ = ["GENRE_LOOKS", "TITLE_CARD", "GenreLook", "TitleCard", "hash01"]
