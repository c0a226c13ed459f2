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
reads the video's small all-intra proxy. A seek asks both: the proxy frame comes at once
(a few ms) and is shown, then the exact full-size frame replaces it when ready
(``shown_exact()``). Playback at ``PROXY_SPEED`` (2x) and above plays from the proxy, every
frame; pausing there brings the exact frame. Without a proxy everything works as before.

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
from PySide6.QtCore import Qt, Signal

from trailer_gui.workers.decoder import FrameSource
from trailer_gui.workers.playback import Clock

# Sources whose thread did not end within close_video()'s wait (still opening a long file:
# the reader's first pass decodes the whole video). Kept referenced so that a QThread is
# never destroyed while it runs; shutdown() waits for them.
_LINGERING: list[FrameSource] = []


def _wait_lingering(timeout_ms: int) -> None:
    deadline = QtCore.QDeadlineTimer(timeout_ms)
    for source in list(_LINGERING):
        thread = source.thread_handle()
        if thread is None or thread.wait(deadline):
            _LINGERING.remove(source)

SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)
PROXY_SPEED = 2.0  # from this speed on, playback decodes the proxy (every frame shown)
PROXY_MAX_DISPLAY_FPS = 120.0  # 4x of 30 fps: every frame of a 24-30 fps video at 4x
MIN_SPEED, MAX_SPEED = 0.25, 4.0
BACKGROUND = QtGui.QColor(16, 16, 16)
TEXT = QtGui.QColor(220, 220, 220)


def format_timecode(frame: int, fps: float, style: str = "frames") -> str:
    """``HH:MM:SS:FF`` (style ``"frames"``) or ``HH:MM:SS.mmm`` (style ``"ms"``) of frame
    ``frame`` at ``fps``. FF counts the frames within the second (wall-clock seconds, so at
    23.976 fps a second holds 23 or 24 frames)."""
    if fps <= 0:
        fps = 25.0
    frame = max(0, int(frame))
    if style == "ms":
        ms = int(round(frame / fps * 1000.0))
        s, ms = divmod(ms, 1000)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
    whole = int(math.floor(frame / fps + 1e-9))
    ff = frame - int(math.ceil(whole * fps - 1e-6))
    if ff < 0:  # float edge: belongs to the previous second
        whole -= 1
        ff = frame - int(math.ceil(whole * fps - 1e-6))
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{ff:02d}"


