"""One class per genre: each of the project's genres has exactly one look, every look keeps
the contract the renderer relies on, and a new genre needs nothing but its class and its
place in the genre list."""

from __future__ import annotations

import numpy as np
import pytest

from trailer_gui.core.genres import DEFAULT_GENRES
from trailer_gui.demo import looks, synth
from trailer_gui.demo.looks import GENRE_LOOKS, GenreLook


def _looks_in_package() -> list[type[GenreLook]]:
    return [c for c in GenreLook.__subclasses__() if c.__module__.startswith(looks.__name__ + ".")]


def test_every_default_genre_has_exactly_one_look_in_project_order():
    assert tuple(look.name for look in GENRE_LOOKS) == tuple(name for name, _c, _k in DEFAULT_GENRES)
    classes = [type(look) for look in GENRE_LOOKS]
    assert len(set(classes)) == len(classes)
    # A look written in the package but left out of GENRE_LOOKS would never be drawn.
    assert sorted(c.__name__ for c in _looks_in_package()) == sorted(c.__name__ for c in classes)
    for name in ("comedy", "action", "horror", "thriller", "musical", "other"):
        assert synth.GENRES[getattr(synth, name.upper())] == name


@pytest.mark.parametrize("look", GENRE_LOOKS, ids=lambda look: look.name)
def test_each_look_draws_plain_deterministic_frames_and_sound(look):
    rng = np.random.default_rng(3)
    q = look.params(rng, pace=1.0)
    # Plain data: the scene's parameters are compared and cached by their repr.
    assert eval(repr(q)) == q  # noqa: S307 - numbers, strings and tuples only
    rows, cols = 27, 41  # odd sizes on purpose
    yy = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    xx = np.linspace(0.0, 1.0, cols, dtype=np.float32)[None, :]
    prep = look.prepare(q, rows, cols, yy, xx)
    frames = [look.draw(q, prep, k / 24.0, k, rows, cols, seed=5) for k in range(30)]
    for f in frames:
        assert f.shape == (rows, cols, 3) and f.dtype == np.uint8
    again = look.draw(q, look.prepare(q, rows, cols, yy, xx), 29 / 24.0, 29, rows, cols, seed=5)
    assert np.array_equal(again, frames[29])
    assert any(not np.array_equal(a, b) for a, b in zip(frames, frames[1:])), "a look must move"
    t = np.arange(4410, dtype=np.float64) / 44100
    y = look.sound(q, t, 44100, np.random.default_rng(1), 5, 24.0)
    assert y.shape == t.shape and y.dtype == np.float64 and np.isfinite(y).all() and np.abs(y).max() > 0.01


class Documentary(GenreLook):
    """A made-up seventh genre: flat grey that slowly brightens, a quiet hum."""

    name = "documentary"

    def params(self, rng, pace):
        return {"grey": float(rng.uniform(90, 110)), "rise": float(rng.uniform(20, 40) * pace)}

    def prepare(self, q, rows, cols, yy, xx):
        return {}

    def draw(self, q, prep, t, k, rows, cols, seed):
        return np.full((rows, cols, 3), min(255, int(q["grey"] + q["rise"] * t)), np.uint8)

    def sound(self, q, t, rate, rng, seed, fps):
        return 0.2 * np.sin(2 * np.pi * 120 * t)


def test_a_new_genre_needs_only_its_class_and_its_place_in_the_list(monkeypatch):
    # What adding a genre to core's DEFAULT_GENRES and its look to GENRE_LOOKS does.
    monkeypatch.setattr(synth, "GENRES", synth.GENRES + ("documentary",))
    monkeypatch.setattr(synth, "N_GENRES", synth.N_GENRES + 1)
    monkeypatch.setattr(synth, "GENRE_LOOKS", GENRE_LOOKS + (Documentary(),))
    doc = len(GENRE_LOOKS)
    plans = [synth.plan_trailer(seed, 20) for seed in range(10)]
    alone = [s for plan in plans for s in plan if s.genres == (doc,)]
    mixed = [s for plan in plans for s in plan if doc in s.genres and len(s.genres) == 2]
    assert alone and mixed, "the planner draws the new genre like any other"
    for scene in alone[:3] + mixed[:3]:
        labels = synth.labels_for([scene], scene.stop)
        assert labels.shape[1] == 7 and labels[scene.start :, doc].all()
        first, last = (synth.render_frame(scene, t, (24, 32)) for t in (0, scene.frames - 1))
        assert first.shape == (24, 32, 3) and first.dtype == np.uint8
        sound = synth.trailer_audio([scene], 24.0)[round(scene.start / 24 * synth.AUDIO_RATE) :]
        assert np.sqrt(np.mean(sound**2)) > 0.01
    for scene in alone[:3]:  # its own look, graded: a flat picture that brightens
        first, last = (synth.render_frame(scene, t, (24, 32)) for t in (0, scene.frames - 1))
        assert first.std() < 2 and last.mean() > first.mean()
