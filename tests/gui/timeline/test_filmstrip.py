"""The filmstrip above the timeline (issue #6): thumbnails at the right frames and places,
following zoom and pan, made off the GUI thread, latest request wins, per trailer."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from tests.gui.conftest import wait_shown
from trailer_gui.core.video_reader import VideoReader
from trailer_gui.widgets.timeline.filmstrip import step_for
from trailer_gui.workers.thumbnails import ThumbnailSource, runs


def all_ready(strip) -> bool:
    slots = strip.slots()
    return bool(slots) and all(ready for *_, ready in slots)


def to_array(image: QtGui.QImage) -> np.ndarray:
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : w * 3].reshape(h, w, 3)


def same_picture(image: QtGui.QImage, path, frame: int) -> float:
    """Mean absolute difference between a thumbnail and the video's frame, resized alike."""
    with VideoReader(path) as reader:
        rgb = reader.frame(frame)
    expected = cv2.resize(rgb, (image.width(), image.height()), interpolation=cv2.INTER_AREA)
    return float(np.abs(to_array(image).astype(int) - expected.astype(int)).mean())


def test_steps_are_powers_of_two_and_runs_keep_order():
    assert [step_for(x) for x in (0.5, 1.0, 1.4, 2.0, 10.0, 100.0)] == [1, 1, 2, 2, 8, 128]
    assert runs([0, 8, 16, 40, 48]) == [(0, 17, 8), (40, 49, 8)]
    assert runs([32, 40, 48, 0, 8]) == [(32, 49, 8), (0, 9, 8)]
    assert runs([5]) == [(5, 6, 1)]


def test_thumbnails_appear_at_their_frames_and_follow_zoom_and_pan(make_window, demo_project,
                                                                     qtbot):
    window = make_window(demo_project)
    strip = window.playback.filmstrip
    timeline = window.timeline
    assert strip.is_shown() and strip.frames == window.state.video.frames == 48
    qtbot.waitUntil(lambda: all_ready(strip), timeout=10_000)

    def check_slots():
        slots = strip.slots()
        step = strip.step
        x0, x1 = timeline.visible_range()
        assert slots[0][1] <= x0 + 1e-6 and slots[-1][2] >= min(x1, strip.frames) - 1e-6
        for (frame, a, b, _), nxt in zip(slots, slots[1:] + [None]):
            assert frame % step == 0 and a == frame and b == min(frame + step, strip.frames)
            if nxt is not None:
                assert nxt[0] == frame + step
            # on screen, a slot starts where its frame starts in the lanes
            lanes_x = timeline.view_box().mapViewToScene(QtCore.QPointF(frame, 0)).x()
            strip_x = strip.view_box.mapViewToScene(QtCore.QPointF(frame, 0)).x()
            assert strip_x == pytest.approx(lanes_x, abs=1.0)
        return slots

    slots = check_slots()
    whole_step = strip.step
    # each thumbnail is its frame
    h = strip.device_height()
    path = window.state.video.path
    for frame, *_ in slots[:3]:
        image = strip.cache.get(frame, h)
        assert image.height() == h and image.width() == pytest.approx(h * 426 / 240, abs=1)
        assert same_picture(image, path, frame) < 6
    # zoom in: smaller steps, thumbnails for the new slots
    timeline.zoom_to(10, 22)
    qtbot.waitUntil(lambda: strip.step < whole_step and all_ready(strip), timeout=10_000)
    slots = check_slots()
    assert slots[0][0] <= 10 < slots[0][0] + strip.step
    frame = slots[1][0]
    assert same_picture(strip.cache.get(frame, h), path, frame) < 6
    # pan: the grid stays; what was made is reused
    made = strip.worker().made
    timeline.zoom_to(14, 26)
    qtbot.waitUntil(lambda: all_ready(strip), timeout=10_000)
    check_slots()
    assert strip.worker().made - made <= 2 * len(strip.slots())
    # zooming back out needs nothing new (multiples of 2s are multiples of s): ready at once
    timeline.zoom_all()
    assert strip.step == whole_step and all_ready(strip)


