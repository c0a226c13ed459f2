"""Reaction lag (issue #6): what a genre key held during playback paints lands earlier."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from trailer_gui.core.editing import LabelEditor
from trailer_gui.widgets.live_coding import LiveCoder

from .conftest import wait_shown

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


def test_the_preference_reaches_live_coding(make_window, demo_project, fresh_settings):
    window = make_window(demo_project)
    assert window.live.lag_ms == 0
    window.preferences()
    dialog = window.preferences_dialog
    assert dialog.lag.value() == 0 and dialog.lag.maximum() == 2000 and dialog.lag.suffix() == " ms"
    dialog.lag.setValue(250)
    dialog.accept()
    assert fresh_settings.reaction_lag_ms == 250
    assert window.live.lag_ms == 250 and window.live.lag_frames == 6  # the demo runs at 24 fps
    assert window.state.annotator == "ground-truth"  # the annotator did not change
    window.preferences()
    assert window.preferences_dialog.lag.value() == 250  # shown again next time
    window.preferences_dialog.reject()


def test_a_key_held_during_playback_paints_shifted_back(make_window, demo_project, qtbot, fresh_settings):
    fresh_settings.reaction_lag_ms = 250  # 6 frames at the demo's 24 fps
    window = make_window(demo_project)
    assert window.live.lag_frames == 6
    assert window.files.select_video(1, 0)
    wait_shown(qtbot, window, 0)
    player, thriller = window.player, GENRES.index("thriller")
    target = QtWidgets.QApplication.focusWidget() or window
    player.set_speed(2.0)
    with qtbot.waitSignal(player.sigPlayingChanged):
        qtbot.keyClick(target, Qt.Key_Space)
    qtbot.waitUntil(lambda: player.frame() >= 10, timeout=5000)
    qtbot.keyPress(target, Qt.Key_4)  # through the window's key filter, as a user would
    pressed_at = window.live._held[thriller].last
    qtbot.waitUntil(lambda: player.frame() >= pressed_at + 12, timeout=5000)
    qtbot.keyRelease(target, Qt.Key_4)
    released_at = player.frame()
    qtbot.waitUntil(lambda: not window.live.holding, timeout=1000)
    qtbot.keyClick(target, Qt.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=2000)
    frames = painted(window.editor, thriller)
    assert frames[0] == pressed_at - 6  # starts 250 ms before the press
    assert pressed_at + 12 - 6 <= frames[-1] <= released_at - 6
    assert frames == list(range(frames[0], frames[-1] + 1))  # no gaps
    assert len(window.editor._undo) == 1
    # paused: a short press toggles the frame shown, not one 250 ms earlier
    here = player.frame()
    qtbot.keyClick(target, Qt.Key_1)
    qtbot.waitUntil(lambda: not window.key_filter.has_pending(), timeout=1000)
    assert painted(window.editor, 0) == [here]
