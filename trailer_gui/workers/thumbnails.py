"""Thumbnails off the GUI thread: one ``VideoReader`` in one ``QThread``, latest request wins.

``ThumbnailSource`` works like ``workers.decoder.FrameSource``: a ``QObject`` moved to its own
``QThread`` whose ``run()`` loop owns the reader (one reader per thread), fed through a
one-slot mailbox under a ``threading.Condition``. A request names the video, the frames
wanted (in the order wanted) and the thumbnail height; a newer request replaces an older
one, also one being worked on: the loop checks the mailbox between two thumbnails, so when
the user zooms or pans quickly only the latest view is decoded.

Decoding: the frames of a request are split into runs of equal spacing and each run is read
with ``VideoReader.iter_frames(start, stop, step, size=...)``, which decodes sequentially,
only grabs the frames in between (or seeks when the gap is long) and resizes with
``INTER_AREA`` in helper threads. That is much cheaper than one random seek per thumbnail
on long-GOP H.264 (~50-230 ms each at 1080p). Thumbnails come out as ``QImage``
(``Format_RGB32``), converted here.

Proxies and the disk cache (issue #14): a request may name the video's proxy, which is read
instead (all-intra, 540 lines: each thumbnail is one small decode), and a ``ThumbCache``:
thumbnails found there are sent first, without decoding, and new ones are written to it.

``set_throttle(seconds)`` makes the loop pause that long between two thumbnails (the window
sets it while the video plays, so that thumbnails do not take the decoder's CPU).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6 import QtCore, QtGui
from PySide6.QtCore import Signal, Slot

from .decoder import rgb_to_qimage
from .mailbox import MailboxWorker


def _open_reader(path: str):
    from trailer_gui.core.proxy import PROXY_DIR, ProxyReader
    from trailer_gui.core.video_reader import VideoReader

    p = Path(path)
    if p.parent.name == PROXY_DIR and p.with_suffix(".json").is_file():
        return ProxyReader(p)
    return VideoReader(path, cache_frames=8)


@dataclass
class _Request:
    gen: int
    path: str
    frames: list[int]
    height: int
    cache: object | None = None  # a core.thumbcache.ThumbCache


def runs(frames: list[int]) -> list[tuple[int, int, int]]:
    """Split frames into ``(start, stop, step)`` runs of increasing, evenly spaced frames,
    keeping their order: ``[0, 8, 16, 40, 48]`` -> ``[(0, 17, 8), (40, 49, 8)]``."""
    out: list[tuple[int, int, int]] = []
    i = 0
    n = len(frames)
    while i < n:
        start = frames[i]
        if i + 1 < n and frames[i + 1] > start:
            step = frames[i + 1] - start
            j = i + 1
            while j + 1 < n and frames[j + 1] - frames[j] == step:
                j += 1
            out.append((start, frames[j] + 1, step))
            i = j + 1
        else:
            out.append((start, start + 1, 1))
            i += 1
    return out


class ThumbnailSource(MailboxWorker):
    """Makes thumbnails in its own thread. Create with ``ThumbnailSource.start()``.

    Signals (from the worker thread, delivered queued):

    * ``sigThumbnail(int gen, int frame, int height, QImage image)``
    * ``sigError(int gen, str message)``: the video could not be opened or read.
    """

    sigThumbnail = Signal(int, int, int, QtGui.QImage)
    sigError = Signal(int, str)

    def __init__(self, reader_factory: Callable[[str], object] | None = None):
        super().__init__()
        self._reader_factory = reader_factory or _open_reader
        self._throttle_s = 0.0
        self.made = 0  # thumbnails made (for tests and statistics)
        self.from_cache = 0  # thumbnails read from the disk cache
        self.worker_threads: set[int] = set()  # idents of the threads that decoded

    @classmethod
    def start(cls, reader_factory=None) -> "ThumbnailSource":
        if reader_factory is None:
            import trailer_gui.core.video_reader  # noqa: F401  (import on the GUI thread, see decoder)
        source = cls(reader_factory)
        source._launch("ThumbnailSource", QtCore.QThread.Priority.LowPriority)
        return source

    # ---------------------------------------------------------------- commands (any thread)
    def request(self, gen: int, path, frames: list[int], height: int, cache=None) -> None:
        """Make thumbnails ``height`` pixels high of ``frames`` of ``path``, in that order
        (replaces any older request); ``cache``: a ``ThumbCache`` read first and filled."""
        self._post(_Request(int(gen), str(path), [int(f) for f in frames], max(1, int(height)),
                            cache))

    def cancel(self) -> None:
        """Drop the pending request and stop the one in progress."""
        self._post(None)

    def set_throttle(self, seconds: float) -> None:
        with self._cond:
            self._throttle_s = max(0.0, float(seconds))
            self._cond.notify_all()

    # ---------------------------------------------------------------- the thread's loop
    @Slot()
    def run(self) -> None:
        reader, path = None, None
        try:
            while True:
                with self._cond:
                    while (self._cmd is None) and not self._quit:
                        self._cond.wait()
                    if self._quit:
                        return
                    cmd, self._cmd = self._cmd, None
                    serial = self._serial
                if cmd.cache is not None:
                    cmd = self._from_cache(cmd, serial)
                    if cmd is None:
                        continue
                if cmd.path != path:
                    if reader is not None:
                        reader.close()
                    reader, path = None, cmd.path
                    try:
                        reader = self._reader_factory(path)
                    except Exception as exc:
                        self.sigError.emit(cmd.gen, str(exc) or type(exc).__name__)
                        continue
                if reader is None:
                    continue  # this path failed to open before; reported then
                try:
                    self._make(reader, cmd, serial)
                except Exception as exc:  # a vanished or truncated file
                    self.sigError.emit(cmd.gen, str(exc) or type(exc).__name__)
        finally:
            if reader is not None:
                reader.close()

    def _superseded(self, serial: int) -> bool:
        return self._serial != serial or self._quit

    def _from_cache(self, cmd: _Request, serial: int) -> _Request | None:
        """Send the thumbnails the disk cache holds; the request for the others (or None)."""
        missing = []
        for frame in cmd.frames:
            if self._superseded(serial):
                return None
            rgb = cmd.cache.get(frame, cmd.height)
            if rgb is None:
                missing.append(frame)
            else:
                self.from_cache += 1
                self.sigThumbnail.emit(cmd.gen, frame, cmd.height, rgb_to_qimage(rgb))
        if not missing:
            return None
        return _Request(cmd.gen, cmd.path, missing, cmd.height, cmd.cache)

    def _make(self, reader, cmd: _Request, serial: int) -> None:
        info = reader.info
        n = reader.frame_count
        height = cmd.height
        width = max(1, int(round(height * info.width / max(1, info.height))))
        frames = [f for f in cmd.frames if 0 <= f < n]
        self.worker_threads.add(threading.get_ident())
        for start, stop, step in runs(frames):
            gen = reader.iter_frames(start, stop, step, size=(height, width))
            try:
                frame = start
                for rgb in gen:
                    if self._superseded(serial):
                        return
                    self.made += 1
                    if cmd.cache is not None:
                        cmd.cache.put(frame, height, rgb)
                    self.sigThumbnail.emit(cmd.gen, frame, height, rgb_to_qimage(rgb))
                    frame += step
                    with self._cond:
                        if self._throttle_s > 0 and not self._superseded(serial):
                            self._cond.wait(self._throttle_s)
                    if self._superseded(serial):
                        return
            finally:
                gen.close()
