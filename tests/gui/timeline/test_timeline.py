"""The timeline as a user meets it: lanes drawn from an editor, painted with the mouse.

Mouse events go straight to the graphics viewport with ``QApplication.sendEvent`` (a move
carries its held buttons explicitly: ``qtbot.mouseMove`` with a held button is unreliable on
some Qt versions), with a short pause between moves because pyqtgraph drops mouse moves that
come faster than its ``mouseRateLimit``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from trailer_gui.core.editing import LabelEditor
from trailer_gui.core.genres import default_genres
from trailer_gui.widgets.timeline.timeline import Timeline, format_time

Qt = QtCore.Qt
GENRES = default_genres()
NAMES = [g.name for g in GENRES]
ACTION = NAMES.index("action")


def rgba(color: str) -> list[int]:
    c = QtGui.QColor(color)
    return [c.red(), c.green(), c.blue(), 255]


@pytest.fixture
def make_timeline(qtbot):
    def make(frames=600, labels=None, fps=24.0):
        labels = np.zeros((frames, len(NAMES)), bool) if labels is None else labels
        editor = LabelEditor(labels, NAMES)
        tl = Timeline()
        qtbot.addWidget(tl)
        tl.setFixedSize(900, 300)
        tl.set_labels(editor, GENRES, fps)
        tl.show()
        qtbot.waitExposed(tl)
        QtWidgets.QApplication.processEvents()
        return tl, editor

    return make


# ---- sending mouse events ----------------------------------------------------------------
def _send(tl, kind, pos, button, buttons, mods=Qt.KeyboardModifier.NoModifier):
    vp = tl.graphics.viewport()
    local = QtCore.QPointF(vp.mapFrom(tl, pos))
    glob = QtCore.QPointF(vp.mapToGlobal(local.toPoint()))
    ev = QtGui.QMouseEvent(kind, local, glob, button, buttons, mods)
    QtWidgets.QApplication.sendEvent(vp, ev)


def _pause():
    # pyqtgraph ignores moves closer than 1000 / mouseRateLimit (10 ms) to the previous one
    time.sleep(0.012)
    QtWidgets.QApplication.processEvents()


def drag(tl, points, button=Qt.MouseButton.LeftButton, mods=Qt.KeyboardModifier.NoModifier):
    """Press at points[0], move through points[1:], release at the last one."""
    T = QtCore.QEvent.Type
    _pause()
    _send(tl, T.MouseButtonPress, points[0], button, button, mods)
    for p in points[1:]:
        _pause()
        _send(tl, T.MouseMove, p, Qt.MouseButton.NoButton, button, mods)
    _pause()
    _send(tl, T.MouseButtonRelease, points[-1], button, Qt.MouseButton.NoButton, mods)
    QtWidgets.QApplication.processEvents()


def click(tl, pos, button=Qt.MouseButton.LeftButton):
    T = QtCore.QEvent.Type
    _pause()
    _send(tl, T.MouseButtonPress, pos, button, button)
    _send(tl, T.MouseButtonRelease, pos, button, Qt.MouseButton.NoButton)
    QtWidgets.QApplication.processEvents()


def wheel(tl, pos, notches=1, mods=Qt.KeyboardModifier.NoModifier):
    vp = tl.graphics.viewport()
    local = QtCore.QPointF(vp.mapFrom(tl, pos))
    ev = QtGui.QWheelEvent(
        local, QtCore.QPointF(vp.mapToGlobal(local.toPoint())), QtCore.QPoint(),
        QtCore.QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton, mods,
        Qt.ScrollPhase.NoScrollPhase, False,
    )
    QtWidgets.QApplication.sendEvent(vp, ev)
    QtWidgets.QApplication.processEvents()


def lane_path(tl, lane, f0, f1, steps=6):
    return [tl.frame_lane_to_widget(f, lane) for f in np.linspace(f0, f1, steps)]


def labelled(editor, genre):
    return np.flatnonzero(editor.array[:, editor.genre_index(genre)])


# ---- painting ----------------------------------------------------------------------------
def test_left_drag_paints_the_lane_as_one_undo_step(make_timeline, qtbot):
    tl, editor = make_timeline(600)
    with qtbot.waitSignal(tl.sigGestureFinished) as finished:
        drag(tl, lane_path(tl, ACTION, 100, 200))
    frames = labelled(editor, "action")
    assert abs(frames[0] - 100) <= 2 and abs(frames[-1] - 200) <= 2
    assert len(frames) == frames[-1] - frames[0] + 1  # no gaps
    others = np.delete(editor.array, ACTION, axis=1)
    assert not others.any()
    assert editor.undo_name == f"Paint action {frames[0]}-{frames[-1]}"
    assert finished.args == [editor.undo_name]
    editor.undo()
    assert not editor.array.any() and not editor.can_undo  # exactly one step


def test_fast_drag_leaves_no_gaps(make_timeline):
    tl, editor = make_timeline(600)
    drag(tl, lane_path(tl, 2, 20, 580, steps=3))  # ~280 frames per move
    frames = labelled(editor, "horror")
    assert abs(frames[0] - 20) <= 2 and abs(frames[-1] - 580) <= 2
    assert len(frames) == frames[-1] - frames[0] + 1


def test_drag_stays_in_the_pressed_lane_and_runs_backwards(make_timeline):
    tl, editor = make_timeline(600)
    start = tl.frame_lane_to_widget(300, 0)
    wander = tl.frame_lane_to_widget(250, 3)  # the mouse drifts into another lane
    end = tl.frame_lane_to_widget(200, 5)
    drag(tl, [start, wander, end])
    frames = labelled(editor, "comedy")
    assert abs(frames[0] - 200) <= 2 and abs(frames[-1] - 300) <= 2
    assert editor.array[:, 1:].sum() == 0


def test_right_drag_erases_one_genre(make_timeline, qtbot):
    labels = np.zeros((600, 6), bool)
    labels[50:400, ACTION] = True
    labels[50:400, 0] = True
    tl, editor = make_timeline(600, labels)
    with qtbot.waitSignal(tl.sigGestureFinished) as finished:
        drag(tl, lane_path(tl, ACTION, 150, 250), button=Qt.MouseButton.RightButton)
    gone = np.flatnonzero(~editor.array[50:400, ACTION]) + 50
    assert abs(gone[0] - 150) <= 2 and abs(gone[-1] - 250) <= 2
    assert len(gone) == gone[-1] - gone[0] + 1
    assert editor.array[50:400, 0].all()  # comedy untouched
    assert finished.args[0].startswith("Erase action ")
    assert editor.undo_name == finished.args[0]


def test_click_in_a_lane_seeks_and_never_edits(make_timeline, qtbot):
    tl, editor = make_timeline(600)
    with qtbot.waitSignal(tl.sigSeek) as seek:
        click(tl, tl.frame_lane_to_widget(321, 2))
    assert abs(seek.args[0] - 321) <= 1
    assert tl.frame() == seek.args[0]
    click(tl, tl.frame_lane_to_widget(100, 2), Qt.MouseButton.RightButton)
    assert not editor.array.any() and not editor.can_undo


def test_shift_and_middle_drag_pan_without_painting(make_timeline):
    tl, editor = make_timeline(600)
    tl.zoom_to(200, 300)
    QtWidgets.QApplication.processEvents()
    drag(tl, lane_path(tl, 1, 280, 220), mods=Qt.KeyboardModifier.ShiftModifier)
    x0, x1 = tl.visible_range()
    assert x0 > 240 and x1 - x0 == pytest.approx(100)
    drag(tl, lane_path(tl, 1, x0 + 20, x0 + 80), button=Qt.MouseButton.MiddleButton)
    y0, y1 = tl.visible_range()
    assert y0 < x0 - 40 and y1 - y0 == pytest.approx(100)
    assert not editor.array.any() and not editor.can_undo


# ---- view --------------------------------------------------------------------------------
def test_wheel_zooms_around_the_cursor_down_to_single_frames(make_timeline):
    tl, _ = make_timeline(600)
    assert tl.visible_range() == (0.0, 600.0)
    under = tl.frame_lane_to_widget(300, 1)
    wheel(tl, under, 1)
    x0, x1 = tl.visible_range()
    assert x1 - x0 < 600 and x0 < 300.5 < x1
    for _ in range(40):
        wheel(tl, under, 1)
    x0, x1 = tl.visible_range()
    assert x1 - x0 <= 5 and x0 <= 300 <= x1  # a frame is now ~200 px wide
    assert tl.frames_per_column == 1
    for _ in range(60):
        wheel(tl, under, -1)
    assert tl.visible_range() == (0.0, 600.0)  # never beyond the video
    tl.zoom_to(100, 200)
    wheel(tl, under, -1, mods=Qt.KeyboardModifier.ControlModifier)  # Ctrl+wheel pans
    x0, x1 = tl.visible_range()
    assert x0 > 100 and x1 - x0 == pytest.approx(100)


def test_view_is_limited_to_the_video(make_timeline):
    tl, _ = make_timeline(600)
    tl.zoom_to(-100, 900)
    assert tl.visible_range() == (0.0, 600.0)
    tl.zoom_to(550, 650)
    x0, x1 = tl.visible_range()
    assert x1 <= 600 and x1 - x0 == pytest.approx(100)
    tl.zoom_all()
    assert tl.visible_range() == (0.0, 600.0)


def test_clicking_the_ruler_seeks(make_timeline, qtbot):
    tl, editor = make_timeline(600)
    with qtbot.waitSignal(tl.sigSeek) as seek:
        click(tl, tl.frame_ruler_to_widget(450))
    assert abs(seek.args[0] - 450) <= 1
    assert tl.frame() == seek.args[0]
    assert tl.playhead.value() == seek.args[0]
    with qtbot.waitSignal(tl.sigSeek) as again:  # the same frame again still asks
        click(tl, tl.frame_ruler_to_widget(450))
    assert again.args == seek.args
    assert not editor.can_undo


def test_ruler_hover_tells_frame_and_time(make_timeline):
    tl, _ = make_timeline(600, fps=24.0)
    assert format_time(24 * 61 + 12, 24.0) == "0:01:01.500"
    _pause()
    _send(tl, QtCore.QEvent.Type.MouseMove, tl.frame_ruler_to_widget(480),
          Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    tip = tl.ruler.toolTip()
    frame = int(tip.split()[1])
    assert abs(frame - 480) <= 1 and format_time(frame, 24.0) in tip


def test_undo_during_a_drag_ends_the_stroke(make_timeline):
    tl, editor = make_timeline(600)
    T = QtCore.QEvent.Type
    L, N = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    path = lane_path(tl, ACTION, 100, 300, steps=5)
    _send(tl, T.MouseButtonPress, path[0], L, L)
    for p in path[1:3]:
        _pause()
        _send(tl, T.MouseMove, p, N, L)
    editor.undo()  # e.g. Ctrl+Z while the button is still down
    assert not editor.array.any()
    for p in path[3:]:
        _pause()
        _send(tl, T.MouseMove, p, N, L)
    _send(tl, T.MouseButtonRelease, path[-1], L, N)
    assert not editor.array.any() and not editor.can_undo and editor.can_redo


def test_scrubbing_the_ruler_and_dragging_the_playhead_seek(make_timeline, qtbot):
    tl, editor = make_timeline(600)
    seeks = []
    tl.sigSeek.connect(seeks.append)
    drag(tl, [tl.frame_ruler_to_widget(f) for f in (100, 150, 200, 250)])
    assert abs(seeks[-1] - 250) <= 1 and len(seeks) >= 2
    assert len(seeks) == len(set(seeks))
    seeks.clear()
    tl.set_frame(300)
    # grab the playhead a little below its handle and move it
    drag(tl, [tl.frame_lane_to_widget(299.5, 3), tl.frame_lane_to_widget(340, 3),
              tl.frame_lane_to_widget(400, 3)])
    assert seeks and abs(seeks[-1] - 400) <= 2
    assert tl.frame() == seeks[-1] and tl.playhead.value() == seeks[-1]
    assert not editor.array.any()


def test_playhead_follows_playback_page_by_page(make_timeline):
    tl, _ = make_timeline(600)
    tl.zoom_to(0, 100)
    for f in range(0, 150):
        tl.set_frame(f)
    assert tl.frame() == 149 and tl.playhead.value() == 149
    x0, x1 = tl.visible_range()
    assert (x0, x1) == pytest.approx((100, 200))  # one page on
    tl.set_frame(500)  # a jump centres
    x0, x1 = tl.visible_range()
    assert x0 <= 500 < x1 and x1 - x0 == pytest.approx(100)
    tl.zoom_to(0, 100)
    tl.set_frame(500)  # the same frame again does not pull the view back
    assert tl.visible_range() == pytest.approx((0, 100))


def test_selection(make_timeline):
    tl, _ = make_timeline(600)
    assert tl.selection() is None and not tl.selection_item.isVisible()
    tl.set_selection(400, 120)
    assert tl.selection() == (120, 400)
    assert tl.selection_item.isVisible()
    assert tl.selection_item.getRegion() == (120, 400)
    tl.set_selection(None, None)
    assert tl.selection() is None and not tl.selection_item.isVisible()


def test_lane_geometry(make_timeline):
    tl, _ = make_timeline(600)
    assert tl.lane_rect(0) == (0.0, 1.0) and tl.lane_rect(5) == (5.0, 6.0)
    assert tl.lane_at(0.2) == 0 and tl.lane_at(5.9) == 5
    assert tl.lane_at(-0.1) is None and tl.lane_at(6.0) is None
    with pytest.raises(IndexError):
        tl.lane_rect(6)
    top = tl.frame_lane_to_widget(300, 0)
    bottom = tl.frame_lane_to_widget(300, 5)
    assert top.y() < bottom.y()  # genre 0 on top


# ---- drawing -----------------------------------------------------------------------------
def test_image_follows_edits_undo_and_redo(make_timeline):
    tl, editor = make_timeline(600)
    image = lambda: tl.image_item.image  # noqa: E731 - (lanes, columns, 4)
    assert tl.frames_per_column == 1 and image().shape == (6, 600, 4)
    background = image()[ACTION, 150].tolist()
    drag(tl, lane_path(tl, ACTION, 100, 200))
    assert image()[ACTION, 150].tolist() == rgba(GENRES[ACTION].color)
    assert image()[ACTION, 50].tolist() == background
    assert (image()[ACTION, 120:180] == rgba(GENRES[ACTION].color)).all()
    editor.undo()
    assert image()[ACTION, 150].tolist() == background
    editor.redo()
    assert image()[ACTION, 150].tolist() == rgba(GENRES[ACTION].color)
    editor.paint("other", 10, 20)  # edits from elsewhere (keys) show too
    assert image()[5, 15].tolist() == rgba(GENRES[5].color)


def test_zoomed_out_lanes_keep_every_label_visible(make_timeline):
    tl, editor = make_timeline(20_000)
    assert tl.frames_per_column > 1  # 20,000 frames over ~800 px
    ds = tl.frames_per_column
    editor.paint("musical", 12_345, 12_346)  # one frame
    col = 12_345 // ds
    assert tl.image_item.image[4, col].tolist() == rgba(GENRES[4].color)
    assert tl.image_item.image.shape[1] * ds >= 20_000
    assert tl.image_item.image.shape[1] <= tl.view_box().width()  # columns never skipped
    tl.zoom_to(12_300, 12_400)
    QtWidgets.QApplication.processEvents()
    assert tl.frames_per_column == 1
    assert tl.image_item.image[4, 12_345].tolist() == rgba(GENRES[4].color)
    assert tl.image_item.image[4, 12_344].tolist() != rgba(GENRES[4].color)


def test_large_video_loads_and_paints_quickly(make_timeline):
    t0 = time.perf_counter()
    tl, editor = make_timeline(20_000)
    tl.grab()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    drag(tl, lane_path(tl, ACTION, 5_000, 15_000, steps=12))
    tl.grab()
    paint = time.perf_counter() - t0 - 14 * 0.012  # minus the pauses between events
    frames = labelled(editor, "action")
    assert abs(frames[0] - 5_000) <= 30 and abs(frames[-1] - 15_000) <= 30  # ~25 frames/px
    assert len(frames) == frames[-1] - frames[0] + 1
    assert load < 2.0 and paint < 1.0, (load, paint)


# ---- lifecycle ---------------------------------------------------------------------------
def test_set_labels_swaps_and_clears_editors(make_timeline):
    tl, first = make_timeline(600)
    second = LabelEditor(np.zeros((300, 6), bool), NAMES)
    tl.set_labels(second, GENRES, 25)
    assert tl.visible_range() == (0.0, 300.0)
    first.paint("action", 0, 600)  # the old editor no longer draws
    assert not (tl.image_item.image[ACTION] == rgba(GENRES[ACTION].color)).all(axis=-1).any()
    assert first._listeners == []
    tl.set_labels(None, GENRES, 25)
    assert second._listeners == [] and tl.frames == 0
    drag(tl, lane_path(tl, ACTION, 10, 50))  # nothing to paint: no error
    with pytest.raises(ValueError):
        tl.set_labels(first, GENRES[::-1], 25)


def test_same_editor_again_keeps_the_view(make_timeline):
    tl, editor = make_timeline(600)
    tl.zoom_to(100, 200)
    tl.set_selection(120, 130)
    tl.set_labels(editor, GENRES, 24)
    assert tl.visible_range() == pytest.approx((100, 200))
    assert tl.selection() == (120, 130)


def test_keys_are_not_swallowed(make_timeline, qtbot):
    seen = []

    class Window(QtWidgets.QWidget):
        def keyPressEvent(self, ev):
            seen.append(ev.key())

    win = Window()
    qtbot.addWidget(win)
    tl = Timeline(win)
    editor = LabelEditor(np.zeros((100, 6), bool), NAMES)
    tl.set_labels(editor, GENRES, 24)
    for target in (tl, tl.graphics, tl.graphics.viewport()):
        ev = QtGui.QKeyEvent(
            QtCore.QEvent.Type.KeyPress, Qt.Key.Key_Minus, Qt.KeyboardModifier.NoModifier, "-"
        )
        QtWidgets.QApplication.sendEvent(target, ev)
    assert seen == [Qt.Key.Key_Minus] * 3
    assert tl.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert tl.graphics.focusPolicy() == Qt.FocusPolicy.NoFocus
