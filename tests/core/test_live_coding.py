"""Live coding logic (held genre keys, ``core.live_coding``), without Qt."""

from __future__ import annotations

import numpy as np

from trailer_gui.core.editing import LabelEditor
from trailer_gui.core.live_coding import LiveCoder

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def coder(frames=100):
    live = LiveCoder()
    editor = LabelEditor(np.zeros((frames, 6), bool), GENRES)
    live.set_editor(editor, fps=24.0)
    return live, editor


def test_held_during_playback_fills_dropped_frames_and_is_one_step():
    live, ed = coder()
    live.press(1, 10, playing=True)
    for frame in (11, 12, 15, 19):  # 13, 14, 16-18 were dropped by the player
        live.passed(frame, playing=True)
    step = live.release(1)
    assert np.flatnonzero(ed.array[:, 1]).tolist() == list(range(10, 20))
    assert step.name == "Paint action 10-19"
    assert ed.undo_name == "Paint action 10-19" and len(ed._undo) == 1


def test_a_jump_is_not_filled():
    live, ed = coder()
    live.press(0, 10, playing=True)
    live.passed(90, playing=True)  # a seek far ahead while held
    live.passed(5, playing=True)  # and back
    live.release(0)
    assert np.flatnonzero(ed.array[:, 0]).tolist() == [5, 10, 90]


def test_a_short_press_while_paused_toggles_and_holding_while_stepping_follows_it():
    live, ed = coder()
    live.press(2, 30, playing=False)
    live.release(2)
    assert ed.array[30, 2] and ed.undo_name == "Paint horror 30"
    # pressed on a labelled frame: the hold erases as the playhead steps
    ed.paint(2, 30, 40)
    live.press(2, 30, playing=False)
    for f in (31, 32, 33):
        live.passed(f, playing=False)
    live.release(2)
    assert np.flatnonzero(ed.array[:, 2]).tolist() == list(range(34, 40))
    assert ed.undo_name == "Erase horror 30-33"


def test_two_keys_held_together_make_one_step():
    live, ed = coder()
    live.press(0, 0, playing=True)
    live.press(3, 2, playing=True)
    live.passed(5, playing=True)
    live.release(0)
    assert live.holding
    live.passed(8, playing=True)
    live.release(3)
    assert len(ed._undo) == 1
    assert np.flatnonzero(ed.array[:, 0]).tolist() == list(range(0, 6))
    assert np.flatnonzero(ed.array[:, 3]).tolist() == list(range(2, 9))


def test_reaction_lag_shifts_live_painting_back():
    live, ed = coder()
    live.lag_ms = 250  # 6 frames at 24 fps
    live.press(4, 20, playing=True)
    live.passed(30, playing=True)
    live.release(4)
    assert np.flatnonzero(ed.array[:, 4]).tolist() == list(range(14, 25))
