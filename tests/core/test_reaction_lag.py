"""Reaction lag (issue #6), the logic: what a genre key held during playback paints lands
earlier by the lag in frames (``core.live_coding``)."""

from __future__ import annotations

import numpy as np

from trailer_gui.core.editing import LabelEditor
from trailer_gui.core.live_coding import LiveCoder

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def coder(lag_ms, fps=24.0, frames=100):
    live = LiveCoder()
    editor = LabelEditor(np.zeros((frames, 6), bool), GENRES)
    live.set_editor(editor, fps=fps)
    live.lag_ms = lag_ms
    return live, editor


def painted(editor, genre):
    return np.flatnonzero(editor.array[:, genre]).tolist()


def test_the_shift_is_the_lag_in_frames_rounded():
    assert coder(0)[0].lag_frames == 0
    assert coder(250)[0].lag_frames == 6  # 250 ms at 24 fps
    assert coder(250, fps=25.0)[0].lag_frames == 6  # 6.25 -> 6
    assert coder(500, fps=29.97)[0].lag_frames == 15  # 14.985 -> 15
    assert coder(2000, fps=24.0)[0].lag_frames == 48


def test_a_hold_during_playback_covers_press_minus_shift_to_release_minus_shift():
    live, ed = coder(500)  # 12 frames at 24 fps
    live.press(1, 30, playing=True)
    for f in (31, 33, 36, 40):  # dropped frames are filled
        live.passed(f, playing=True)
    step = live.release(1)
    assert painted(ed, 1) == list(range(18, 29))  # 30-12 .. 40-12
    assert step.name == "Paint action 18-28" and len(ed._undo) == 1


def test_frames_before_the_start_are_dropped():
    live, ed = coder(250)  # 6 frames
    live.press(0, 3, playing=True)  # would start at -3
    assert not ed.array.any()
    live.passed(10, playing=True)
    live.release(0)
    assert painted(ed, 0) == [0, 1, 2, 3, 4]
    live.press(2, 2, playing=True)  # a hold that ends before the shift paints nothing
    live.passed(5, playing=True)
    assert live.release(2) is None and not ed.array[:, 2].any()


def test_paused_presses_and_steps_are_not_shifted():
    live, ed = coder(500)
    live.press(3, 40, playing=False)  # a short press on a paused video toggles this frame
    live.release(3)
    assert painted(ed, 3) == [40]
    live.press(4, 50, playing=False)  # held while stepping with the arrows: follows the playhead
    for f in (51, 52):
        live.passed(f, playing=False)
    live.release(4)
    assert painted(ed, 4) == [50, 51, 52]
