"""The main window, driven like a user would: keys, mouse drags, drops, menus, reopen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
from PySide6 import QtCore, QtGui, QtTest, QtWidgets
from PySide6.QtCore import Qt

from trailer_gui.core.store import Project

from ..core.conftest import write_mp4v
from .conftest import messages, wait_shown

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]


def stored_labels(folder, video_id, annotator=None):
    with Project.open(folder) as p:
        return p.load_labels(video_id, annotator)


def open_video(qtbot, window, video_id, frame=0):
    assert window.files.select_video(video_id, frame)
    wait_shown(qtbot, window, frame)


def key(qtbot, window, k, modifier=Qt.NoModifier):
    """A key typed where the focus is (the window itself if nothing has focus)."""
    target = QtWidgets.QApplication.focusWidget() or window
    qtbot.keyClick(target, k, modifier)
    # a genre key's release ends its hold a moment later (X11 auto-repeat, see live_coding)
    qtbot.waitUntil(lambda: not window.key_filter.has_pending(), timeout=20000)


def drag(tl, points, button=Qt.LeftButton):
    """Press, move, release on the timeline's viewport; each move carries the held button
    (qtbot.mouseMove does not), with pauses because pyqtgraph rate-limits mouse moves."""
    vp = tl.graphics.viewport()

    def send(kind, pos, btn, buttons):
        local = QtCore.QPointF(vp.mapFrom(tl, pos))
        glob = QtCore.QPointF(vp.mapToGlobal(local.toPoint()))
        QtWidgets.QApplication.sendEvent(vp, QtGui.QMouseEvent(kind, local, glob, btn, buttons, Qt.NoModifier))
        QtTest.QTest.qWait(15)

    T = QtCore.QEvent.Type
    send(T.MouseButtonPress, points[0], button, button)
    for p in points[1:]:
        send(T.MouseMove, p, Qt.NoButton, button)
    send(T.MouseButtonRelease, points[-1], button, Qt.NoButton)


# ---- opening ------------------------------------------------------------------------------
def test_without_a_project_the_start_page_offers_new_open_demo(make_window):
    window = make_window(None)
    assert window.pages.currentWidget() is window.start_page
    assert not window.actions.export_dataset.isEnabled()
    assert not window.actions.toggle_play.isEnabled()
    assert window.windowTitle().startswith("trailer-gui")


def test_opening_the_demo_lists_trailers_with_label_progress(make_window, demo_project):
    window = make_window(demo_project)
    assert window.pages.currentWidget() is window.editor_page
    assert window.video_list.ids() == [0, 1, 2]
    row0 = window.video_list.row(0)
    truth = stored_labels(demo_project, 0)
    assert row0.counts == [int(n) for n in truth.sum(axis=0)]
    assert row0.any_labelled > 0
    assert window.video_list.row(1).any_labelled == 0
    assert "comedy" in window.video_list.view.model().item(0).toolTip()
    # the first trailer is open, player and timeline agree
    assert window.state.video.id == 0
    assert window.timeline.editor is window.editor
    assert "Annotator: ground-truth" in window.annotator_button.text()
    assert "demo_trailer_00.mp4" in window.windowTitle()


def test_a_bad_project_folder_gives_a_message_and_the_app_goes_on(make_window, tmp_path):
    window = make_window(tmp_path / "nothing-here")
    [box] = messages(window)
    assert "not a trailer-gui project" in box.text()
    assert window.pages.currentWidget() is window.start_page
    box.close()


def test_a_missing_video_file_gives_a_message_naming_it(make_window, demo_project):
    (demo_project / "videos" / "demo_trailer_02.mp4").unlink()
    window = make_window(demo_project)
    assert window.video_list.row(2).problem == "file not found: File ▸ Locate video…"
    assert not window.files.select_video(2)
    [box] = messages(window)
    assert "demo_trailer_02.mp4" in box.text() and "file not found" in box.text()
    box.close()
    assert window.files.select_video(1)  # the others still open


def test_the_demo_is_made_in_a_worker_with_progress_then_opened(make_window, qtbot, tmp_path):
    window = make_window(None)
    folder = tmp_path / "appdata" / "demo"
    task = window.files.open_demo(folder, trailers=1, seconds=0.5)
    assert window.pages.currentWidget() is window.busy_page  # the window shows the work
    with qtbot.waitSignal(task.sigDone, timeout=20_000):
        pass
    assert window.project is not None and window.project.folder == folder.resolve()
    assert not folder.with_name("demo.part").exists()
    assert window.busy_page.progress.value() == window.busy_page.progress.maximum()
    # a second time it only opens
    assert window.files.open_demo(folder) is None
    # the finished job is let go of: the demo made again (its folder deleted) is new work
    window.files.close_project()
    shutil.rmtree(folder)
    again = window.files.open_demo(folder, trailers=1, seconds=0.5)
    assert again is not None and again is not task
    assert window.pages.currentWidget() is window.busy_page
    with qtbot.waitSignal(again.sigDone, timeout=20_000):
        pass
    assert window.project is not None and window.project.folder == folder.resolve()


# ---- keyboard -----------------------------------------------------------------------------
def test_navigation_keys_move_player_and_timeline_together(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 1)
    for k, mod, expected in [
        (Qt.Key_Right, Qt.NoModifier, 1),
        (Qt.Key_Right, Qt.ShiftModifier, 11),
        (Qt.Key_Left, Qt.NoModifier, 10),
        (Qt.Key_Left, Qt.ShiftModifier, 0),
        (Qt.Key_End, Qt.NoModifier, 47),
        (Qt.Key_Home, Qt.NoModifier, 0),
    ]:
        key(qtbot, window, k, mod)
        wait_shown(qtbot, window, expected)
        assert window.timeline.frame() == expected
    # the timeline asks, the player follows
    window.timeline.sigSeek.emit(30)
    wait_shown(qtbot, window, 30)
    # Space plays and pauses, whichever widget has the focus
    window.video_list.view.setFocus()
    key(qtbot, window, Qt.Key_Space)
    assert window.player.is_playing()
    key(qtbot, window, Qt.Key_Space)
    assert not window.player.is_playing()


def test_keys_typed_into_a_text_field_are_text(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 1, 5)
    field = window.video_list.filter
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    for k in (Qt.Key_Space, Qt.Key_1, Qt.Key_Right, Qt.Key_I):
        qtbot.keyClick(field, k)
    assert field.text() == " 1i"
    assert not window.player.is_playing()
    assert window.player.frame() == 5
    assert window.timeline.selection() is None
    assert not window.editor.array.any()
    field.clear()


def test_a_genre_key_toggles_the_current_frame_and_undo_names_it(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 1, 7)
    undo, redo = window.actions.undo, window.actions.redo
    assert not undo.isEnabled() and undo.text() == "&Undo"
    key(qtbot, window, Qt.Key_3)
    assert window.editor.array[7].tolist() == [False, False, True, False, False, False]
    assert undo.isEnabled() and undo.text() == "&Undo Paint horror 7"
    assert window.genre_bar._states()[2]
    key(qtbot, window, Qt.Key_3)  # a second short press turns it off again
    assert not window.editor.array[7].any()
    assert undo.text() == "&Undo Erase horror 7"
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert window.editor.array[7, 2]
    assert redo.isEnabled() and redo.text() == "&Redo Erase horror 7"
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert not window.editor.array[7].any()
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    key(qtbot, window, Qt.Key_Y, Qt.ControlModifier)  # Ctrl+Y redoes too
    assert not window.editor.array[7].any()
    assert not redo.isEnabled()


def test_undo_and_redo_follow_edits_the_window_is_not_told_of(make_window, demo_project, qtbot):
    """Edits straight on the editor (a plug-in, a script, the model's accept) reach the Edit
    menu by the history's own notices; a range set from code enables Clear range."""
    window = make_window(demo_project)
    open_video(qtbot, window, 1)
    undo, redo = window.actions.undo, window.actions.redo
    window.editor.paint("comedy", 3, 9)
    assert undo.isEnabled() and undo.text() == "&Undo Paint comedy 3-8"
    window.editor.undo()
    assert not undo.isEnabled() and redo.text() == "&Redo Paint comedy 3-8"
    with window.editor.gesture():
        window.editor.paint("other", 0, 2)
    assert undo.text() == "&Undo Paint other 0-1" and not redo.isEnabled()
    assert not window.actions.clear_selection.isEnabled()
    window.timeline.set_selection(4, 12)
    assert window.actions.clear_selection.isEnabled() and window.actions.zoom_selection.isEnabled()
    window.timeline.set_selection(None, None)
    assert not window.actions.clear_selection.isEnabled()
    old = window.editor
    open_video(qtbot, window, 2)  # another trailer's history: the old one no longer speaks
    assert undo.text() == "&Undo"
    old.paint("action", 0, 1)
    assert undo.text() == "&Undo" and not undo.isEnabled()


def test_range_in_out_fill_delete_and_escape(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 1, 10)
    key(qtbot, window, Qt.Key_I)
    window.player.seek(20)
    wait_shown(qtbot, window, 20)
    key(qtbot, window, Qt.Key_O)
    assert window.timeline.selection() == (10, 21)
    key(qtbot, window, Qt.Key_2)  # fills the range instead of toggling a frame
    labels = window.editor.array
    assert labels[10:21, 1].all() and not labels[:10, 1].any() and not labels[21:, 1].any()
    assert window.actions.undo.text() == "&Undo Paint action 10-20"
    key(qtbot, window, Qt.Key_5)
    assert window.editor.array[10:21, 4].all()
    key(qtbot, window, Qt.Key_Delete)  # clears every genre over the range
    assert not window.editor.array.any()
    assert window.actions.undo.text() == "&Undo Clear 10-20"
    key(qtbot, window, Qt.Key_Escape)
    assert window.timeline.selection() is None
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert window.editor.array[10:21, 1].all() and window.editor.array[10:21, 4].all()


def test_paint_with_a_mouse_drag_on_the_timeline(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 2)
    tl = window.timeline
    lane = GENRES.index("musical")
    drag(tl, [tl.frame_lane_to_widget(f, lane) for f in (5, 8, 11, 15)])
    painted = np.flatnonzero(window.editor.array[:, lane])
    assert painted.min() == 5 and painted.max() == 15 and len(painted) == 11
    assert window.actions.undo.text() == "&Undo Paint musical 5-15"
    assert window.isWindowModified()
    qtbot.waitUntil(lambda: stored_labels(demo_project, 2)[:, lane].sum() == 11, timeout=20000)
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=20000)
    assert window.video_list.row(2).counts[lane] == 11  # the list shows progress


