"""Picture/sound sync without Qt: a media clock slaved to the audio, and offset statistics.

The player's decoder thread paces frames against a clock (``workers.playback``); during
playback of a trailer with sound that clock is an :class:`AudioClock`, fed by the GUI thread
with the positions ``QMediaPlayer.position()`` reports (``widgets.playback.audio.AudioTrack``).

What the audio position looks like (Qt 6.11, FFmpeg backend, measured here with and
without a sound device): ``position()`` changes about every 50 ms, in steps of whole AAC
frames (1024 samples, 23.2 ms at 44.1 kHz), and the value is rounded *down* to a chunk: at
1x it advances 46 ms every 50 ms six times, then 70 ms once, a saw-tooth 0-23 ms behind the
sound actually played. Following each sample exactly would make the picture stutter;
ignoring them would let it drift. So the clock runs on its own at ``speed`` x real time
(like ``MonotonicClock``) and each fresh sample pulls it towards the audio: a first-order
phase lock with two gains. A sample *ahead* of the clock proves the clock late (the true
position is at least the sample): ``GAIN_UP`` corrects half of that at once. A sample
*behind* it may only be an older chunk: ``GAIN_DOWN`` corrects it slowly, enough to follow
a sound card whose clock runs slower than the CPU's (0.1% -> ~1 ms lag). The clock thus
rides the upper envelope of the samples, the best estimate of the sound being played. An
error beyond ``SNAP_S`` (a seek, a rate switch that jumps the audio, a stall that ended)
snaps the clock onto the audio at once.

Start and seek: a clock made with ``hold=True`` stands still at its start time until the
audio has advanced past it (QMediaPlayer starts ~20-60 ms after ``play()``, plus loading
the first time), so picture and sound start together. If the audio does not move within
``HOLD_TIMEOUT_S`` (no backend, a broken stream, a device that never opens) the clock runs
freely from that moment: the picture never freezes waiting for a sound that does not come.
Likewise, when samples stop (the audio ended before the picture, or stalled), the clock
simply runs on by itself.

A clock that jumps forward (the audio started, or snapped ahead) calls ``on_jump`` (outside
its lock): the player's decoder may be sleeping until a frame's due time computed from the
old value, and is woken to read the clock again (``Player.clock_jumped``).

Thread-safety: ``__call__`` (decoder thread) and ``observe`` (GUI thread) take a lock.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable

Now = Callable[[], float]


class AudioClock:
    """Media time in seconds, slaved to audio positions given to :meth:`observe`.

    ``start_s``: the media time the clock starts at; ``speed``: media seconds per second;
    ``hold``: stand at ``start_s`` until the audio moves past it (or ``HOLD_TIMEOUT_S``).
    """

    GAIN_UP = 0.5  # fraction of a late clock's error corrected per sample (one per ~50 ms)
    GAIN_DOWN = 0.05  # ... of an early clock's error (the sample may be a chunk behind)
    SNAP_S = 0.08  # beyond this error (x speed, at least 1), jump to the audio
    HOLD_TIMEOUT_S = 0.5  # longest wait for the audio to start before running freely
    STALL_S = 0.3  # no sample for this long while running: the audio is not driving us

    def __init__(self, start_s: float = 0.0, speed: float = 1.0, hold: bool = True,
                 now: Now = time.monotonic, on_jump: Callable[[], object] | None = None):
        self._now = now
        self.on_jump = on_jump
        self._lock = threading.Lock()
        t = now()
        self._base = float(start_s)
        self._t0 = t
        self.speed = float(speed)
        self._holding = bool(hold)
        self._hold_since = t
        self._last_sample = -math.inf  # wall time of the last sample taken
        self.samples = 0  # samples that steered the clock
        self.snaps = 0  # of which snapped it
        self.timed_out = False  # the hold ended without the audio

    # -- the decoder's side
    def __call__(self) -> float:
        with self._lock:
            return self._value(self._now())

    def _value(self, t: float) -> float:
        if self._holding:
            if t - self._hold_since < self.HOLD_TIMEOUT_S:
                return self._base
            # the audio did not start: run freely from the moment the wait ended
            self._holding = False
            self.timed_out = True
            self._t0 = self._hold_since + self.HOLD_TIMEOUT_S
        return self._base + (t - self._t0) * self.speed

    # -- the GUI's side
    def observe(self, media_s: float, wall_s: float | None = None) -> bool:
        """A fresh audio position ``media_s`` (seconds), as of monotonic time ``wall_s``
        (default: now). Returns True if the sample steered the clock."""
        media_s = float(media_s)
        jumped = False
        with self._lock:
            t = self._now() if wall_s is None else float(wall_s)
            if self._holding and t - self._hold_since < self.HOLD_TIMEOUT_S:
                # waiting for the audio to move past the start (a stale position from
                # before a seek, or the start position itself, does not count)
                ahead = media_s - self._base
                if not 0.0005 < ahead <= 0.5 * max(1.0, self.speed):
                    return False
                self._holding = False
                self._snap(media_s, t)
                jumped = True
            else:
                error = media_s - self._value(t)
                if abs(error) > self.SNAP_S * max(1.0, self.speed):
                    self._snap(media_s, t)
                    jumped = error > 0
                else:
                    self._base += (self.GAIN_UP if error > 0 else self.GAIN_DOWN) * error
                    self._last_sample = t
                    self.samples += 1
        if jumped and self.on_jump is not None:
            self.on_jump()
        return True

    def _snap(self, media_s: float, t: float) -> None:
        self._base, self._t0 = media_s, t
        self._last_sample = t
        self.samples += 1
        self.snaps += 1

    # -- state
    @property
    def holding(self) -> bool:
        with self._lock:
            self._value(self._now())  # ends a hold that timed out
            return self._holding

    def locked(self, wall_s: float | None = None) -> bool:
        """True while the audio steers the clock (a sample within ``STALL_S``)."""
        with self._lock:
            t = self._now() if wall_s is None else wall_s
            return not self._holding and t - self._last_sample <= self.STALL_S

    def continued(self, speed: float) -> "AudioClock":
        """A clock that goes on from this one's current time at ``speed`` (no hold)."""
        with self._lock:
            t = self._now()
            clock = AudioClock(self._value(t), speed, hold=False, now=self._now,
                               on_jump=self.on_jump)
            clock._last_sample = self._last_sample
            return clock


