"""Frames off the GUI thread: one ``VideoReader`` in one ``QThread``, latest request wins.

``FrameSource`` is a ``QObject`` moved to its own ``QThread``; ``run()`` is a loop in that
thread that owns the reader (readers are not shared between threads). Commands come in
through thread-safe methods that write a one-slot mailbox under a ``threading.Condition``,
so the newest command simply overwrites an older one that was not started yet (stale seeks
are dropped, as in SLEAP's frame worker) and a sleeping playback wakes at once.

Two modes:

* **seek**: ``request(index)`` decodes exactly that frame (the reader verifies and caches,
  so stepping backwards is instant) and emits it.
* **playback**: ``start_playback(from_frame, fps, speed)`` decodes forward sequentially and
  paces itself against a media clock, in this thread: ``workers.playback`` says how (and
  why here rather than from a GUI timer); ``FrameSource`` is its ``PlaybackHost``.

Images are emitted as ``QImage`` in ``Format_RGB32``: converted (and so copied) here, off the
GUI thread. Measured on 1080p: wrapping the RGB ndarray and converting costs ~0.2-0.4 ms in
this thread, and a smooth scaled draw of RGB32 to 1280x720 costs ~0.8 ms in the GUI thread,
against ~3.5 ms for RGB888. Emitting ndarrays would move the conversion into the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6 import QtGui
from PySide6.QtCore import Signal, Slot

from .mailbox import MailboxWorker
from .playback import MAX_DISPLAY_FPS, MAX_IN_FLIGHT, MAX_WAIT_S, Cancelled, Clock, Play, PlaybackRun


def rgb_to_qimage(rgb: np.ndarray) -> QtGui.QImage:
    """(H, W, 3) uint8 RGB -> an independent ``QImage`` (Format_RGB32, fast to draw)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    view = QtGui.QImage(rgb.data, w, h, rgb.strides[0], QtGui.QImage.Format.Format_RGB888)
    image = view.convertToFormat(QtGui.QImage.Format.Format_RGB32)  # new buffer: a copy
    return image


def _open_reader(path: str):
    from trailer_gui.core.video_reader import VideoReader

    return VideoReader(path)


@dataclass
class _Seek:
    index: int
    gen: int


@dataclass
class _Stop:
    gen: int


@dataclass
class _Stats:
    session: int = -1
    gen: int = -1
    emitted: int = 0
    dropped: int = 0
    resyncs: int = 0
    first: int = -1
    last: int = -1


