"""Frames for an export: decoding, resizing and converting overlap in threads, in order.

Exporting 1080p to 64x64 spends its time in three C calls that release the GIL: decoding
(FFmpeg), converting the decoded picture to BGR (``retrieve``) and shrinking it
(``core.downscale.area_shrink``: area averaging, about a quarter of decoding's CPU at 1080p).
``export_frames`` runs them side by side:

    decoding thread:   grab, retrieve into a recycled buffer ──► bounded queue (in order)
    convert workers:   area_shrink + BGR->RGB, then give the buffer back
    the caller:        takes each small RGB frame in order (writes it, feeds the shot detector)

The calls and their order per frame are exactly those of ``VideoReader.iter_frames(size=)``,
so the pixels are identical, bit for bit. Memory is flat: ``workers + 2`` full-size buffers
are recycled and at most ``depth`` frames wait between the stages, whatever the length.

With ``scale_in_decoder`` PyAV decodes instead (with FFmpeg's own threads) and the convert
workers let swscale shrink each frame while converting it (area averaging): no full-size BGR
frame is ever made, about 30 % less CPU per frame, pixels a little different (mean
|difference| about 1 of 255).

Leaving the ``with`` block early (the caller was cancelled, a write failed) stops the
decoding thread and the workers before it returns; an error in the decoding thread (the
video changed, decoding stopped) is raised in the caller as the reader's own exception,
naming the file.
"""

from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .downscale import area_shrink

THREAD_PREFIX = "export-"  # every thread this module starts is named so (tests look for them)
_POLL_S = 0.05  # how often a blocked stage looks whether it should stop


def default_workers() -> int:
    """Convert workers: resizing costs about as much CPU as decoding, so about half the
    cores (decoding uses the rest through FFmpeg's own threads); at least 2 (so that
    both cores of a 2-core machine can shrink while the decoder waits), at most 4."""
    return min(4, max(2, (os.cpu_count() or 2) // 2))


class _Stopped(Exception):
    """The consumer went away: the decoding thread ends quietly."""


class _End:
    """Put after the last frame (``error``: the exception that ended decoding, or None)."""

    def __init__(self, error: BaseException | None = None):
        self.error = error


@contextmanager
def export_frames(path: str | os.PathLike, frames: int, stride: int, size: tuple[int, int], *,
                  proxy: str | os.PathLike | None = None, scale_in_decoder: bool = False,
                  workers: int | None = None,
                  depth: int | None = None) -> Iterator[Iterator[np.ndarray]]:
    """``with export_frames(...) as frames:`` the video's frames 0, stride, ... < ``frames``
    as (rows, cols, 3) uint8 RGB arrays (``size=(rows, cols)``, ``area_shrink``), in order.
    ``proxy``: read that proxy (``core.proxy.ProxyReader``) instead: decoded, shrunk and
    converted in one thread, overlapping with the caller. ``scale_in_decoder``: see the
    module docstring (ignored with ``proxy``)."""
    workers = default_workers() if workers is None else max(1, int(workers))
    depth = max(2, int(depth) if depth is not None else 2 * workers + 2)
    stop = threading.Event()
    ready: queue.Queue = queue.Queue(maxsize=depth)
    rows, cols = int(size[0]), int(size[1])
    pool: ThreadPoolExecutor | None = None
    reader = None
    if proxy is not None:
        from .proxy import ProxyReader

        reader = ProxyReader(proxy)

        def decode() -> None:
            with closing(reader.iter_frames(0, frames, stride, size=(rows, cols))) as decoded:
                for rgb in decoded:
                    _put(ready, rgb, stop)
    elif scale_in_decoder:
        import av

        from .errors import VideoError

        pool = ThreadPoolExecutor(workers, thread_name_prefix=f"{THREAD_PREFIX}convert")

        def shrink(index: int, frame) -> np.ndarray:  # swscale: YUV -> RGB + shrink, one pass
            try:
                return frame.to_ndarray(width=cols, height=rows, format="rgb24",
                                        interpolation="AREA")
            except av.FFmpegError as exc:
                raise VideoError(path, f"frame {index} cannot be converted: {exc}") from None

        def decode() -> None:
            with closing(_decoded_by_pyav(Path(path), frames, stride)) as decoded:
                for index, frame in decoded:
                    _put(ready, pool.submit(shrink, index, frame), stop)
    else:
        from .video_reader import VideoReader

        reader = VideoReader(path)
        info = reader.info
        resize = (rows, cols) != (info.height, info.width)
        pool = ThreadPoolExecutor(workers, thread_name_prefix=f"{THREAD_PREFIX}convert")
        # One buffer per frame that can be in a worker or waiting for one, plus the one
        # being decoded into: the decoder never waits for a buffer while work is queued.
        free: queue.Queue = queue.Queue()
        for _ in range(workers + 2):
            free.put(np.empty((info.height, info.width, 3), np.uint8))

        def lend() -> np.ndarray:
            while True:
                try:
                    return free.get(timeout=_POLL_S)
                except queue.Empty:
                    if stop.is_set():
                        raise _Stopped from None

        def convert(bgr: np.ndarray) -> np.ndarray:
            try:  # exactly VideoReader.iter_frames(size=): shrink, then BGR -> RGB
                small = area_shrink(bgr, rows, cols) if resize else bgr
                return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
            finally:
                free.put(bgr)

        def decode() -> None:
            # closing: a stop leaves the generator at once, handing its decoder back
            with closing(reader.iter_decoded(0, frames, stride, buffer=lend)) as decoded:
                for bgr in decoded:
                    _put(ready, pool.submit(convert, bgr), stop)

    def run() -> None:
        end = _End()
        try:
            decode()
        except _Stopped:
            return
        except BaseException as exc:  # handed to the caller, raised there
            end.error = exc
        try:
            _put(ready, end, stop)
        except _Stopped:
            pass

    thread = threading.Thread(target=run, name=f"{THREAD_PREFIX}decode", daemon=True)
    thread.start()
    try:
        yield _deliver(ready)
    finally:
        stop.set()
        thread.join()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if reader is not None:
            reader.close()


def _decoded_by_pyav(path: Path, frames: int, stride: int) -> Iterator:
    """(index, ``av.VideoFrame`` not yet converted) of frames 0, stride, ... < ``frames``."""
    import av

    from .errors import VideoError

    i = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"  # frame and slice threads: decoding is sequential here
            for frame in container.decode(stream):
                if i >= frames:  # frame i would be labelled as OpenCV's i: refuse, never shift
                    raise VideoError(path, f"PyAV decodes more frames than the {frames} OpenCV "
                                           "counted; export it without scaling in the decoder")
                if i % stride == 0:  # skipped frames are decoded, never converted
                    yield i, frame
                i += 1
    except (av.FFmpegError, IndexError, ValueError) as exc:
        raise VideoError(path, f"decoding stopped at frame {i}: {exc}") from None


def _put(q: queue.Queue, item, stop: threading.Event) -> None:
    while True:
        try:
            q.put(item, timeout=_POLL_S)
            return
        except queue.Full:
            if stop.is_set():
                raise _Stopped from None


def _deliver(ready: queue.Queue) -> Iterator[np.ndarray]:
    while True:
        item = ready.get()
        if isinstance(item, _End):
            if item.error is not None:
                raise item.error
            return
        yield item.result() if isinstance(item, Future) else item


__all__ = ["THREAD_PREFIX", "default_workers", "export_frames"]
