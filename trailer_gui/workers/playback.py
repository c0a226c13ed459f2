"""Paced playback in the decoder thread: which frame is due, which to drop, when to wait.

``FrameSource.start_playback`` (``workers.decoder``) hands a ``Play`` to a ``PlaybackRun``,
which decodes forward sequentially and paces itself against a media clock: the frame due now
is ``floor(clock() * fps)``. Frames are decoded a few ahead into a small buffer, and each is
emitted when its time comes (the thread sleeps on the source's condition until then, waking
early for new commands). A frame whose successor is already due is dropped, and so is one
the GUI has no room for (more than ``MAX_IN_FLIGHT`` frames emitted but not yet taken):
playback never drifts behind the clock, it drops and counts. If decoding falls far behind
(more than ``RESYNC_SECONDS`` of media), the reader jumps forward instead of decoding every
frame. At 1x it reads with ``reader.frame(i)`` (instant start from the paused frame, and
the frames just played stay cached for stepping back); when frames would come faster than
``MAX_DISPLAY_FPS`` (2x and 4x at 24 fps) it shows every k-th frame and only grabs the
others (``iter_frames(step=k)``), see ``stride_for``.

Measured with ``tests/benchmarks/bench_playback.py`` (1080p H.264, GOP 240, B-frames, on a
shared 2-core machine under load): 1x for 10 s showed 244 frames, dropped 1, ended within
one frame of the clock; 2x and 4x showed 24 and 32 frames/s with no drift.

Why pace in the decoder thread rather than from a GUI ``QTimer``: the thread that knows when
a frame is ready is the one that should decide when to show it. A GUI timer ticks with the
GUI thread's jitter (painting, label edits), needs a request/reply round trip per frame, and
cannot know whether the decoder is behind until a frame arrives late. Here the due time of
every frame is computed from an absolute clock (no accumulated intervals, so no drift), the
wait is a condition wait with sub-millisecond precision, and catching up happens where the
decoding happens.

The clock is a plain callable returning the media time in seconds. By default playback makes a
``MonotonicClock`` when its first frame is decoded (so the time to seek to the start frame is
not counted as lateness). Issue #6 (audio) can pass its own clock: any thread-safe callable,
e.g. one that extrapolates from the last ``QMediaPlayer.position()`` sampled in the GUI thread
(``QMediaPlayer`` itself must not be called from this thread).

No Qt here: the run talks to its ``PlaybackHost`` (the ``FrameSource``), which owns the
thread, the mailbox and the signals.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

import numpy as np

Clock = Callable[[], float]

MAX_IN_FLIGHT = 2  # frames emitted but not yet taken by the GUI before we drop instead
AHEAD = 4  # frames decoded ahead during playback
RESYNC_SECONDS = 1.0  # behind the clock by more than this much media time: jump forward
MAX_DISPLAY_FPS = 30.0  # faster playback shows every k-th frame (see stride_for)
MAX_HOLD_S = 0.25  # when late, still show a (late) frame at least this often
MAX_WAIT_S = 0.05  # re-read the clock at least this often while waiting


class MonotonicClock:
    """Media time in seconds: ``start_s`` at creation, advancing at ``speed`` x real time."""

    def __init__(self, start_s: float = 0.0, speed: float = 1.0):
        self._t0 = time.monotonic()
        self.start_s = float(start_s)
        self.speed = float(speed)

    def __call__(self) -> float:
        return self.start_s + (time.monotonic() - self._t0) * self.speed

    def rebased(self, speed: float) -> "MonotonicClock":
        """A clock that continues from this one's current time at a new speed."""
        return MonotonicClock(self(), speed)


def stride_for(fps: float, speed: float, max_display_fps: float = MAX_DISPLAY_FPS) -> int:
    """Show every k-th frame when frames would come faster than ``MAX_DISPLAY_FPS``.

    A screen refreshes 60 times a second and a labeller watching at 2-4x judges content,
    not single frames; at 4x a 24 fps video wants 96 pictures a second, which 1080p
    decoding and conversion on two cores cannot give. Showing every k-th frame and only
    grabbing the others keeps the picture moving at an even rate with no drift. 24 fps: 1x
    and 1.5x show every frame, 2x every 2nd, 4x every 3rd."""
    return max(1, int(round(fps * speed / max_display_fps)))


@dataclass
class Play:
    """A playback command (see ``FrameSource.start_playback``)."""

    start: int
    fps: float
    speed: float
    stop: int | None
    gen: int
    session: int = 0  # plays of one session add up their counts (see playback_stats)
    clock: Clock | None = None  # None: a MonotonicClock made when the first frame is ready
    clock_start: float | None = None  # media time of that internal clock when it starts


class Cancelled(Exception):
    """A newer command superseded the running one."""


class PlaybackHost(Protocol):
    """What a run needs from the thread that runs it; called in that thread only."""

    max_display_fps: float

    def take_speed_change(self, serial: int) -> tuple[float, Clock | None] | None:
        """A speed change posted since the last call, if any; raises ``Cancelled`` when a
        newer command superseded command ``serial``."""

    def count_frames(
        self, emitted: int = 0, dropped: int = 0, last: int | None = None, resyncs: int = 0
    ) -> None:
        """Add to the session's playback counts."""

    def has_room_for_a_frame(self) -> bool:
        """Whether the receiver can take another frame (fewer than ``MAX_IN_FLIGHT`` queued)."""

    def show_frame(self, gen: int, index: int, rgb: np.ndarray) -> None:
        """Emit frame ``index``."""

    def finish_playback(self, gen: int, serial: int, last: int) -> None:
        """Say that playback ended, having shown ``last`` (unless it was superseded)."""

    def wait_until_due(self, serial: int, seconds: float) -> None:
        """Sleep up to ``seconds`` (if > 0), at once back for a new command or speed change."""