def test_holding_a_genre_key_during_playback_paints_the_frames_that_pass(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 1, 4)
    player, thriller = window.player, GENRES.index("thriller")
    target = QtWidgets.QApplication.focusWidget() or window
    window.player.set_speed(2.0)
    window.timeline.set_selection(0, 3)  # a range does not stop live coding while playing
    with qtbot.waitSignal(player.sigPlayingChanged):
        key(qtbot, window, Qt.Key_Space)
    qtbot.waitUntil(lambda: player.frame() >= 8, timeout=20000)
    qtbot.keyPress(target, Qt.Key_4)
    pressed_at = window.live._held[thriller].last
    assert window.genre_bar._held == {thriller}
    qtbot.waitUntil(lambda: player.frame() >= pressed_at + 12, timeout=20000)
    # the key repeats while held: auto-repeat events are ignored
    QtWidgets.QApplication.sendEvent(
        target, QtGui.QKeyEvent(QtCore.QEvent.KeyPress, Qt.Key_4, Qt.NoModifier, "4", True))
    qtbot.keyRelease(target, Qt.Key_4)
    released_at = player.frame()
    qtbot.waitUntil(lambda: not window.live.holding, timeout=20000)
    key(qtbot, window, Qt.Key_Space)
    assert not player.is_playing()
    painted = np.flatnonzero(window.editor.array[:, thriller])
    assert painted.min() == pressed_at
    assert painted.max() >= pressed_at + 12 and painted.max() <= released_at
    assert len(painted) == painted.max() - painted.min() + 1  # no gaps, even if frames dropped
    assert len(window.editor._undo) == 1  # the whole hold is one step
    assert window.actions.undo.text() == f"&Undo Paint thriller {painted.min()}-{painted.max()}"
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert not window.editor.array.any()


