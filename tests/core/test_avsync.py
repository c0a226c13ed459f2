"""The media clock slaved to the audio, and the offset statistics (``core.avsync``), without
Qt or a sound device: a fake wall clock stands in for time."""

from __future__ import annotations

import math

import pytest

from trailer_gui.core.avsync import AudioClock, OffsetStats, PositionEstimate


class FakeTime:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_a_holding_clock_waits_for_the_audio_then_follows_it():
    now = FakeTime()
    jumps = []
    clock = AudioClock(2.0, 1.0, hold=True, now=now, on_jump=lambda: jumps.append(now.t))
    now.t += 0.04
    assert clock() == 2.0 and clock.holding
    assert not clock.observe(2.0)  # the start position itself: not started yet
    assert not clock.observe(7.0)  # a stale position from before a seek: ignored
    assert clock() == 2.0
    assert clock.observe(2.046)  # the audio moved: the clock jumps onto it ...
    assert jumps == [now.t]  # ... and wakes the decoder
    assert not clock.holding and clock.locked()
    now.t += 0.05
    assert clock() == pytest.approx(2.096)


def test_a_clock_whose_audio_never_starts_runs_by_itself():
    now = FakeTime()
    clock = AudioClock(1.0, 2.0, hold=True, now=now)
    now.t += AudioClock.HOLD_TIMEOUT_S - 0.01
    assert clock() == 1.0
    now.t += 0.01 + 0.25
    assert clock() == pytest.approx(1.5)  # from the end of the wait, at 2x
    assert clock.timed_out and not clock.locked()


def test_the_clock_rides_the_upper_envelope_of_rounded_down_samples():
    now = FakeTime()
    clock = AudioClock(0.0, 1.0, hold=False, now=now)
    start = now.t
    # position() as Qt reports it: every 50 ms, rounded down to 23.2 ms chunks
    chunk = 1024 / 44100
    errors = []
    for k in range(1, 200):
        now.t = start + 0.05 * k
        true = 0.05 * k + 0.010  # the sound started 10 ms before the clock
        clock.observe(math.floor(true / chunk) * chunk)
        errors.append(clock() - true)
    settled = errors[40:]
    assert max(abs(e) for e in settled) < 0.015
    assert abs(sum(settled) / len(settled)) < 0.008
    # a jump (a seek, a stall that ended) snaps
    now.t += 0.05
    snaps, target = clock.snaps, clock() + 0.5
    clock.observe(target)
    assert clock.snaps == snaps + 1 and clock() == pytest.approx(target)


def test_a_speed_change_continues_from_the_current_time():
    now = FakeTime()
    clock = AudioClock(3.0, 1.0, hold=False, now=now)
    now.t += 1.0
    faster = clock.continued(2.0)
    assert faster() == pytest.approx(4.0)
    now.t += 0.5
    assert faster() == pytest.approx(5.0)


def test_offset_statistics_and_position_estimate():
    stats = OffsetStats()
    for v in (0.010, -0.020, 0.005, 0.0):
        stats.add(v)
    s = stats.summary(25.0)
    assert s["frames"] == 4
    assert s["mean_abs_ms"] == pytest.approx(8.75)
    assert s["max_abs_ms"] == pytest.approx(20.0) and s["max_abs_frames"] == pytest.approx(0.5)
    est = PositionEstimate()
    est.reset(1.0)
    est.add(1.000, 10.00)
    est.add(1.030, 10.05)  # a sample rounded down: the envelope keeps the first
    assert est(10.10) == pytest.approx(1.100)
    assert est.latest(10.10) == pytest.approx(1.080)
