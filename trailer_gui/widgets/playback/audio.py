"""The trailer's sound, in step with the picture: an ``AudioTrack`` that follows a ``Player``.

Qt Multimedia (``QMediaPlayer`` + ``QAudioOutput``, in PySide6's add-ons) plays the sound of
the current video, only when the video has an audio stream. It never shows the picture:
with no video output attached, Qt's FFmpeg backend does not decode the video stream (3% of a
core for a 720p H.264 + AAC trailer, measured here), and the ``Player`` keeps decoding and
showing frames in its own thread.

Who leads: the sound. During playback the ``Player``'s decoder paces frames against an
:class:`~trailer_gui.core.avsync.AudioClock` that this track hands it through
``Player.clock_factory``, and feeds from ``QMediaPlayer.position()``. ``positionChanged`` is
coarse (every ~50 ms), so a precise ``QTimer`` polls ``position()`` every ``POLL_MS`` while
playing and passes each *change* to the clock, time-stamped halfway between the poll that
saw it and the one before; the clock interpolates and smooths (see ``core.avsync``).

Following the player:

* play / seek while playing: the factory sets the audio to the start time (only if it is
  elsewhere by more than ``SEEK_TOLERANCE_S``), starts it and returns a clock that holds the
  picture until the sound moves (at most ``AudioClock.HOLD_TIMEOUT_S``);
* speed change while playing: ``setPlaybackRate`` (Qt keeps the pitch) and a clock that
  continues from the current time; above ``MAX_AUDIBLE_SPEED`` (2x) the output is muted but
  the audio still runs and still drives the picture;
* pause, end, step, seek while paused: the audio pauses and is set to the time of the frame
  on screen (coalesced: a scrub sets it once per event-loop turn), so the next play starts
  both together without a seek;
* mute (``set_muted``): ``QAudioOutput.setMuted``; the window keeps the state in Prefs.

Measuring the offset: each time the player shows a frame during playback, the track reads
the audio position and records ``audio time - frame index / fps`` (positive: the picture is
behind the sound) in :class:`~trailer_gui.core.avsync.OffsetStats`; ``offset_stats()``
gives mean, 95th percentile and max of |offset| in ms and frames. The audio time is the
upper envelope of the last second of ``position()`` samples extrapolated to now
(:class:`~trailer_gui.core.avsync.PositionEstimate`: the reported position is rounded
down to 23 ms chunks); ``offset_stats()["raw"]`` gives the same against the last sample
alone, which adds that 0-23 ms rounding saw-tooth. Frames shown while the audio was not
steering (not started yet, stalled, ended before the picture) are counted as ``unsynced``.

Without sound: no audio stream, no Qt Multimedia (``PySide6-Essentials``, or a missing system
library such as ``libpulse.so.0``, package ``libpulse0`` on Debian), a file Qt cannot decode,
or an error during playback: a note is logged, the player's own monotonic clock paces the
picture (``clock_factory`` is ``None``), and playback is as before. No sound *device* is not a
failure: Qt then logs "No audio device detected" and the position still advances in real
time, so all of this runs (and is tested) on machines without sound.

Qt Multimedia is imported on the first video with sound, not at start-up.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6 import QtCore
from PySide6.QtCore import QObject, Signal

from ...core.avsync import AudioClock, OffsetStats, PositionEstimate

log = logging.getLogger(__name__)

_MULTIMEDIA: object | None = None  # the QtMultimedia module once imported; False: unavailable


def multimedia():
    """``PySide6.QtMultimedia``, or ``None`` (logged once) when it cannot be loaded."""
    global _MULTIMEDIA
    if _MULTIMEDIA is None:
        try:
            from PySide6 import QtMultimedia

            _MULTIMEDIA = QtMultimedia
        except ImportError as exc:  # PySide6-Essentials only, or a missing system library
            hint = ""
            if "libpulse" in str(exc):
                hint = " (Debian/Ubuntu: apt-get install libpulse0)"
            elif "QtMultimedia" in str(exc):
                hint = " (it comes with the full PySide6, i.e. PySide6-Addons)"
            log.warning("Qt Multimedia cannot be loaded: %s%s. Trailers play without sound.",
                        exc, hint)
            _MULTIMEDIA = False
    return _MULTIMEDIA or None


class AudioTrack(QObject):
    """Plays the current video's sound in step with a :class:`~.player.Player`.

    ``attach(player)`` once; ``open(path, fps, has_audio)`` when the player opens a video;
    ``close()`` when it closes it; ``shutdown()`` at the end.
    """

    sigMutedChanged = Signal(bool)
    sigStatusChanged = Signal(str)  # see status()

    POLL_MS = 4  # how often position() is read while playing
    MAX_AUDIBLE_SPEED = 2.0  # faster playback is muted (the audio still drives the picture)
    SEEK_TOLERANCE_S = 0.005  # audio this close to the wanted time is not re-seeked
    CONTINUE_S = 0.1  # a speed change within this of the clock continues without a seek

    def __init__(self, parent=None, muted: bool = False):
        super().__init__(parent)
        self._mp = None  # QMediaPlayer, made on the first video with sound
        self._out = None  # QAudioOutput
        self._player = None
        self._path: Path | None = None
        self._fps = 25.0
        self._status = "off"
        self._error = ""
        self._muted = bool(muted)
        self._speed = 1.0
        self._clock: AudioClock | None = None
        self._stats = OffsetStats()
        self._raw_stats = OffsetStats()
        self._clock_stats = OffsetStats()  # the clock minus the audio (sync error alone)
        self._estimate = PositionEstimate()
        self._raw_pos: int | None = None  # last value position() returned
        self._last_read = 0.0  # when position() was read last
        self._pos_ms: int | None = None  # last accepted audio sample (ms) ...
        self._pos_wall = 0.0  # ... and its monotonic time
        self._stalled = False
        self.stalls = 0
        self._want_ms: int | None = None  # position to apply once the media is loaded
        self._want_play = False
        self._pending_frame: int | None = None
        self._poll = QtCore.QTimer(self)
        self._poll.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._poll.setInterval(self.POLL_MS)
        self._poll.timeout.connect(self._tick)
        self._seek_timer = QtCore.QTimer(self)
        self._seek_timer.setSingleShot(True)
        self._seek_timer.setInterval(0)
        self._seek_timer.timeout.connect(self._apply_pending_frame)

    # ------------------------------------------------------------------ wiring
    def attach(self, player) -> None:
        """Follow ``player`` (its play/pause, frames and speed)."""
        if self._player is not None:
            self._player.sigPlayingChanged.disconnect(self._on_playing_changed)
            self._player.sigFrameChanged.disconnect(self._on_frame)
        self._player = player
        player.sigPlayingChanged.connect(self._on_playing_changed)
        player.sigFrameChanged.connect(self._on_frame)

    def open(self, path, fps: float, has_audio: bool = True) -> bool:
        """Load the sound of the video at ``path`` (shown at ``fps``). Returns False when it
        will play without sound (no audio stream, or Qt Multimedia unavailable)."""
        self.close()
        self._fps = float(fps) if fps and fps > 0 else 25.0
        if not has_audio:
            return False
        mm = multimedia()
        if mm is None:
            self._set_status("unavailable")
            return False
        self._ensure_media_player(mm)
        self._path = Path(path)
        self._error = ""
        self._set_status("loading")
        self._want_ms, self._want_play = 0, False
        self._apply_mute()
        self._command("setSource", QtCore.QUrl.fromLocalFile(str(self._path)))
        if self._status == "loading" and self._player is not None:
            self._player.clock_factory = self.clock_factory
        return self._status in ("loading", "ready")

    def close(self) -> None:
        """Stop and forget the current sound (the player goes back to its own clock)."""
        self._poll.stop()
        self._seek_timer.stop()
        self._clock = None
        self._pending_frame = None
        self._want_ms, self._want_play = None, False
        self._raw_pos = self._pos_ms = None
        if self._player is not None and self._player.clock_factory == self.clock_factory:
            self._player.clock_factory = None
        if self._mp is not None and self._path is not None:
            self._command("stop")
            self._command("setSource", QtCore.QUrl())
        self._path = None
        self._set_status("off")

    def shutdown(self) -> None:
        self.close()
        mp, out, self._mp, self._out = self._mp, self._out, None, None
        for obj in (mp, out):
            if obj is not None:
                obj.deleteLater()

    _ARG_TYPES = {"setSource": QtCore.QUrl, "setPosition": "qint64", "setPlaybackRate": float}

    def _command(self, slot: str, *args) -> None:
        """Call a QMediaPlayer slot from the event loop, never directly from Python.

        Why: Qt's FFmpeg backend tears down its renderers in its own threads, and Qt then
        calls virtuals of our Python-made QMediaPlayer/QAudioOutput there, which need the
        GIL. A direct ``stop()``/``setSource()`` holds the GIL while it waits for that thread:
        a deadlock (seen in CI). A queued call runs from the C++ event loop, GIL released."""
        if self._mp is None:
            return
        qargs = [QtCore.Q_ARG(self._ARG_TYPES[slot], a) for a in args]
        QtCore.QMetaObject.invokeMethod(
            self._mp, slot, QtCore.Qt.ConnectionType.QueuedConnection, *qargs
        )

    def _ensure_media_player(self, mm) -> None:
        if self._mp is not None:
            return
        self._out = mm.QAudioOutput(self)
        self._mp = mm.QMediaPlayer(self)
        self._mp.setAudioOutput(self._out)
        self._mp.mediaStatusChanged.connect(self._on_media_status)
        self._mp.errorOccurred.connect(self._on_error)

    # ------------------------------------------------------------------ queries
    def status(self) -> str:
        """``off`` (no sound for this video), ``loading``, ``ready``, ``failed`` (the note is
        in ``error()``) or ``unavailable`` (no Qt Multimedia)."""
        return self._status

    def error(self) -> str:
        return self._error

    def is_active(self) -> bool:
        """True when the sound drives the picture (loaded and not failed)."""
        return self._status in ("loading", "ready")

    def is_muted(self) -> bool:
        """The user's mute (playback above 2x is muted too, without changing this)."""
        return self._muted

    def media_player(self):
        return self._mp

    def audio_output(self):
        return self._out

    def position_s(self) -> float | None:
        """The audio position in seconds (``None`` without sound)."""
        if self._mp is None or not self.is_active():
            return None
        return self._mp.position() / 1000.0

    def clock(self) -> AudioClock | None:
        """The clock of the current playback (``None`` when paused or without sound)."""
        return self._clock

    def offset_stats(self) -> dict:
        """Picture/sound offset since playback started: ``frames`` measured, ``unsynced``,
        ``mean_ms`` (signed; positive: picture behind sound), ``mean_abs_ms``,
        ``p95_abs_ms``, ``max_abs_ms`` and the same in frames (``*_frames``); plus
        ``stalls`` (the audio stopped moving while playing), ``status`` and ``fps``;
        ``raw``: the same against the last ``position()`` sample alone; ``clock``: the audio
        minus the clock the decoder paces against, at the same moments (the sync error
        without the decoder's lateness)."""
        out = self._stats.summary(self._fps)
        out.update(stalls=self.stalls, status=self._status, fps=self._fps,
                   raw=self._raw_stats.summary(self._fps),
                   clock=self._clock_stats.summary(self._fps))
        return out

    def reset_stats(self) -> None:
        self._stats.reset()
        self._raw_stats.reset()
        self._clock_stats.reset()
        self.stalls = 0

    # ------------------------------------------------------------------ commands
    def set_muted(self, muted: bool) -> None:
        muted = bool(muted)
        changed = muted != self._muted
        self._muted = muted
        self._apply_mute()
        if changed:
            self.sigMutedChanged.emit(muted)

    def _apply_mute(self) -> None:
        if self._out is not None:
            self._out.setMuted(self._muted or self._speed > self.MAX_AUDIBLE_SPEED + 1e-9)

    def _set_rate(self, speed: float) -> None:
        self._speed = float(speed)
        if self._mp is not None and abs(self._mp.playbackRate() - self._speed) > 1e-9:
            self._command("setPlaybackRate", self._speed)
        self._apply_mute()

    def clock_factory(self, start_s: float, speed: float):
        """``Player.clock_factory``: start (or re-aim) the sound at ``start_s`` and return
        the clock the picture follows; ``None`` (the player's own clock) without sound."""
        if not self.is_active() or self._mp is None:
            return None
        player = self._player
        continuing = player is not None and player.is_playing()
        if not continuing:  # a new playback: new statistics
            self.reset_stats()
        old = self._clock
        mm = multimedia()
        audio_playing = self._mp.playbackState() == mm.QMediaPlayer.PlaybackState.PlayingState
        self._set_rate(speed)
        if (continuing and audio_playing and old is not None and abs(old.speed - speed) > 1e-9
                and not old.holding and abs(old() - start_s) < self.CONTINUE_S * max(1.0, speed)):
            clock = old.continued(speed)  # a speed change: the sound goes on where it is
        else:
            self._seek_audio(start_s)
            clock = AudioClock(start_s, speed, hold=True, on_jump=self._clock_jumped)
            self._pos_ms = None
            if self._status == "ready":
                if not audio_playing:
                    self._command("play")
            else:
                self._want_play = True
        self._estimate.reset(speed)
        self._clock = clock
        self._stalled = False
        self._last_read = time.monotonic()
        self._raw_pos = self._mp.position()
        self._poll.start()
        return clock

    def _clock_jumped(self) -> None:
        if self._player is not None and hasattr(self._player, "clock_jumped"):
            self._player.clock_jumped()

    def _seek_audio(self, seconds: float) -> None:
        ms = max(0, int(round(seconds * 1000.0)))
        if self._status != "ready":
            self._want_ms = ms
            return
        if abs(self._mp.position() - ms) > self.SEEK_TOLERANCE_S * 1000.0:
            self._command("setPosition", ms)

    # ------------------------------------------------------------------ from the player
    def _on_playing_changed(self, playing: bool) -> None:
        if playing or self._mp is None:
            return
        self._poll.stop()
        self._clock = None
        self._want_play = False
        if self.is_active():
            self._command("pause")
            if self._player is not None:
                self._queue_frame(self._player.frame())

    def _on_frame(self, index: int) -> None:
        if not self.is_active():
            return
        if self._player is not None and self._player.is_playing():
            if self._clock is not None:
                self._measure(index)
        else:
            self._queue_frame(index)

    def _queue_frame(self, index: int) -> None:
        self._pending_frame = int(index)
        self._seek_timer.start()

    def _apply_pending_frame(self) -> None:
        index, self._pending_frame = self._pending_frame, None
        if index is None or not self.is_active():
            return
        if self._player is not None and self._player.is_playing():
            return
        self._seek_audio(index / self._fps)

    # ------------------------------------------------------------------ the clock
    def _tick(self) -> None:
        if self._mp is None or self._clock is None:
            self._poll.stop()
            return
        now = time.monotonic()
        self._sample(now)
        if (self._pos_ms is not None and not self._stalled
                and now - self._pos_wall > AudioClock.STALL_S):
            self._stalled = True
            self.stalls += 1
            log.debug("audio stalled at %d ms; the picture runs on by itself", self._pos_ms)

    def _sample(self, now: float) -> None:
        """Read ``position()``; a change is a fresh sample for the clock."""
        pos = self._mp.position()
        gap = now - self._last_read
        self._last_read = now
        if pos == self._raw_pos:
            return
        self._raw_pos = pos
        # it changed since the last read: halfway between the two is the best guess of when
        wall = now - gap / 2.0 if gap < 3 * self.POLL_MS / 1000.0 else now
        clock = self._clock
        if clock is None:
            return
        snaps = clock.snaps
        if clock.observe(pos / 1000.0, wall):
            if clock.snaps != snaps:  # the audio jumped: older samples no longer count
                self._estimate.reset()
            self._estimate.add(pos / 1000.0, wall)
            self._pos_ms, self._pos_wall = pos, wall
            self._stalled = False

    def _measure(self, index: int) -> None:
        now = time.monotonic()
        self._sample(now)
        clock = self._clock
        audio_s = self._estimate(now)
        if audio_s is None or clock is None or not clock.locked(now):
            self._stats.unsynced += 1
            return
        shown_s = index / self._fps
        self._stats.add(audio_s - shown_s)
        self._raw_stats.add(self._estimate.latest(now) - shown_s)
        self._clock_stats.add(audio_s - clock())

    # ------------------------------------------------------------------ from Qt Multimedia
    def _on_media_status(self, status) -> None:
        mm = multimedia()
        S = mm.QMediaPlayer.MediaStatus
        if status == S.InvalidMedia:
            self._fail(self._mp.errorString() or "Qt Multimedia cannot play this file")
        elif self._status == "loading" and status in (S.LoadedMedia, S.BufferedMedia,
                                                       S.BufferingMedia):
            if not self._mp.hasAudio():
                self._fail("Qt Multimedia finds no sound it can play in this file")
                return
            self._set_status("ready")
            if self._want_ms is not None:
                ms, self._want_ms = self._want_ms, None
                self._command("setPosition", ms)
            if self._want_play:
                self._want_play = False
                self._command("play")

    def _on_error(self, error, text: str = "") -> None:
        mm = multimedia()
        if mm is not None and error == mm.QMediaPlayer.Error.NoError:
            return
        self._fail(text or str(error))

    def _fail(self, reason: str) -> None:
        if self._status in ("failed", "off"):
            return
        self._error = reason
        name = self._path.name if self._path else "?"
        log.warning("No sound for %s: %s. It plays without sound.", name, reason)
        self._poll.stop()
        if self._mp is not None:
            self._command("stop")
        self._clock = None  # the clock in use runs on by itself: no freeze
        if self._player is not None and self._player.clock_factory == self.clock_factory:
            self._player.clock_factory = None
        self._set_status("failed")

    def _set_status(self, status: str) -> None:
        if status != self._status:
            self._status = status
            self.sigStatusChanged.emit(status)