def test_reopening_returns_to_the_same_trailer_frame_and_labels(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 2, 12)
    window.timeline.set_selection(12, 30)
    key(qtbot, window, Qt.Key_6)
    expected = window.editor.array.copy()
    window.close()  # no wait: closing saves at once
    assert np.array_equal(stored_labels(demo_project, 2), expected)

    again = make_window(demo_project)
    assert again.state.video.id == 2
    assert again.player.frame() == 12
    assert np.array_equal(again.editor.array, expected)
    assert not again.isWindowModified()


def test_switching_trailer_saves_first(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    open_video(qtbot, window, 1, 3)
    key(qtbot, window, Qt.Key_1)
    window.autosaver.delay_ms = 60_000  # only the switch may save it
    open_video(qtbot, window, 2)
    assert stored_labels(demo_project, 1)[3, 0]


def test_preferences_annotator_owns_the_labels(make_window, demo_project, qtbot, fresh_settings):
    window = make_window(demo_project)
    open_video(qtbot, window, 0)
    truth = window.editor.array.copy()
    window.preferences()
    dialog = window.preferences_dialog
    dialog.annotator.setText("alice")
    dialog.accept()
    assert fresh_settings.annotator == "alice"
    assert window.annotator_button.text() == "Annotator: alice"
    assert window.state.video.id == 0 and not window.editor.array.any()  # alice has none yet
    key(qtbot, window, Qt.Key_2)
    window.close()
    with Project.open(demo_project) as p:
        assert p.load_labels(0, "alice")[0, 1]
        assert np.array_equal(p.load_labels(0, "ground-truth"), truth)


def test_recent_projects_and_geometry_are_kept_in_settings(make_window, demo_project, fresh_settings):
    window = make_window(demo_project)
    window.resize(1000, 700)
    window.close()
    assert fresh_settings.recent_projects()[0] == demo_project.resolve()
    assert fresh_settings.window_bytes("geometry") is not None
    path = QtCore.QSettings().fileName()
    assert "trailer-gui-tests-" in path  # never the user's real settings


# ---- drag and drop ------------------------------------------------------------------------
def test_dropping_a_bad_and_a_good_video(make_window, demo_project, qtbot, tmp_path):
    window = make_window(demo_project)
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video, just text renamed .mp4\n" * 20)
    good = write_mp4v(tmp_path / "good.mp4", frames=12)  # a new video (a copy would be refused)

    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(bad)), QtCore.QUrl.fromLocalFile(str(good))])
    pos = QtCore.QPointF(window.rect().center())
    enter = QtGui.QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QtWidgets.QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QtWidgets.QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: window.files._add_task is None, timeout=10_000)

    assert window.video_list.ids() == [0, 1, 2, 3]
    assert window.video_list.row(3).name == "good.mp4"
    [box] = messages(window)
    assert "notes.mp4" in box.text() and "not a video file" in box.text()
    assert "good.mp4" not in box.text()
    box.close()


