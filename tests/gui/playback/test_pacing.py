"""The decoder thread's pacing (``workers.playback.PlaybackRun``) against a clock the test
moves by hand: which frames are shown, which are dropped and counted, and when playback
ends. No thread and no wall clock: the media clock advances only while the run waits (or
when the test makes it jump), so every count is exact."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from trailer_gui.workers import playback
from trailer_gui.workers.playback import MAX_WAIT_S, Cancelled, Play, PlaybackRun


class Reader:
    """Frames whose pixels are their index; counts how it was read."""

    def __init__(self, frames: int):
        self.frame_count = frames
        self.random_reads = 0
        self.strided_reads = 0

    def frame(self, i: int) -> np.ndarray:
        self.random_reads += 1
        return np.full((2, 2, 3), i % 256, np.uint8)

    def iter_frames(self, start: int, stop: int, step: int):
        for i in range(start, stop, step):
            self.strided_reads += 1
            yield np.full((2, 2, 3), i % 256, np.uint8)


class Host:
    """The FrameSource side, recorded. ``clock`` is the media clock (seconds)."""

    max_display_fps = playback.MAX_DISPLAY_FPS

    def __init__(self):
        self.t = 0.0
        self.shown: list[int] = []
        self.counts = {"emitted": 0, "dropped": 0, "resyncs": 0}
        self.finished: int | None = None
        self.room = True
        self.speed_change = None
        self.superseded = False
        self.on_show = lambda index: None

    def clock(self) -> float:
        return self.t

    def take_speed_change(self, serial):
        if self.superseded:
            raise Cancelled
        change, self.speed_change = self.speed_change, None
        return change

    def count_frames(self, emitted=0, dropped=0, last=None, resyncs=0):
        self.counts["emitted"] += emitted
        self.counts["dropped"] += dropped
        self.counts["resyncs"] += resyncs

    def has_room_for_a_frame(self):
        return self.room

    def show_frame(self, gen, index, rgb):
        assert rgb[0, 0, 0] == index % 256, "the frame shown is the frame named"
        self.shown.append(index)
        self.on_show(index)

    def finish_playback(self, gen, serial, last):
        self.finished = last

    def wait_until_due(self, serial, seconds):
        assert seconds > 0 and not math.isinf(seconds)
        self.t += min(seconds, MAX_WAIT_S)  # time passes only while the decoder sleeps


@pytest.fixture
def host(monkeypatch):
    host = Host()
    # The run's wall clock (for "nothing shown for a while") is the media clock too.
    monkeypatch.setattr(playback, "time", types.SimpleNamespace(monotonic=host.clock))
    return host


def play(host, reader, start=0, stop=None, fps=24.0, speed=1.0):
    p = Play(start=start, fps=fps, speed=speed, stop=stop, gen=7, clock=host.clock)
    host.t = start / fps
    run = PlaybackRun(host, reader, p, serial=1, stop=reader.frame_count if stop is None else stop)
    try:
        run.run()
    finally:
        run.close()
    return run


def test_on_time_every_frame_is_shown_once_in_order_and_playback_ends_on_the_last(host):
    reader = Reader(60)
    play(host, reader, start=10, stop=40)
    assert host.shown == list(range(10, 40))
    assert host.counts == {"emitted": 30, "dropped": 0, "resyncs": 0}
    assert host.finished == 39
    assert reader.strided_reads == 0  # 1x reads frame by frame (the reader's cache keeps them)
    assert host.t == pytest.approx(39 / 24, abs=MAX_WAIT_S)  # ended with the clock


def test_a_stall_jumps_ahead_and_every_frame_is_shown_or_counted_dropped(host):
    def stall(index):
        if index == 5:
            host.t += 2.0  # the machine stalled for two seconds (> RESYNC_SECONDS)

    host.on_show = stall
    play(host, Reader(200))
    shown = host.shown
    assert shown == sorted(set(shown)) and shown[-1] == 199 and host.finished == 199
    assert host.counts["resyncs"] == 1
    assert host.counts["emitted"] == len(shown)
    assert host.counts["emitted"] + host.counts["dropped"] == 200  # nothing goes uncounted
    after = shown[shown.index(5) + 1]
    assert after >= 5 + 2.0 * 24 - 1  # the next frame shown is the one due after the stall


def test_at_4x_every_third_frame_is_shown_and_the_others_only_grabbed(host):
    reader = Reader(100)
    play(host, reader, speed=4.0)
    assert playback.stride_for(24.0, 4.0) == 3
    assert host.shown == list(range(0, 100, 3))
    assert host.counts["emitted"] + host.counts["dropped"] == host.shown[-1] + 1  # all counted
    assert reader.random_reads == 0 and reader.strided_reads == len(host.shown)
    assert host.finished == host.shown[-1]


def test_a_speed_change_switches_the_stride_without_a_restart(host):
    def faster(index):
        if index == 20:
            host.speed_change = (4.0, None)

    host.on_show = faster
    reader = Reader(80)
    play(host, reader)
    at = host.shown.index(20)
    assert host.shown[: at + 1] == list(range(0, 21))
    # The frames already decoded ahead still come one by one; then every 3rd, read on from
    # where decoding stood (no seek back, no restart from the change).
    buffered = host.shown[at + 1 : at + 1 + playback.AHEAD]
    assert buffered == list(range(21, 21 + playback.AHEAD))
    rest = host.shown[at + 1 + playback.AHEAD :]
    assert len(rest) > 10 and set(np.diff([buffered[-1]] + rest)) == {3}, rest
    assert reader.strided_reads >= len(rest)


def test_a_busy_receiver_costs_frames_but_never_the_last_one(host):
    host.room = False
    play(host, Reader(30))
    assert host.shown == [29] and host.finished == 29
    assert host.counts == {"emitted": 1, "dropped": 29, "resyncs": 0}


def test_a_newer_command_ends_the_run_without_saying_it_finished(host):
    def supersede(index):
        if index == 3:
            host.superseded = True

    host.on_show = supersede
    with pytest.raises(Cancelled):
        play(host, Reader(50))
    assert host.shown == [0, 1, 2, 3] and host.finished is None


def test_a_video_with_nothing_left_to_decode_finishes_at_once(host):
    play(host, Reader(0), stop=0)
    assert host.shown == [] and host.finished == -1


def test_after_a_slow_decode_the_newest_frame_due_is_shown_not_the_oldest_buffered(host):
    """Half a second lost decoding one frame (less than a resync): the frames buffered
    before it are all overdue; the picture goes straight to the newest one due."""
    reader = Reader(120)
    shown_before = []

    def slow_frame(i, frame=reader.frame):
        if i == 30:
            shown_before.append(len(host.shown))
            host.t += 0.5
        return frame(i)

    reader.frame = slow_frame
    play(host, reader)
    next_shown = host.shown[shown_before[0]]
    assert next_shown == 30 and host.shown[shown_before[0] - 1] < 30 - 1  # overdue ones skipped
    assert host.counts["resyncs"] == 0
    assert host.counts["emitted"] + host.counts["dropped"] == 120 and host.finished == 119