class PositionEstimate:
    """The audio position between the coarse, rounded-down samples of ``position()``: the
    upper envelope of the recent samples, each extrapolated at ``speed`` (the true position
    is at least every one of them). Used to measure the picture/sound offset; ``reset()``
    whenever the audio jumps (seek, speed change)."""

    def __init__(self, window_s: float = 1.0):
        self.window_s = window_s
        self._samples: deque[tuple[float, float]] = deque()  # (media_s - speed * wall_s, wall)
        self.speed = 1.0

    def reset(self, speed: float | None = None) -> None:
        self._samples.clear()
        if speed is not None:
            self.speed = float(speed)

    def add(self, media_s: float, wall_s: float) -> None:
        self._samples.append((media_s - self.speed * wall_s, wall_s))
        while self._samples and wall_s - self._samples[0][1] > self.window_s:
            self._samples.popleft()

    def latest(self, wall_s: float) -> float | None:
        """The last sample extrapolated to ``wall_s`` (the plain estimate)."""
        if not self._samples:
            return None
        return self._samples[-1][0] + self.speed * wall_s

    def __call__(self, wall_s: float) -> float | None:
        if not self._samples:
            return None
        return max(b for b, _ in self._samples) + self.speed * wall_s


class OffsetStats:
    """Running statistics of picture/sound offsets (seconds; positive: the picture is
    behind the sound). Keeps the last ``keep`` values for percentiles."""

    def __init__(self, keep: int = 20000):
        self._recent: deque[float] = deque(maxlen=keep)
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self._sum = 0.0
        self._sum_abs = 0.0
        self._max_abs = 0.0
        self.unsynced = 0  # frames shown while the audio was not steering the clock
        self._recent.clear()

    def add(self, offset_s: float) -> None:
        self.count += 1
        self._sum += offset_s
        self._sum_abs += abs(offset_s)
        self._max_abs = max(self._max_abs, abs(offset_s))
        self._recent.append(offset_s)

    def summary(self, fps: float) -> dict:
        """Means, 95th percentile and maximum, in ms and in frames at ``fps``."""
        n = self.count
        frame_ms = 1000.0 / fps if fps > 0 else math.nan
        if n:
            absolute = sorted(abs(v) for v in self._recent)
            p95 = absolute[min(len(absolute) - 1, int(math.ceil(0.95 * len(absolute))) - 1)]
            mean, mean_abs, max_abs = self._sum / n, self._sum_abs / n, self._max_abs
        else:
            p95 = mean = mean_abs = max_abs = math.nan
        ms = {k: v * 1000.0 for k, v in
              (("mean_ms", mean), ("mean_abs_ms", mean_abs), ("p95_abs_ms", p95),
               ("max_abs_ms", max_abs))}
        out = {"frames": n, "unsynced": self.unsynced, **ms}
        for k in ("mean", "mean_abs", "p95_abs", "max_abs"):
            out[f"{k}_frames"] = ms[f"{k}_ms"] / frame_ms
        return out