def test_adding_a_copy_of_a_trailer_is_refused_naming_it(make_window, demo_project, qtbot, tmp_path):
    window = make_window(demo_project)
    copy = tmp_path / "copy.mp4"
    shutil.copy(demo_project / "videos" / "demo_trailer_01.mp4", copy)
    window.files.add_video_files([copy])
    qtbot.waitUntil(lambda: window.files._add_task is None, timeout=10_000)
    assert window.video_list.ids() == [0, 1, 2]
    [box] = messages(window)
    assert "copy.mp4: the same file as video 1 (demo_trailer_01.mp4)" in box.text()
    box.close()


# ---- start-up ------------------------------------------------------------------------------
def test_startup_shows_the_window_without_tensorflow(demo_project, tmp_path):
    """Run the real entry point in a fresh process: first show, then quit; TF never loaded."""
    script = textwrap.dedent(
        """
        import json, sys
        from trailer_gui import app
        rc = app.main(sys.argv[1:])
        heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'model'))
        print(json.dumps({"rc": rc, "heavy": heavy}))
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAILER_GUI_EXIT_AFTER_SHOW="1",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    out = subprocess.run([sys.executable, "-c", script, str(demo_project)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "first window shown" in out.stdout
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"rc": 0, "heavy": []}


def test_console_script_is_installed():
    assert shutil.which("trailer-gui"), "pip install -e . puts trailer-gui on PATH"


def test_a_rebound_shortcut_is_kept_in_settings(make_window, demo_project, qtbot, fresh_settings):
    window = make_window(demo_project)
    window.preferences()
    dialog = window.preferences_dialog
    dialog._editors["step_forward"].setKeySequence(QtGui.QKeySequence("L"))
    dialog.accept()
    assert fresh_settings.shortcut("step_forward") == "L"
    window.close()
    again = make_window(demo_project)
    assert again.actions.step_forward.shortcut().toString() == "L"
    start = again.player.frame()
    key(qtbot, again, Qt.Key_L)
    wait_shown(qtbot, again, start + 1)


def test_opening_a_trailer_with_sound_keeps_the_terminal_quiet(tmp_path):
    """Qt Multimedia's FFmpeg backend dumps every sound file's streams ("Input #0, ...") and
    lists optional libraries it lacks; the app's terminal should not fill with that."""
    from trailer_gui.demo.synth import write_trailer

    video = tmp_path / "sound.mp4"
    write_trailer(video, 3, 1.0, size=(48, 64), audio=True)
    script = textwrap.dedent(
        """
        import sys
        from PySide6 import QtCore
        from trailer_gui import app
        qapp = app.create_application()
        from PySide6 import QtMultimedia  # as in the app: loaded when a trailer has sound
        player = QtMultimedia.QMediaPlayer()
        player.setAudioOutput(QtMultimedia.QAudioOutput())
        player.mediaStatusChanged.connect(
            lambda s: s == QtMultimedia.QMediaPlayer.MediaStatus.LoadedMedia and qapp.quit())
        player.setSource(QtCore.QUrl.fromLocalFile(sys.argv[1]))
        QtCore.QTimer.singleShot(10_000, qapp.quit)
        qapp.exec()
        print(player.mediaStatus().name)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "QT_LOGGING_RULES"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run([sys.executable, "-c", script, str(video)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "LoadedMedia"
    assert "Input #0" not in out.stderr and "symbolsresolver" not in out.stderr, out.stderr


def test_first_run_gives_the_timeline_room_to_paint(make_window, demo_project):
    """Without a saved layout the player's size hint would take nearly all the height and
    leave lanes too thin to paint; the first layout gives the timeline a good share."""
    window = make_window(demo_project)
    player, timeline = window.right_splitter.sizes()
    lanes = len(window.state.genres)
    assert timeline >= 0.3 * (player + timeline), (player, timeline)
    assert timeline / lanes >= 25  # px a lane, filmstrip and ruler included
