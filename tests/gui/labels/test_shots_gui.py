"""Shot boundaries in the GUI: cut markers, snapping a drag and a range fill to cuts,
double-click to fill a shot, and the Snap to shots toggle."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from tests.gui.timeline.test_timeline import ACTION, GENRES, NAMES, _pause, _send, drag, lane_path, labelled
from trailer_gui.demo import synth
from trailer_gui.core.editing import LabelEditor
from trailer_gui.core.shots import match_cuts
from trailer_gui.core.store import Project
from trailer_gui.widgets.prefs import Prefs
from trailer_gui.widgets.timeline.timeline import Timeline

Qt = QtCore.Qt
CUTS = [100, 200, 260]


@pytest.fixture
def timeline(qtbot):
    """A timeline over 300 frames with cuts at 100, 200, 260, zoomed to 60-300 (3+ px a frame)."""
    editor = LabelEditor(np.zeros((300, len(NAMES)), bool), NAMES)
    tl = Timeline()
    qtbot.addWidget(tl)
    tl.setFixedSize(900, 300)
    tl.set_labels(editor, GENRES, 24.0)
    tl.set_cuts(CUTS)
    tl.show()
    qtbot.waitExposed(tl)
    tl.zoom_to(60, 300)
    QtWidgets.QApplication.processEvents()
    return tl, editor


def dclick(tl, pos):
    """A left double-click as Qt delivers it: press, release, double-click, release."""
    T = QtCore.QEvent.Type
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _pause()
    _send(tl, T.MouseButtonPress, pos, left, left)
    _send(tl, T.MouseButtonRelease, pos, left, none)
    _send(tl, T.MouseButtonDblClick, pos, left, left)
    _send(tl, T.MouseButtonRelease, pos, left, none)
    QtWidgets.QApplication.processEvents()


def test_cuts_are_drawn_as_one_thin_item(timeline):
    tl, _editor = timeline
    item = tl.shots.item
    assert item.isVisible() and item.zValue() < tl.Z_OVERLAY
    x, y = item.getData()
    assert list(x) == [100, 100, 200, 200, 260, 260]
    assert list(y) == [0, len(NAMES)] * 3  # across every lane
    tl.set_cuts(None)
    assert not item.isVisible() and tl.cuts() is None


def test_a_drag_snaps_to_nearby_cuts_as_one_undo_step(timeline, qtbot):
    tl, editor = timeline
    tl.set_snap_to_shots(True)
    with qtbot.waitSignal(tl.sigGestureFinished) as finished:
        drag(tl, lane_path(tl, ACTION, 102, 197))  # both edges a few frames inside the shot
    frames = labelled(editor, "action")
    assert frames[0] == 100 and frames[-1] == 199 and len(frames) == 100
    assert editor.undo_name == "Paint action 100-199" == finished.args[0]
    editor.undo()
    assert not editor.array.any() and not editor.can_undo


def test_an_overshooting_drag_is_pulled_back_and_keeps_older_labels(timeline):
    tl, editor = timeline
    editor.paint(ACTION, 202, 206)  # labelled before: must survive the pull-back
    editor.paint("horror", 150, 250)
    tl.set_snap_to_shots(True)
    drag(tl, lane_path(tl, ACTION, 97, 203))  # edges just past the cuts at 100 and 200
    frames = labelled(editor, "action")
    assert frames[0] == 100
    assert set(range(100, 200)) <= set(frames) and set(range(202, 206)) <= set(frames)
    assert not set(frames) & {96, 97, 98, 99, 200, 201, 206, 207}
    assert list(labelled(editor, "horror")) == list(range(150, 250))  # other lanes untouched
    editor.undo()
    assert list(labelled(editor, "action")) == [202, 203, 204, 205]


def test_erasing_snaps_too_and_far_edges_stay(timeline):
    tl, editor = timeline
    editor.paint(ACTION, 0, 300)
    tl.set_snap_to_shots(True)
    drag(tl, lane_path(tl, ACTION, 198, 230), button=Qt.MouseButton.RightButton)
    erased = np.flatnonzero(~editor.array[:, ACTION])
    assert erased[0] == 200 and abs(erased[-1] - 230) <= 2  # 230 is far from any cut
    assert editor.undo_name.startswith("Erase action 200-")


def test_without_snapping_a_drag_paints_what_was_dragged(timeline):
    tl, editor = timeline
    assert not tl.snap_to_shots()
    drag(tl, lane_path(tl, ACTION, 103, 196))
    frames = labelled(editor, "action")
    assert abs(frames[0] - 103) <= 1 and abs(frames[-1] - 196) <= 1


def test_double_click_fills_the_shot_under_the_cursor(timeline, qtbot):
    tl, editor = timeline
    with qtbot.waitSignal(tl.sigGestureFinished) as finished:
        dclick(tl, tl.frame_lane_to_widget(150, ACTION))
    assert list(labelled(editor, "action")) == list(range(100, 200))
    assert finished.args == ["Paint action 100-199"] and editor.undo_name == "Paint action 100-199"
    assert tl.frame() == 150  # the first click seeked
    dclick(tl, tl.frame_lane_to_widget(280, 2))  # the last shot, in the horror lane
    assert list(labelled(editor, "horror")) == list(range(260, 300))
    dclick(tl, tl.frame_lane_to_widget(120, ACTION))  # the whole shot has it: erase
    assert not labelled(editor, "action").size
    for _ in range(3):
        editor.undo()
    assert not editor.array.any() and not editor.can_undo  # one step each


def test_double_click_without_known_cuts_only_seeks(timeline):
    tl, editor = timeline
    tl.set_cuts(None)
    dclick(tl, tl.frame_lane_to_widget(150, ACTION))
    assert not editor.array.any() and tl.frame() == 150


# ---- in the main window --------------------------------------------------------------------
def test_demo_trailers_show_their_cuts(make_window, tmp_path):
    from trailer_gui.demo.project import make_demo

    # One demo trailer of 8 s (the shared demo's 2 s trailers are single shots).
    make_demo(tmp_path / "demo", trailers=1, seconds=8.0, seed=4).close()
    window = make_window(tmp_path / "demo")
    project, video = window.project, window.state.video
    stored = project.cuts(video.id)
    assert project.cuts_detector(video.id) == "shots-v1"
    truth = synth.cuts_for(synth.plan_trailer(4 * 1000, 8.0, 24.0))  # make_demo's seed
    assert len(truth) == 3
    tp, fp, fn = match_cuts(stored, truth, 1)
    assert fp == 0 and fn == 0, (stored, truth)
    assert window.timeline.cuts() == stored
    x, y = window.timeline.shots.item.getData()
    assert sorted(set(x)) == stored and window.timeline.shots.item.isVisible()


def test_snap_toggle_persists_and_snaps_a_range_fill(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    action = window.actions.snap_to_shots
    assert action.isCheckable() and not action.isChecked()
    assert "S" in [k.toString() for k in action.shortcuts()]
    action.trigger()
    assert action.isChecked() and window.timeline.snap_to_shots() and Prefs().snap_to_shots
    assert action in window.actions.genre_menu.actions()
    # A range fill (I/O then a genre key) snaps to the cuts near its ends.
    window.timeline.set_cuts([10, 30])
    window.timeline.set_selection(12, 28)
    window.labels.fill_selection(ACTION)
    assert list(labelled(window.editor, "action")) == list(range(10, 30))
    assert window.timeline.selection() == (10, 30)
    window.close()
    again = make_window(demo_project)
    assert again.actions.snap_to_shots.isChecked() and again.timeline.snap_to_shots()
    again.actions.snap_to_shots.trigger()
    assert not Prefs().snap_to_shots and not again.timeline.snap_to_shots()


def test_videos_without_stored_cuts_show_none(make_window, demo_project):
    with Project.open(demo_project) as p:
        for v in p.videos():
            p.set_cuts(v.id, None)
    window = make_window(demo_project)
    assert window.timeline.cuts() is None and not window.timeline.shots.item.isVisible()