def test_thumbnails_are_made_off_the_gui_thread_and_drawn(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    strip = window.playback.filmstrip
    qtbot.waitUntil(lambda: all_ready(strip), timeout=10_000)
    worker = strip.worker()
    assert worker.worker_threads and threading.get_ident() not in worker.worker_threads
    # what a user sees: pictures in the strip above the lanes, not placeholders
    shot = window.timeline.graphics.grab().toImage()
    rect = strip.plot.sceneBoundingRect()
    view = window.timeline.graphics
    top = view.mapFromScene(rect.topLeft())
    frame = strip.slots()[0][0]
    x = view.mapFromScene(strip.view_box.mapViewToScene(QtCore.QPointF(frame, 0))).x() + 8
    y = top.y() + int(rect.height() / 2)
    got = QtGui.QColor(shot.pixel(int(x), int(y)))
    thumb = strip.cache.get(frame, strip.device_height())
    want = QtGui.QColor(thumb.pixel(7, thumb.height() // 2))
    diff = sum(abs(a - b) for a, b in zip(got.getRgb()[:3], want.getRgb()[:3]))
    assert diff < 60


def test_switching_trailer_clears_the_strip(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    strip = window.playback.filmstrip
    qtbot.waitUntil(lambda: all_ready(strip), timeout=10_000)
    old_gen = strip._gen
    window.files.select_video(2)
    assert strip._gen != old_gen and len(strip.cache) == 0  # nothing of the old trailer left
    assert strip.path == window.state.video.path
    qtbot.waitUntil(lambda: all_ready(strip), timeout=10_000)
    h = strip.device_height()
    frame = strip.slots()[1][0]
    assert same_picture(strip.cache.get(frame, h), strip.path, frame) < 6
    # closing the project empties it
    window.files.close_project()
    assert strip.frames == 0 and strip.slots() == [] and len(strip.cache) == 0


def test_clicking_the_strip_seeks(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    strip = window.playback.filmstrip
    view = window.timeline.graphics
    scene = strip.view_box.mapViewToScene(QtCore.QPointF(30.5, 0.5))
    pos = view.mapFromScene(scene)
    qtbot.mouseClick(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    wait_shown(qtbot, window, 30)
    assert window.timeline.frame() == 30


def test_the_view_menu_hides_the_strip_and_remembers(make_window, demo_project, qtbot,
                                                     fresh_settings):
    window = make_window(demo_project)
    strip = window.playback.filmstrip
    lanes_top = window.timeline.view_box().sceneBoundingRect().top()
    action = window.actions.show_filmstrip
    assert action.isCheckable() and action.isChecked()
    action.trigger()
    assert not strip.is_shown() and not strip.plot.isVisible() and not fresh_settings.show_filmstrip
    # the lanes move up into the room the strip took
    qtbot.waitUntil(lambda: window.timeline.view_box().sceneBoundingRect().top()
                    < lanes_top - strip.strip_height() + 2, timeout=20000)
    assert strip.slots() == []
    window.close()
    window = make_window(demo_project)
    assert not window.playback.filmstrip.is_shown()
    assert not window.actions.show_filmstrip.isChecked()


class SlowReader:
    """A reader whose frames take a while, to see requests overtake each other."""

    class info:
        width, height = 64, 36

    frame_count = 1000

    def __init__(self, path):
        self.calls: list[int] = []

    def iter_frames(self, start, stop, step, size=None):
        for f in range(start, stop, step):
            time.sleep(0.01)
            self.calls.append(f)
            yield np.full((size[0], size[1], 3), f % 256, np.uint8)

    def close(self):
        pass


def test_the_latest_request_wins(qtbot):
    source = ThumbnailSource.start(SlowReader)
    got: list[tuple[int, int]] = []
    source.sigThumbnail.connect(lambda gen, frame, h, image: got.append((gen, frame)))
    try:
        source.request(1, "a.mp4", list(range(0, 800, 8)), 20)
        qtbot.waitUntil(lambda: len(got) >= 2, timeout=20000)
        source.request(2, "a.mp4", [500, 504, 508], 20)
        qtbot.waitUntil(lambda: [f for g, f in got if g == 2] == [500, 504, 508], timeout=20000)
        first = [f for g, f in got if g == 1]
        assert len(first) < 20  # the first request was dropped, not finished
    finally:
        assert source.shutdown()
