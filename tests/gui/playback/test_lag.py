"""Reaction lag (issue #6): what a genre key held during playback paints lands earlier."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from ..conftest import wait_shown

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def painted(editor, genre):
    return np.flatnonzero(editor.array[:, genre]).tolist()


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
    qtbot.waitUntil(lambda: player.frame() >= 10, timeout=20000)
    qtbot.keyPress(target, Qt.Key_4)  # through the window's key filter, as a user would
    pressed_at = window.live._held[thriller].last
    qtbot.waitUntil(lambda: player.frame() >= pressed_at + 12, timeout=20000)
    qtbot.keyRelease(target, Qt.Key_4)
    released_at = player.frame()
    qtbot.waitUntil(lambda: not window.live.holding, timeout=20000)
    qtbot.keyClick(target, Qt.Key_Space)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=20000)
    frames = painted(window.editor, thriller)
    assert frames[0] == pressed_at - 6  # starts 250 ms before the press
    assert pressed_at + 12 - 6 <= frames[-1] <= released_at - 6
    assert frames == list(range(frames[0], frames[-1] + 1))  # no gaps
    assert len(window.editor._undo) == 1
    # paused: a short press toggles the frame shown, not one 250 ms earlier
    here = player.frame()
    qtbot.keyClick(target, Qt.Key_1)
    qtbot.waitUntil(lambda: not window.key_filter.has_pending(), timeout=20000)
    assert painted(window.editor, 0) == [here]
