"""The player: exact frames on seek and step, paced playback that drops rather than drifts,
end of video, errors shown in place, clean shutdown.

Test videos are tiny (64x48 MPEG-4 part 2 via OpenCV) and each frame carries its own index
as 8 black/white stripes of 8 pixels (bit 7 on the left), aligned to the codec's 8x8 blocks,
so the frame on screen can be identified exactly from the image the player holds.
"""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from trailer_gui.widgets.playback.player import Player, format_timecode

W, H = 64, 48
FPS = 24.0
FRAMES = 96


def write_video(path, frames: int = FRAMES, fps: float = FPS) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (W, H))
    assert writer.isOpened()
    for i in range(frames):
        img = np.zeros((H, W, 3), np.uint8)
        for bit in range(8):
            if i >> (7 - bit) & 1:
                img[: H // 2, bit * 8 : bit * 8 + 8] = 255
        img[H // 2 :] = (i * 2) % 256  # a grey level too, for the eye
        writer.write(img)
    writer.release()
    return str(path)


def index_of(image: QtGui.QImage) -> int:
    """The frame index written into ``image`` (see write_video)."""
    assert image is not None and not image.isNull()
    assert (image.width(), image.height()) == (W, H)
    value = 0
    for bit in range(8):
        level = QtGui.QColor(image.pixel(bit * 8 + 4, H // 4)).value()
        value = value << 1 | (level > 128)
    return value


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("player") / "numbered.mp4")


@pytest.fixture
def player(qtbot):
    p = Player()
    qtbot.addWidget(p)
    p.resize(400, 300)
    p.show()
    yield p
    p.shutdown()


def open_and_wait(qtbot, player, path, frames=FRAMES):
    player.open(path, frames, FPS)
    qtbot.waitUntil(lambda: player.shown_frame() == 0, timeout=20000)


def seek_and_wait(qtbot, player, frame):
    player.seek(frame)
    qtbot.waitUntil(lambda: player.shown_frame() == player.frame() == frame, timeout=20000)


class Recorder:
    def __init__(self, player):
        self.frames: list[int] = []
        self.playing: list[bool] = []
        self.errors: list[str] = []
        player.sigFrameChanged.connect(self.frames.append)
        player.sigPlayingChanged.connect(self.playing.append)
        player.sigError.connect(self.errors.append)


# ---------------------------------------------------------------------------- frames


def test_open_shows_frame_zero(qtbot, player, video):
    rec = Recorder(player)
    open_and_wait(qtbot, player, video)
    assert index_of(player.image()) == 0
    assert rec.frames == [0]
    assert player.frame() == 0 and player.frame_count() == FRAMES
    assert not player.is_playing()
    text = player.position_label.text()
    assert "frame 0 / 96" in text and "00:00:00:00" in text


def test_seek_shows_exactly_that_frame(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    seek_and_wait(qtbot, player, 37)
    assert index_of(player.image()) == 37
    assert "frame 37 / 96" in player.position_label.text()
    assert "00:00:01:13" in player.position_label.text()  # 37 = 1 s + 13 frames at 24 fps
    seek_and_wait(qtbot, player, 5)
    assert index_of(player.image()) == 5
    # clamped to the video
    player.seek(10_000)
    assert player.frame() == FRAMES - 1
    qtbot.waitUntil(lambda: player.shown_frame() == FRAMES - 1, timeout=20000)
    assert index_of(player.image()) == FRAMES - 1
    player.seek(-3)
    assert player.frame() == 0
    qtbot.waitUntil(lambda: player.shown_frame() == 0, timeout=20000)
    assert index_of(player.image()) == 0


def test_step_back_repeatedly_shows_each_frame(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    seek_and_wait(qtbot, player, 60)
    times = []
    for expected in range(59, 44, -1):
        t = time.monotonic()
        player.step(-1)
        qtbot.waitUntil(lambda e=expected: player.shown_frame() == e, timeout=20000)
        times.append(time.monotonic() - t)
        assert index_of(player.image()) == expected
    assert player.frame() == 45
    # the reader caches backwards: after the first step, steps are answered from memory
    assert sorted(times)[len(times) // 2] < 0.1
    player.step(10)
    qtbot.waitUntil(lambda: player.shown_frame() == 55, timeout=20000)
    assert index_of(player.image()) == 55
    player.step(-10)
    qtbot.waitUntil(lambda: player.shown_frame() == 45, timeout=20000)
    assert index_of(player.image()) == 45


def test_quick_steps_accumulate_and_the_last_request_wins(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    seek_and_wait(qtbot, player, 50)
    rec = Recorder(player)
    for _ in range(7):  # held-down key: no waiting between steps
        player.step(-1)
    assert player.frame() == 43
    qtbot.waitUntil(lambda: player.shown_frame() == 43, timeout=20000)
    for target in (10, 80, 20):
        player.seek(target)
    qtbot.waitUntil(lambda: player.shown_frame() == 20, timeout=20000)
    qtbot.wait(200)  # nothing older arrives afterwards
    assert player.shown_frame() == player.frame() == 20
    assert index_of(player.image()) == 20
    assert rec.frames[-1] == 20
    # sigFrameChanged only ever names frames that were asked for
    assert set(rec.frames) <= {43, 10, 80, 20}


# -------------------------------------------------------------------------- playback


def play_for(qtbot, player, ms):
    rec = Recorder(player)
    start = player.frame()
    player.play()
    qtbot.wait(ms)
    stats = player.stats()
    player.pause()
    return rec, start, stats


def test_play_one_second_at_1x(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    rec, start, stats = play_for(qtbot, player, 1000)
    assert rec.playing == [True, False]
    advanced = player.frame() - start
    assert 10 <= advanced <= 40, advanced
    assert rec.frames, "no frame shown while playing"
    assert all(b > a for a, b in zip(rec.frames, rec.frames[1:])), rec.frames
    assert rec.frames[-1] == player.frame() == player.shown_frame()
    assert index_of(player.image()) == player.frame()
    # every frame passed was either shown or counted as dropped
    assert stats["shown"] >= 5
    assert abs(stats["shown"] + stats["dropped"] - advanced) <= 3, (stats, advanced)


def test_pause_stops(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    player.play()
    qtbot.waitUntil(lambda: player.shown_frame() >= 3, timeout=20000)
    player.pause()
    assert not player.is_playing()
    paused_at = player.frame()
    rec = Recorder(player)
    qtbot.wait(300)
    assert rec.frames == []
    assert player.shown_frame() == player.frame() == paused_at
    assert index_of(player.image()) == paused_at
    # a step after a pause goes from the frame on screen
    player.step(-1)
    qtbot.waitUntil(lambda: player.shown_frame() == paused_at - 1, timeout=20000)


def test_double_speed_advances_faster(qtbot, player, video):
    """Asserts only what the player's own counts guarantee, never how many frames a loaded
    machine manages in 700 ms (an earlier version was off by 5 where 4 was allowed)."""
    open_and_wait(qtbot, player, video)
    _, start, _ = play_for(qtbot, player, 700)
    at_1x = player.frame() - start
    seek_and_wait(qtbot, player, 0)
    player.set_speed(2.0)
    assert player.speed() == 2.0
    assert player.speed_combo.currentText() == "2x"
    rec = Recorder(player)
    start = player.frame()
    player.play()
    qtbot.wait(700)
    # one moment, read in the GUI thread: frames shown so far and the player's counts
    shown_now, stats = list(rec.frames), player.stats()
    player.pause()
    assert shown_now, "no frame shown at 2x"
    at_2x = shown_now[-1] - start
    assert at_2x > at_1x * 1.3, (at_1x, at_2x)
    # frames only move forward, and the player counted each one it showed
    assert all(b > a for a, b in zip(shown_now, shown_now[1:])), shown_now
    assert stats["shown"] == len(shown_now), (stats, len(shown_now))
    # every frame passed up to the one on screen was shown or counted as dropped (the
    # decoder may already have counted frames beyond it: the bound is one-sided)
    assert stats["shown"] + stats["dropped"] >= at_2x, (stats, at_2x)


def test_speed_is_clamped_and_follows_the_combo(qtbot, player):
    player.set_speed(10)
    assert player.speed() == 4.0 and player.speed_combo.currentText() == "4x"
    player.set_speed(0.01)
    assert player.speed() == 0.25 and player.speed_combo.currentText() == "0.25x"
    player.speed_combo.setCurrentIndex(player.speed_combo.findText("1.5x"))
    assert player.speed() == 1.5


def test_end_of_video_stops_on_the_last_frame(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    seek_and_wait(qtbot, player, FRAMES - 8)
    rec = Recorder(player)
    with qtbot.waitSignal(player.sigPlayingChanged, timeout=20000, check_params_cb=lambda p: not p):
        player.play()
    assert not player.is_playing()
    assert player.frame() == player.shown_frame() == FRAMES - 1
    assert rec.frames[-1] == FRAMES - 1
    assert index_of(player.image()) == FRAMES - 1
    # play again at the end: starts over from the first frame
    player.play()
    qtbot.waitUntil(lambda: 0 < player.shown_frame() < FRAMES - 8, timeout=20000)
    player.pause()


def test_seek_while_playing_plays_on_from_there(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    player.play()
    qtbot.waitUntil(lambda: player.shown_frame() >= 2, timeout=20000)
    player.seek(60)
    qtbot.waitUntil(lambda: player.shown_frame() > 61, timeout=20000)
    assert player.is_playing()
    player.pause()


# ----------------------------------------------------------------- errors and shutdown


def test_missing_file_shows_an_error_and_the_app_goes_on(qtbot, player, video, tmp_path):
    missing = tmp_path / "gone.mp4"
    with qtbot.waitSignal(player.sigError, timeout=20000) as blocker:
        player.open(missing, 10, FPS)
    message = blocker.args[0]
    assert "gone.mp4" in message and "not found" in message
    assert player.view.message() == message and player.image() is None
    player.play()  # nothing to play: no crash, no playing state
    assert not player.is_playing()
    player.step(1)
    # the same player opens a good file afterwards
    open_and_wait(qtbot, player, video)
    assert player.view.message() == "" and index_of(player.image()) == 0


def test_an_error_sent_before_open_returns_still_reaches_the_player(qtbot, player, tmp_path,
                                                                    monkeypatch):
    """Opening a missing file fails in the decoder thread within microseconds, possibly
    before `open` has returned: the player must be listening from the start (a lost error
    left it saying "Opening…" for ever).  Here the thread's error is always sent first."""
    from trailer_gui.workers.decoder import FrameSource

    sent = threading.Event()
    launch = FrameSource._launch

    def launch_and_wait_until_the_error_is_sent(self, *args):
        self.sigError.connect(lambda _message: sent.set(), QtCore.Qt.DirectConnection)
        launch(self, *args)
        assert sent.wait(20)

    monkeypatch.setattr(FrameSource, "_launch", launch_and_wait_until_the_error_is_sent)
    with qtbot.waitSignal(player.sigError, timeout=20000) as blocker:
        player.open(tmp_path / "gone.mp4", 10, FPS)
    assert "gone.mp4" in blocker.args[0] and player.view.message() == blocker.args[0]


def test_a_file_that_is_not_a_video_shows_an_error(qtbot, player, tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video at all" * 100)
    with qtbot.waitSignal(player.sigError, timeout=15_000):
        player.open(junk, 10, FPS)
    assert player.error() and player.view.message() == player.error()


def test_a_decoding_error_shows_in_place_and_the_player_goes_on(qtbot, player, video):
    """A file cut short or replaced after opening: the reader raises; the player says so."""
    from trailer_gui.core.errors import VideoChanged
    from trailer_gui.core.video_reader import VideoReader

    class Failing(VideoReader):
        def frame(self, i):
            if i >= 50:
                raise VideoChanged(self.path)
            return super().frame(i)

    player.reader_factory = Failing
    open_and_wait(qtbot, player, video)
    with qtbot.waitSignal(player.sigError, timeout=20000) as blocker:
        player.seek(60)
    assert "changed on disk" in blocker.args[0]
    assert player.view.message() == blocker.args[0] and player.image() is None
    # playing into the bad part stops playback with the message
    seek_and_wait(qtbot, player, 45)
    assert player.view.message() == ""
    with qtbot.waitSignal(player.sigError, timeout=20000):
        player.play()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=20000)
    assert player.error()
    # frames that can be read still come
    seek_and_wait(qtbot, player, 10)
    assert index_of(player.image()) == 10 and player.error() == ""


def test_shutdown_stops_the_thread(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    source = player._source
    thread = source.thread_handle()
    player.play()
    qtbot.waitUntil(lambda: player.shown_frame() >= 2, timeout=20000)
    player.shutdown()
    assert thread.isFinished() and not player.decoder_running()
    assert not player.is_playing()
    player.shutdown()  # twice is fine
    player.seek(3)  # and commands after it do nothing
    player.play()
    assert not player.is_playing()


# ---------------------------------------------------------------------------- widget


def test_transport_bar_buttons(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    for name, button in player.buttons.items():
        assert button.focusPolicy() == QtCore.Qt.FocusPolicy.NoFocus, name
        assert not button.icon().isNull(), name
    assert player.speed_combo.focusPolicy() == QtCore.Qt.FocusPolicy.NoFocus
    assert [player.speed_combo.itemText(i) for i in range(player.speed_combo.count())] == [
        "0.25x", "0.5x", "1x", "1.5x", "2x", "4x"
    ]
    qtbot.mouseClick(player.buttons["end"], QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.shown_frame() == FRAMES - 1, timeout=20000)
    qtbot.mouseClick(player.buttons["back"], QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.shown_frame() == FRAMES - 2, timeout=20000)
    qtbot.mouseClick(player.buttons["start"], QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.shown_frame() == 0, timeout=20000)
    qtbot.mouseClick(player.buttons["forward"], QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.shown_frame() == 1, timeout=20000)
    qtbot.mouseClick(player.buttons["play"], QtCore.Qt.MouseButton.LeftButton)
    assert player.is_playing()
    qtbot.mouseClick(player.buttons["play"], QtCore.Qt.MouseButton.LeftButton)
    assert not player.is_playing()


def test_frame_is_letterboxed_on_a_dark_background(qtbot, player, video):
    open_and_wait(qtbot, player, video)
    seek_and_wait(qtbot, player, 1)  # frame 1: only the last stripe is white
    player.view.setFixedSize(400, 150)
    qtbot.waitUntil(lambda: player.view.size() == QtCore.QSize(400, 150), timeout=20000)
    rect = player.view.image_rect()
    assert rect.height() == pytest.approx(150) and rect.width() == pytest.approx(200)
    assert rect.left() == pytest.approx(100)
    shot = player.view.grab().toImage()
    scale = shot.width() / 400  # device pixel ratio
    dark = QtGui.QColor(shot.pixel(int(20 * scale), int(75 * scale)))
    assert dark.value() < 40  # the side bars
    white = QtGui.QColor(shot.pixel(int((100 + 7.5 * 25) * scale), int(30 * scale)))
    black = QtGui.QColor(shot.pixel(int((100 + 0.5 * 25) * scale), int(30 * scale)))
    assert white.value() > 200 and black.value() < 60


def test_timecode():
    assert format_timecode(0, 24) == "00:00:00:00"
    assert format_timecode(37, 24) == "00:00:01:13"
    assert format_timecode(24 * 3661 + 5, 24) == "01:01:01:05"
    assert format_timecode(37, 24, "ms") == "00:00:01.542"
    assert format_timecode(90, 30, "ms") == "00:00:03.000"
    # 23.976 fps: FF stays below the frames of a second
    assert all(
        int(format_timecode(i, 24000 / 1001)[-2:]) < 24 for i in range(0, 5000, 7)
    )


class SyncedClock:
    """A media clock set from outside (as the audio sets core.avsync.AudioClock): ``sync(s)``
    jumps it, and between syncs it runs on at ``speed``, or stands still while not running."""

    def __init__(self, start_s: float = 0.0, speed: float = 1.0, running: bool = True):
        self._lock = threading.Lock()
        self._base = float(start_s)
        self._t0 = time.monotonic()
        self.speed = float(speed)
        self._running = running

    def sync(self, media_s: float) -> None:
        with self._lock:
            self._base = float(media_s)
            self._t0 = time.monotonic()

    def set_running(self, running: bool) -> None:
        with self._lock:
            self._base = self._now()
            self._t0 = time.monotonic()
            self._running = bool(running)

    def _now(self) -> float:
        if not self._running:
            return self._base
        return self._base + (time.monotonic() - self._t0) * self.speed

    def __call__(self) -> float:
        with self._lock:
            return self._now()


def test_an_outside_clock_drives_playback(qtbot, player, video):
    """Issue #6 plugs the audio clock in here: frames follow whatever clock it gives."""

    clocks = []

    def factory(start_s, speed):
        clocks.append(SyncedClock(start_s, speed, running=False))
        return clocks[-1]

    player.clock_factory = factory
    open_and_wait(qtbot, player, video)
    player.play()
    qtbot.wait(300)
    assert player.shown_frame() == 0  # the clock stands still: so does the picture
    clocks[-1].sync(50 / FPS + 0.001)  # the audio jumps to 2.08 s
    qtbot.waitUntil(lambda: player.shown_frame() == 50, timeout=20000)
    assert index_of(player.image()) == 50
    clocks[-1].set_running(True)
    qtbot.waitUntil(lambda: player.shown_frame() >= 55, timeout=20000)
    player.pause()
    assert player.stats()["dropped"] >= 40  # frames 1..49 were passed over, not shown