class PlaybackRun:
    """One playback of frames [``play.start``, ``stop``) of ``reader``, paced by the clock."""

    def __init__(self, host: PlaybackHost, reader, play: Play, serial: int, stop: int):
        self.host = host
        self.reader = reader
        self.play = play
        self.serial = serial
        self.stop = stop
        self.frames: Iterator[tuple[int, np.ndarray]] | None = None
        self.buf: deque[tuple[int, np.ndarray]] = deque()
        self.passed = play.start - 1  # the last frame taken from the reader (or skipped over)

    def close(self) -> None:
        frames, self.frames = self.frames, None
        if frames is not None:
            frames.close()

    def open_frames(self, start: int, stride: int) -> None:
        """Sequential frames from ``start``, every ``stride``-th: yields (index, rgb).

        Stride 1 reads with ``reader.frame(i)``: the reader's decoder is already where the
        paused frame left it, so playback starts at once (``iter_frames`` opens a decoder
        of its own and seeks: ~0.4 s into a long GOP at 1080p), and the frames just played
        stay in the reader's cache, so stepping back after a pause is instant. A larger
        stride uses ``iter_frames(step=stride)``, which only grabs (decodes without
        converting) the frames in between: about 3 ms instead of 7-11 ms each at 1080p."""
        self.close()
        reader, stop = self.reader, self.stop
        if stride == 1:

            def gen():
                for index in range(start, stop):
                    yield index, reader.frame(index)

        else:

            def gen():
                index = start
                for rgb in reader.iter_frames(start=start, stop=stop, step=stride):
                    yield index, rgb
                    index += stride

        self.frames = gen()

    def take(self) -> bool:
        """Decode the next frame into the buffer; count what the stride skipped."""
        try:
            index, rgb = next(self.frames)
        except StopIteration:
            return False
        if index - self.passed - 1 > 0:
            self.host.count_frames(dropped=index - self.passed - 1)
        self.passed = index
        self.buf.append((index, rgb))
        return True

    def run(self) -> None:
        host, play, serial, stop, buf = self.host, self.play, self.serial, self.stop, self.buf
        fps = play.fps
        clock = play.clock
        speed = play.speed
        stride = stride_for(fps, speed, host.max_display_fps)
        self.open_frames(play.start, stride)
        exhausted = False
        last_shown_wall = time.monotonic()
        last_emitted = -1
        decode_s = 0.010  # running estimate of one decode

        while True:
            # commands: a new one ends this playback; a speed change rebases the clock
            update = host.take_speed_change(serial)
            if update is not None:
                new_speed, new_clock = update
                if new_clock is not None:
                    clock = new_clock
                elif isinstance(clock, MonotonicClock):
                    clock = clock.rebased(new_speed)
                speed = new_speed
                new_stride = stride_for(fps, speed, host.max_display_fps)
                if new_stride != stride and not exhausted:
                    stride = new_stride
                    self.open_frames(self.passed + 1, stride)

            if clock is None:  # the clock starts when the first frame is ready
                if not buf and not self.take():
                    host.finish_playback(play.gen, serial, last_emitted)
                    return
                start_s = play.clock_start if play.clock_start is not None else buf[0][0] / fps
                clock = MonotonicClock(start_s, speed)

            now = clock()
            target = math.floor(now * fps + 1e-6)  # the frame due now

            # far behind (a slow machine, a stall): jump ahead instead of decoding every frame
            behind = target - self.passed
            if not buf and not exhausted and behind > max(RESYNC_SECONDS * fps * speed, 2 * stride):
                # to the frame due now, not beyond: with an outside clock that stands still
                # (paused audio) a frame ahead would leave an old one on screen; the jump's
                # own cost is then caught up by dropping
                jump = min(stop - 1, target)
                if jump > self.passed + 1:
                    host.count_frames(resyncs=1)
                    self.open_frames(jump, stride)
                    host.count_frames(dropped=jump - self.passed - 1)
                    self.passed = jump - 1
                    continue

            # a frame whose successor is already due is late: drop it (keep the last frame
            # of the video; show a late frame anyway if nothing was shown for MAX_HOLD_S)
            while len(buf) >= 2 and buf[1][0] <= target:
                index, _ = buf.popleft()
                host.count_frames(dropped=1, last=index)
            if buf and buf[0][0] <= target:
                index, rgb = buf.popleft()
                # the video's last frame is always shown, even when the GUI is busy
                is_last = (exhausted and not buf) or index >= stop - 1
                late = index + stride <= target
                if late and not is_last and time.monotonic() - last_shown_wall < MAX_HOLD_S:
                    host.count_frames(dropped=1, last=index)
                    continue
                if host.has_room_for_a_frame() or is_last:
                    host.show_frame(play.gen, index, rgb)
                    last_shown_wall = time.monotonic()
                    last_emitted = index
                    host.count_frames(emitted=1, last=index)
                else:
                    host.count_frames(dropped=1, last=index)
                if is_last:
                    host.finish_playback(play.gen, serial, last_emitted)
                    return
                continue

            if exhausted and not buf:
                host.finish_playback(play.gen, serial, last_emitted)
                return

            # decode ahead while the next due frame is far enough away
            wait_s = math.inf
            if buf:
                wait_s = (buf[0][0] / fps - now) / max(speed, 1e-6)
            if not exhausted and len(buf) < AHEAD and (not buf or wait_s > decode_s * 1.5):
                t0 = time.monotonic()
                ok = self.take()
                decode_s = 0.8 * decode_s + 0.2 * (time.monotonic() - t0)
                if not ok:
                    exhausted = True
                continue
            # wait until the head is due, or a command arrives
            host.wait_until_due(serial, wait_s)