class FrameSource(MailboxWorker):
    """Decodes frames of one video in its own thread. Create with ``FrameSource.start(path)``.

    Signals (emitted from the decoder thread, delivered queued to GUI objects):

    * ``sigFrame(int index, QImage image)``: a decoded frame.
    * ``sigFrameTagged(int gen, int index, QImage image)``: the same, with the ``gen`` of the
      command that produced it, so a receiver can ignore frames of superseded commands.
      With ``acknowledge``, a receiver calls ``frame_taken()`` for each one (back-pressure).
    * ``sigPlaybackFinished(int gen, int last_index)``: playback reached its stop (or the end
      of the decodable frames) and showed its last frame.
    * ``sigOpened(dict info)``, ``sigError(str message)``.
    """

    sigFrame = Signal(int, QtGui.QImage)
    sigFrameTagged = Signal(int, int, QtGui.QImage)
    sigPlaybackFinished = Signal(int, int)
    sigOpened = Signal(object)  # a dict passed as is (its values are not Qt types)
    sigError = Signal(str)

    def __init__(
        self,
        path,
        reader_factory: Callable[[str], object] | None = None,
        acknowledge: bool = False,
    ):
        super().__init__()
        self._acknowledge = acknowledge  # receiver calls frame_taken(): limit frames in flight
        self._path = str(path)
        self._reader_factory = reader_factory or _open_reader
        self._reader = None
        self._auto_session = 0
        self._in_flight = 0
        self._stats = _Stats()
        self._speed_update: tuple[float, Clock | None] | None = None
        # A proxy source (issue #14) decodes a small all-intra copy at ~2 ms a frame: it
        # shows every frame at 2x and 4x (see workers.playback.stride_for).
        self.max_display_fps = MAX_DISPLAY_FPS

    # ----------------------------------------------------------------- life cycle

    @classmethod
    def start(cls, path, reader_factory=None, acknowledge: bool = False,
              connect: dict | None = None) -> "FrameSource":
        """Make a source and its thread, and start the thread.

        With ``acknowledge``, the receiver promises to call ``frame_taken()`` for each frame
        of ``sigFrameTagged``; playback then drops frames (and counts them) rather than let
        more than ``MAX_IN_FLIGHT`` queue up in a busy GUI thread.  ``connect``: {signal name:
        slot}, connected before the thread starts.  Connect there, not afterwards: opening a
        missing file fails within microseconds, and a signal sent before its slot is
        connected is lost (the player then said "Opening…" for ever).
        """
        if reader_factory is None:
            # Import the reader (OpenCV, PyAV) here on the GUI thread, once: a first import in
            # the worker holds the import lock while it competes for the GIL, which delays the
            # first frame (and QTest.qWait in PySide6 6.11 never releases the GIL at all).
            import trailer_gui.core.video_reader  # noqa: F401
        source = cls(path, reader_factory, acknowledge)
        for name, slot in (connect or {}).items():
            getattr(source, name).connect(slot)
        source._launch(f"FrameSource({path})")
        return source

    # ------------------------------------------------------- commands (any thread)

    def request(self, index: int, gen: int = 0) -> None:
        """Decode exactly frame ``index`` (cancels playback; replaces an unstarted request)."""
        self._post(_Seek(int(index), gen))

    def start_playback(
        self,
        from_frame: int,
        fps: float,
        speed: float = 1.0,
        *,
        stop: int | None = None,
        gen: int = 0,
        session: int | None = None,
        clock: Clock | None = None,
        clock_start: float | None = None,
    ) -> None:
        """Play from ``from_frame`` (the first frame emitted) up to ``stop`` (exclusive).

        Each frame ``i`` is emitted when ``clock() >= i / fps`` (media seconds); frames whose
        time has passed are dropped. Without ``clock``, a ``MonotonicClock`` at ``speed`` is
        started when frame ``from_frame`` has been decoded, at media time ``clock_start``
        (default ``from_frame / fps``: that frame shows at once). A player resuming from the
        frame it shows, ``c``, passes ``from_frame=c + 1, clock_start=c / fps``: the next frame
        then comes one frame period after the decoder is ready.

        ``session``: playbacks with the same session add to the same counts (a player that
        re-starts playback after a seek or speed change); by default each one starts anew.
        """
        if fps <= 0:
            raise ValueError("fps must be positive")
        self._post(
            Play(
                start=max(0, int(from_frame)),
                fps=float(fps),
                speed=float(speed),
                stop=None if stop is None else int(stop),
                gen=gen,
                session=self._new_session() if session is None else int(session),
                clock=clock,
                clock_start=clock_start,
            )
        )

    def _new_session(self) -> int:
        with self._cond:
            self._auto_session -= 1  # negative: never equal to a caller's session
            return self._auto_session

    def set_speed(self, speed: float, clock: Clock | None = None) -> None:
        """Change the speed of the running playback without re-seeking."""
        with self._cond:
            self._speed_update = (float(speed), clock)
            self._cond.notify_all()

    def stop_playback(self, gen: int = 0) -> None:
        self._post(_Stop(gen))

    def frame_taken(self) -> None:
        """The receiver took one tagged frame (back-pressure for playback)."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._cond.notify_all()

    def wake(self) -> None:
        """Make a waiting playback read its clock again now (an outside clock jumped ahead,
        e.g. the audio started: see ``core.avsync``)."""
        with self._cond:
            self._cond.notify_all()

    def playback_stats(self) -> dict:
        """Counts of the latest playback session: frames emitted, dropped (late, or no room in
        the receiver), resyncs (jumps forward when far behind), first/last index, gen."""
        with self._cond:
            s = self._stats
            return {
                "session": s.session,
                "gen": s.gen,
                "emitted": s.emitted,
                "dropped": s.dropped,
                "resyncs": s.resyncs,
                "first": s.first,
                "last": s.last,
            }

    # ------------------------------------------------------------ the thread's loop

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        finally:
            reader, self._reader = self._reader, None
            if reader is not None:
                try:
                    reader.close()
                except Exception:
                    pass

    def _run(self) -> None:
        if self._quit:
            return
        try:
            self._reader = self._reader_factory(self._path)
        except Exception as exc:  # missing, not a video, ...: say so, then idle until quit
            self.sigError.emit(_message(exc))
        else:
            info = getattr(self._reader, "info", None)
            try:
                info = dict(info) if isinstance(info, dict) else dict(vars(info))
            except Exception:
                info = {}
            self.sigOpened.emit(info)
        while True:
            with self._cond:
                while self._cmd is None and not self._quit:
                    self._cond.wait()
                if self._quit:
                    return
                cmd, self._cmd = self._cmd, None
                serial = self._serial
            if self._reader is None:
                continue  # opening failed and was reported once
            try:
                if isinstance(cmd, _Seek):
                    self._do_seek(cmd, serial)
                elif isinstance(cmd, Play):
                    self._do_play(cmd, serial)
            except Cancelled:
                pass
            except Exception as exc:  # a vanished or truncated file: report, keep running
                self.sigError.emit(_message(exc))

    def _superseded(self, serial: int) -> bool:
        return self._serial != serial or self._quit

    def _emit(self, gen: int, index: int, image: QtGui.QImage) -> None:
        if self._acknowledge:
            with self._cond:
                self._in_flight += 1
        self.sigFrameTagged.emit(gen, index, image)
        self.sigFrame.emit(index, image)

    def _do_seek(self, cmd: _Seek, serial: int) -> None:
        rgb = self._reader.frame(cmd.index)
        # emitted even if a newer command came meanwhile: while scrubbing, the receiver may
        # show it as feedback; it knows by index and gen which frame it asked for last
        self._emit(cmd.gen, cmd.index, rgb_to_qimage(rgb))

    # ------------------------------------------------------------------ playback

    def _do_play(self, play: Play, serial: int) -> None:
        with self._cond:
            if self._stats.session != play.session:
                self._stats = _Stats(session=play.session)
            self._stats.gen = play.gen
            self._speed_update = None
        n = self._reader.frame_count
        stop = n if play.stop is None else min(play.stop, n)
        if play.start >= stop:
            self.finish_playback(play.gen, serial, play.start - 1)
            return
        run = PlaybackRun(self, self._reader, play, serial, stop)
        try:
            run.run()
        finally:
            run.close()

    # -- the PlaybackHost side (workers.playback): called in this thread by the run

    def take_speed_change(self, serial: int) -> tuple[float, Clock | None] | None:
        with self._cond:
            if self._superseded(serial):
                raise Cancelled
            update, self._speed_update = self._speed_update, None
        return update

    def count_frames(
        self, emitted: int = 0, dropped: int = 0, last: int | None = None, resyncs: int = 0
    ) -> None:
        with self._cond:
            s = self._stats
            s.emitted += emitted
            s.dropped += dropped
            s.resyncs += resyncs
            if last is not None:
                if s.first < 0 and emitted:
                    s.first = last
                s.last = last

    def has_room_for_a_frame(self) -> bool:
        with self._cond:
            return self._in_flight < MAX_IN_FLIGHT

    def show_frame(self, gen: int, index: int, rgb: np.ndarray) -> None:
        self._emit(gen, index, rgb_to_qimage(rgb))

    def finish_playback(self, gen: int, serial: int, last: int) -> None:
        if not self._superseded(serial):
            self.sigPlaybackFinished.emit(gen, last)

    def wait_until_due(self, serial: int, seconds: float) -> None:
        with self._cond:
            if self._superseded(serial) or self._speed_update is not None:
                return
            if seconds > 0:
                self._cond.wait(min(seconds, MAX_WAIT_S))


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
