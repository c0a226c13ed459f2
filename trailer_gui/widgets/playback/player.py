"""The player of the annotation window: the frame, letterboxed, and a small transport bar.

Decoding and pacing happen in ``workers.decoder.FrameSource`` (its own thread; see
``workers.playback`` why playback is paced in that thread against a clock rather than by a
GUI timer). This widget only sends requests (seek, play, pause, speed) and shows what comes back:

* every command bumps a generation number (``gen``) when it changes what should be on
  screen (play, pause, seek while playing, open, close); frames of an older generation that
  were still queued are ignored, so a pause never shows one more frame;
* when paused, the frame asked for last is the one that ends up shown (latest request wins
  in the decoder); an older seek finishing meanwhile is drawn as scrubbing feedback only if it
  lies between the frame on screen and the one asked for (progress, never a flash back);
* during playback ``sigFrameChanged`` follows the frames shown, in increasing order;
* the frame number in the transport bar, ``shown_frame()`` and ``sigFrameChanged`` always name
  the picture on screen (the main window paints that frame: what the user sees is what a key
  labels, even while the frame asked for is still being decoded).

Proxies (issue #14): with ``open(..., proxy=path)`` (or ``set_proxy``) a second decoder thread
reads the video's small proxy: a seek shows its frame at once and then the exact one
(``shown_exact()``); fast playback plays from it. The rules are in ``scrubbing.py``.

The parts: ``frame_view.FrameView`` (the picture), ``transport_bar.TransportBar`` (buttons,
speed, position), ``frame_sources`` (starting and releasing decoder threads),
``playback_tally`` (shown/dropped counts of a play session). The state machine is here.

Keyboard shortcuts belong to the main window, which calls ``step``/``toggle_play``/...;
the transport bar's controls never take the focus.

Clock (issue #6): set ``clock_factory`` to a callable ``(start_s, speed) -> clock`` where
``clock()`` returns the media time in seconds and is safe to call from the decoder thread
(e.g. extrapolated from ``QMediaPlayer.position()`` samples taken in the GUI thread). Left at
``None``, the decoder runs its own monotonic clock from the moment the first frame is ready.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Signal

from trailer_gui.workers.decoder import FrameSource
from trailer_gui.workers.playback import Clock

from .frame_sources import release_source, start_source, wait_lingering
from .frame_view import FrameView, format_timecode  # noqa: F401  (the player's timecode)
from .playback_tally import PlaybackTally
from .scrubbing import (PROXY_MAX_DISPLAY_FPS, ask_proxy_too, keep_paused_picture,
                        source_for_speed)
from .transport_bar import SPEEDS, TransportBar  # noqa: F401  (SPEEDS: the player's speeds)

MIN_SPEED, MAX_SPEED = 0.25, 4.0


class Player(QtWidgets.QWidget):
    """Shows a video's frames; plays, steps and seeks. See the module docstring."""

    sigFrameChanged = Signal(int)  # the frame now shown (during playback and after seeks)
    sigShown = Signal(int, bool)  # the same, and whether it is the exact full-size picture
    sigPlayingChanged = Signal(bool)
    sigError = Signal(str)

    # how the decoder thread opens a video (path -> VideoReader-like); tests swap it
    reader_factory: Callable[[str], object] | None = None
    proxy_reader_factory: Callable[[str], object] | None = None  # same, for proxies

    def __init__(self, parent=None):
        super().__init__(parent)
        self.clock_factory: Callable[[float, float], Clock] | None = None
        self.timecode_style = "frames"
        self._source: FrameSource | None = None
        self._proxy: FrameSource | None = None  # the proxy's decoder (None: no proxy)
        self._playing_from: FrameSource | None = None  # which decoder the playback uses
        self._shown_exact = False  # the picture on screen is the full-size decoded frame
        self._path: Path | None = None
        self._frames = 0
        self._fps = 24.0
        self._gen = 0
        self._playing = False
        self._speed = 1.0
        self._frame = 0  # last requested (paused) or last shown (playing)
        self._shown_frame = -1  # index of the image on screen, -1: none
        self._image: QtGui.QImage | None = None
        self._error = ""
        self._opened = False  # the decoder opened the file
        self._broken = False  # ... or failed to: nothing more to ask it
        self.tally = PlaybackTally()
        self._build()
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._update_controls()

    # ------------------------------------------------------------------- layout

    def _build(self) -> None:
        self.view = FrameView(self)
        self.bar = TransportBar(self)
        self.bar.sigToStart.connect(self.to_start)
        self.bar.sigStep.connect(self.step)
        self.bar.sigTogglePlay.connect(self.toggle_play)
        self.bar.sigToEnd.connect(self.to_end)
        self.bar.sigSpeedPicked.connect(self.set_speed)
        # the bar's parts, by the names the player's users (and tests) know them
        self.buttons = self.bar.buttons
        self.speed_combo = self.bar.speed_combo
        self.position_label = self.bar.position_label
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.bar)

    # -------------------------------------------------------------------- video

    def open(self, path, frames: int, fps: float, proxy=None) -> None:
        """Show the video at ``path`` (``frames`` frames at ``fps``), from frame 0; ``proxy``:
        the path of its proxy (``core.proxy``), if it has a usable one."""
        self.close_video()
        self._path = Path(path)
        self._frames = max(0, int(frames))
        self._fps = float(fps) if fps and fps > 0 else 25.0
        self._frame = 0
        self._error = ""
        self._opened = self._broken = False
        self._gen += 1
        self.view.set_message(f"Opening {self._path.name}…")
        self._source = start_source(self._path, self.reader_factory, self._source_slots())
        if proxy is not None:
            self._start_proxy(proxy)
        if self._frames > 0:
            self.seek(0)
        self._update_controls()

    def set_proxy(self, path) -> None:
        """Use the proxy at ``path`` for the open video from now on (None: no proxy)."""
        if self._source is None or self._broken:
            return
        self._stop_proxy()
        if path is not None:
            self._start_proxy(path)

    def has_proxy(self) -> bool:
        return self._proxy is not None

    def _start_proxy(self, path) -> None:
        factory = self.proxy_reader_factory
        if factory is None:
            import trailer_gui.core.proxy as proxy_mod  # imported on the GUI thread: see decoder

            factory = proxy_mod.ProxyReader
        self._proxy = start_source(path, factory, self._proxy_slots(), PROXY_MAX_DISPLAY_FPS)

    def _stop_proxy(self) -> None:
        source, self._proxy = self._proxy, None
        if source is None:
            return
        if self._playing_from is source:  # playing from it: go on from the full-size video
            self._playing_from = None
            if self._playing:
                self._restart_playback()
        release_source(source, self._proxy_slots())

    def close_video(self) -> None:
        """Stop playback and the decoder thread; show nothing."""
        was_playing = self._playing
        self._playing = False
        self._playing_from = None
        self._gen += 1
        self._stop_proxy()
        self._stop_source()
        self._path = None
        self._frames = 0
        self._frame = 0
        self._shown_frame = -1
        self._shown_exact = False
        self._image = None
        self._error = ""
        self.view.set_image(None)
        self.view.set_message("")
        if was_playing:
            self.sigPlayingChanged.emit(False)
        self._update_controls()

    def shutdown(self) -> None:
        """Stop the decoder thread cleanly (the main window calls this when it closes)."""
        self.close_video()
        wait_lingering(30000)

    def _stop_source(self) -> None:
        source, self._source = self._source, None
        if source is None:
            return
        release_source(source, self._source_slots())

    def _source_slots(self) -> dict:
        return {"sigFrameTagged": self._on_frame, "sigPlaybackFinished": self._on_finished,
                "sigError": self._on_error, "sigOpened": self._on_opened}

    def _proxy_slots(self) -> dict:
        return {"sigFrameTagged": self._on_proxy_frame,
                "sigPlaybackFinished": self._on_finished, "sigError": self._on_proxy_error}

    # ------------------------------------------------------------------ queries

    def path(self) -> Path | None:
        return self._path

    def fps(self) -> float:
        return self._fps

    def frame(self) -> int:
        return self._frame

    def frame_count(self) -> int:
        return self._frames

    def is_playing(self) -> bool:
        return self._playing

    def speed(self) -> float:
        return self._speed

    def image(self) -> QtGui.QImage | None:
        """The full-resolution image on screen (``None`` before the first frame)."""
        return self._image

    def shown_frame(self) -> int:
        """Index of the image on screen (-1: none)."""
        return self._shown_frame

    def shown_exact(self) -> bool:
        """Whether the image on screen is the full-size frame (not the proxy's)."""
        return self._shown_exact

    def error(self) -> str:
        return self._error

    def decoder_running(self) -> bool:
        return self._source is not None and self._source.is_running()

    def stats(self) -> dict:
        """Frames shown and dropped since ``play()`` started (across speed changes/seeks)."""
        return self.tally.stats(self._playing_from or self._source)

    # ---------------------------------------------------------------- commands

    def seek(self, frame: int) -> None:
        """Show exactly ``frame`` (clamped to the video). While playing, play on from there."""
        if self._frames <= 0 or self._broken:
            return
        frame = min(max(0, int(frame)), self._frames - 1)
        self._frame = frame
        if self._source is None:
            return
        if self._playing:
            self._gen += 1
            self._start_playback(frame, clock_start=frame / self._fps)
        else:
            if ask_proxy_too(self._proxy is not None, frame, self._shown_frame, self._shown_exact):
                self._proxy.request(frame, self._gen)  # a picture at once ...
            self._source.request(frame, self._gen)  # ... then the exact one

    def step(self, n: int) -> None:
        """Move ``n`` frames (pausing first)."""
        if self._playing:
            self.pause()
        self.seek(self._frame + int(n))

    def to_start(self) -> None:
        if self._playing:
            self.pause()
        self.seek(0)

    def to_end(self) -> None:
        if self._playing:
            self.pause()
        self.seek(self._frames - 1)

    def play(self) -> None:
        if self._playing or self._source is None or self._frames <= 0 or self._broken:
            return
        self._gen += 1
        self.tally.new_session()
        current = self._frame
        if current >= self._frames - 1:  # at the end: play from the start
            self._frame = 0
            self._start_playback(0, clock_start=0.0)
        else:
            # the frame on screen stays for its period, the next one follows
            self._start_playback(current + 1, clock_start=current / self._fps)
        self._playing = True
        self._update_controls()
        self.sigPlayingChanged.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._gen += 1
        source, self._playing_from = self._playing_from, None
        if source is not None:
            source.stop_playback(self._gen)
        self._settle_on_shown()
        self._update_controls()
        self.sigPlayingChanged.emit(False)

    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, factor: float) -> None:
        """Playback speed, 0.25x to 4x (applies at once while playing)."""
        try:
            factor = float(factor)
        except (TypeError, ValueError):
            return
        if not math.isfinite(factor):
            return
        factor = min(MAX_SPEED, max(MIN_SPEED, factor))
        changed = factor != self._speed
        self._speed = factor
        self.bar.show_speed(factor)
        if changed and self._playing and self._playing_from is not self._player_for_speed():
            self._restart_playback()  # to or from the proxy
        elif changed and self._playing and self._playing_from is not None:
            clock = None
            if self.clock_factory is not None:
                at = max(self._shown_frame, 0) / self._fps
                clock = self.clock_factory(at, factor)
            self._playing_from.set_speed(factor, clock)

    def _player_for_speed(self) -> FrameSource | None:
        return source_for_speed(self._source, self._proxy, self._speed)

    def _restart_playback(self) -> None:
        """Play on from the frame on screen with the decoder the speed calls for."""
        old = self._playing_from
        self._gen += 1
        if old is not None:
            old.stop_playback(self._gen)
        at = max(self._shown_frame, self._frame, 0)
        if at < self._frames - 1:
            self._start_playback(at + 1, clock_start=at / self._fps)
            return
        self._playing = False  # already on the last frame: playback is over
        self._playing_from = None
        self._update_controls()
        self.sigPlayingChanged.emit(False)

    def clock_jumped(self) -> None:
        """The clock from ``clock_factory`` jumped ahead (any thread): the decoder reads it
        again now instead of sleeping until the due time it computed from the old value."""
        source = self._source
        if source is not None:
            source.wake()

    def _start_playback(self, from_frame: int, clock_start: float) -> None:
        self.tally.new_command()
        clock = None
        if self.clock_factory is not None:
            clock = self.clock_factory(clock_start, self._speed)
        source = self._player_for_speed()
        if self._playing_from is not None and self._playing_from is not source:
            self._playing_from.stop_playback(self._gen)
        self._playing_from = source
        source.start_playback(
            from_frame,
            self._fps,
            self._speed,
            stop=self._frames,
            gen=self._gen,
            session=self.tally.session,
            clock=clock,
            clock_start=clock_start,
        )

    # ------------------------------------------------------------ from the decoder

    def _on_frame(self, gen: int, index: int, image: QtGui.QImage) -> None:
        self._take(self._source, gen, index, image, exact=True)

    def _on_proxy_frame(self, gen: int, index: int, image: QtGui.QImage) -> None:
        self._take(self._proxy, gen, index, image, exact=False)

    def _take(self, expected, gen: int, index: int, image: QtGui.QImage, exact: bool) -> None:
        source = self.sender()
        if isinstance(source, FrameSource):
            source.frame_taken()
        elif expected is not None:
            source = expected
            expected.frame_taken()
        if gen != self._gen or source is not expected and source is not None:
            return  # queued before a pause/seek/close: not wanted any more
        if self._error or self.view.message():  # an error or "Opening ..." until now
            self._error = ""
            self.view.set_message("")
        if self._playing:
            if not self.tally.take(index):
                return
            self._frame = index
        elif not keep_paused_picture(index, exact, self._frame, self._shown_frame,
                                     self._shown_exact):
            return
        self._image = image
        self._shown_frame = index
        self._shown_exact = exact
        self.view.set_image(image)
        self._update_label()
        self.sigFrameChanged.emit(index)
        self.sigShown.emit(index, exact)

    def _on_proxy_error(self, message: str) -> None:
        """A proxy that cannot be read is only a lost convenience: go on without it."""
        if self.sender() is self._proxy:
            self._stop_proxy()

    def _on_finished(self, gen: int, last: int) -> None:
        if gen != self._gen or not self._playing:
            return
        self._playing = False
        self._playing_from = None
        self._gen += 1
        self._settle_on_shown()
        self._update_controls()
        self.sigPlayingChanged.emit(False)

    def _settle_on_shown(self) -> None:
        """Playback ended: the frame on screen is the current one; if it came from the
        proxy, the exact full-size picture is asked for."""
        if self._shown_frame >= 0:
            self._frame = self._shown_frame
            if not self._shown_exact and self._source is not None:
                self._source.request(self._frame, self._gen)

    def _on_error(self, message: str) -> None:
        if self.sender() is not self._source:
            return
        self._error = message
        if not self._opened:
            self._broken = True
        self._image = None
        self._shown_frame = -1
        self.view.set_image(None)
        self.view.set_message(message)
        if self._playing:
            self._playing = False
            self._playing_from = None
            self._gen += 1
            self.sigPlayingChanged.emit(False)
        self._update_controls()
        self.sigError.emit(message)

    def _on_opened(self, info: dict) -> None:
        if self.sender() is not self._source:
            return
        self._opened = True
        n = info.get("frames")
        if isinstance(n, int) and 0 < n < self._frames:
            self._frames = n  # the file decodes fewer frames than we were told
            self._frame = min(self._frame, n - 1)
            self._update_label()

    # ------------------------------------------------------------------ display

    def _update_label(self) -> None:
        if self._frames <= 0 or self._broken:
            self.bar.show_position(None, 0, self._fps, self.timecode_style)
            return
        shown = self._shown_frame if self._shown_frame >= 0 else self._frame
        self.bar.show_position(shown, self._frames, self._fps, self.timecode_style)

    def _update_controls(self) -> None:
        has = self._source is not None and self._frames > 0 and not self._broken
        self.bar.show_controls(has, self._playing)
        self._update_label()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