class FrameView(QtWidgets.QWidget):
    """Draws one image at its aspect ratio, centred on a dark background, smoothly scaled;
    or a message (text over black)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._image: QtGui.QImage | None = None
        self._message = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding
        )
        self.setMinimumSize(160, 90)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, 360)

    def image(self) -> QtGui.QImage | None:
        return self._image

    def message(self) -> str:
        return self._message

    def set_image(self, image: QtGui.QImage | None) -> None:
        self._image = image
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text or ""
        self.update()

    def image_rect(self) -> QtCore.QRectF:
        """Where the image lands in the widget (letterboxed)."""
        if self._image is None or self._image.isNull():
            return QtCore.QRectF()
        iw, ih = self._image.width(), self._image.height()
        w, h = self.width(), self.height()
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        return QtCore.QRectF((w - dw) / 2.0, (h - dh) / 2.0, dw, dh)

    def paintEvent(self, event) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if self._image is not None and not self._image.isNull() and not self._message:
            p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(self.image_rect(), self._image)
        if self._message:
            p.setPen(TEXT)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(self.rect().adjusted(16, 16, -16, -16), int(flags), self._message)
        p.end()


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
        self._session = 0
        self._playing = False
        self._speed = 1.0
        self._frame = 0  # last requested (paused) or last shown (playing)
        self._shown_frame = -1  # index of the image on screen, -1: none
        self._image: QtGui.QImage | None = None
        self._error = ""
        self._opened = False  # the decoder opened the file
        self._broken = False  # ... or failed to: nothing more to ask it
        self._shown = 0
        self._gui_dropped = 0
        self._last_play_index = -1  # newest frame shown by the current playback command
        self._build()
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._update_controls()

    # ------------------------------------------------------------------- layout

    def _build(self) -> None:
        self.view = FrameView(self)
        style = self.style()
        SP = QtWidgets.QStyle.StandardPixmap
        self._icon_play = style.standardIcon(SP.SP_MediaPlay)
        self._icon_pause = style.standardIcon(SP.SP_MediaPause)

        def button(name: str, pixmap, tip: str, slot) -> QtWidgets.QToolButton:
            b = QtWidgets.QToolButton(self)
            b.setObjectName(f"player_{name}")
            b.setIcon(style.standardIcon(pixmap) if pixmap is not None else QtGui.QIcon())
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            return b

        self.buttons = {
            "start": button("start", SP.SP_MediaSkipBackward, "First frame", self.to_start),
            "back": button("back", SP.SP_MediaSeekBackward, "Previous frame", lambda: self.step(-1)),
            "play": button("play", None, "Play", self.toggle_play),
            "forward": button("forward", SP.SP_MediaSeekForward, "Next frame", lambda: self.step(1)),
            "end": button("end", SP.SP_MediaSkipForward, "Last frame", self.to_end),
        }
        self.buttons["play"].setIcon(self._icon_play)

        self.speed_combo = QtWidgets.QComboBox(self)
        self.speed_combo.setObjectName("player_speed")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_combo.setToolTip("Playback speed")
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s:g}x", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.set_speed(self.speed_combo.itemData(i)) if i >= 0 else None
        )

        self.position_label = QtWidgets.QLabel(self)
        self.position_label.setObjectName("player_position")
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.position_label.setFont(font)
        self.position_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)

        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        for name in ("start", "back", "play", "forward", "end"):
            bar.addWidget(self.buttons[name])
        bar.addSpacing(8)
        bar.addWidget(self.speed_combo)
        bar.addStretch(1)
        bar.addWidget(self.position_label)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)

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
        source = FrameSource.start(self._path, self.reader_factory, acknowledge=True)
        source.sigFrameTagged.connect(self._on_frame)
        source.sigPlaybackFinished.connect(self._on_finished)
        source.sigError.connect(self._on_error)
        source.sigOpened.connect(self._on_opened)
        self._source = source
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
        source = FrameSource.start(path, factory, acknowledge=True)
        source.max_display_fps = PROXY_MAX_DISPLAY_FPS
        source.sigFrameTagged.connect(self._on_proxy_frame)
        source.sigPlaybackFinished.connect(self._on_finished)
        source.sigError.connect(self._on_proxy_error)
        self._proxy = source

    def _stop_proxy(self) -> None:
        source, self._proxy = self._proxy, None
        if source is None:
            return
        if self._playing_from is source:  # playing from it: go on from the full-size video
            self._playing_from = None
            if self._playing:
                self._restart_playback()
        self._release(source, (
            (source.sigFrameTagged, self._on_proxy_frame),
            (source.sigPlaybackFinished, self._on_finished),
            (source.sigError, self._on_proxy_error),
        ))

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
        _wait_lingering(30000)

    def _stop_source(self) -> None:
        source, self._source = self._source, None
        if source is None:
            return
        self._release(source, (
            (source.sigFrameTagged, self._on_frame),
            (source.sigPlaybackFinished, self._on_finished),
            (source.sigError, self._on_error),
            (source.sigOpened, self._on_opened),
        ))

    @staticmethod
    def _release(source: FrameSource, connections) -> None:
        for sig, slot in connections:
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        thread = source.thread_handle()
        if source.shutdown(timeout_ms=2000):
            source.deleteLater()
        elif thread is not None:
            _LINGERING.append(source)

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
        dropped = self._gui_dropped
        source = self._playing_from or self._source
        if source is not None:
            s = source.playback_stats()
            if s["session"] == self._session:
                dropped += s["dropped"]
        return {"shown": self._shown, "dropped": dropped}

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
            if self._proxy is not None and not (self._shown_frame == frame and self._shown_exact):
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
        self._session += 1
        self._shown = 0
        self._gui_dropped = 0
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
        self._sync_speed_combo()
        if changed and self._playing and self._playing_from is not self._player_for_speed():
            self._restart_playback()  # to or from the proxy
        elif changed and self._playing and self._playing_from is not None:
            clock = None
            if self.clock_factory is not None:
                at = max(self._shown_frame, 0) / self._fps
                clock = self.clock_factory(at, factor)
            self._playing_from.set_speed(factor, clock)

    def _player_for_speed(self) -> FrameSource | None:
        if self._proxy is not None and self._speed >= PROXY_SPEED:
            return self._proxy
        return self._source

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
        self._last_play_index = -1
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
            session=self._session,
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
            if index <= self._last_play_index:
                return  # cannot happen (the decoder plays forward); never go backwards
            self._last_play_index = index
            self._frame = index
            self._shown += 1
        elif index == self._frame:
            if not exact and self._shown_frame == index and self._shown_exact:
                return  # the exact picture is already there
        else:
            # an older seek finishing while a newer one waits: shown as scrubbing feedback
            # only on the way from the frame on screen to the one asked for
            lo, hi = sorted((self._shown_frame, self._frame))
            if self._shown_frame >= 0 and not lo < index < hi:
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

    def _sync_speed_combo(self) -> None:
        combo = self.speed_combo
        best = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self._speed))
        if combo.currentIndex() != best:
            combo.blockSignals(True)
            combo.setCurrentIndex(best)
            combo.blockSignals(False)

    def _update_label(self) -> None:
        if self._frames <= 0 or self._broken:
            self.position_label.setText("frame – / –")
            return
        shown = self._shown_frame if self._shown_frame >= 0 else self._frame
        tc = format_timecode(shown, self._fps, self.timecode_style)
        self.position_label.setText(f"frame {shown} / {self._frames}  ·  {tc}")

    def _update_controls(self) -> None:
        has = self._source is not None and self._frames > 0 and not self._broken
        for b in self.buttons.values():
            b.setEnabled(has)
        self.buttons["play"].setIcon(self._icon_pause if self._playing else self._icon_play)
        self.buttons["play"].setToolTip("Pause" if self._playing else "Play")
        self._update_label()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
