"""Exact random access to a video's frames: ``VideoReader``.

Frame ``i`` is the i-th frame that sequential decoding from the start yields, as counted and
timed by ``video_probe.probe``'s pass (see "Frame numbering" there). After any seek the
reader checks the time of the frame it landed on against that table, so a container that
lies about frame positions cannot make ``frame(i)`` return another frame's pixels; when the
times cannot be trusted, it never seeks.

Threads
    One ``VideoReader`` per thread: a reader (and each ``iter_frames`` generator) owns one
    decoder whose position is state. Readers on the same file in different threads are
    fine.
"""

from __future__ import annotations

import operator
import os
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from .downscale import area_shrink
from .errors import VideoChanged, VideoError
from .video_container import keyframe_times
from .video_probe import Scan, VideoInfo, fingerprint, indices_of, open_capture, scan_video

__all__ = ["VideoReader"]

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024  # frames cached per reader, as RGB


def _keyframes(p: Path, scan: Scan) -> np.ndarray:
    """Frame indices where a seek can land (the container's keyframes), sorted, with 0.

    Read by demuxing with PyAV (no decoding). Empty when they cannot be matched to frames.
    """
    if not scan.seekable or scan.time_base is None:
        return np.zeros(1, np.int64)
    ms = keyframe_times(p, scan.stream_index, scan.start_time, scan.time_base)
    if ms is None:
        return np.zeros(1, np.int64)
    idx = indices_of(scan.times, ms)
    return np.unique(np.concatenate([[0], idx[idx >= 0]])).astype(np.int64)


# ----------------------------------------------------------------------------- decoding


class _Decoder:
    """One OpenCV capture and where it stands. ``cur`` is the index of the frame last
    grabbed (retrievable), -1 before the first. Every position is checked against the
    scanned timestamps after a seek."""

    # After a seek, OpenCV itself decodes from the keyframe before (target - 16).
    CV_SEEK_BACK = 16

    def __init__(self, path: Path, scan: Scan, keyframes: np.ndarray | None):
        self.path = path
        self.scan = scan
        self.frames = scan.info.frames
        self.keyframes = keyframes
        self.cap: cv2.VideoCapture | None = None
        self.cur = -1
        self.grabs = 0  # frames decoded by our grab() calls (not counting OpenCV's seeks)
        self.retrieves = 0  # frames converted to pixels
        self.seeks = 0  # CAP_PROP_POS_FRAMES seeks
        self.reopens = 0  # restarts from frame 0
        self._open()

    def _open(self) -> None:
        if self.cap is not None:
            self.cap.release()
        self.cap = open_capture(self.path)
        if not self.cap.isOpened():
            raise _changed_or(self.path, self.scan, "cannot be opened any more")
        self.cur = -1

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()
            self.cap = None

    def grab(self) -> None:
        """Decode the next frame."""
        self.grabs += 1
        if not self.cap.grab():
            raise _changed_or(self.path, self.scan, f"decoding stopped at frame {self.cur + 1}")
        self.cur += 1

    def retrieve(self, out: np.ndarray | None = None) -> np.ndarray:
        """The current frame as BGR: a fresh array, or ``out`` (H, W, 3 uint8) filled in
        place (no 6 MB allocation, and its page faults, per 1080p frame)."""
        self.retrieves += 1
        ok, bgr = self.cap.retrieve(out) if out is not None else self.cap.retrieve()
        if not ok or bgr is None:
            raise _changed_or(self.path, self.scan, f"frame {self.cur} cannot be converted")
        return bgr

    def _here(self) -> int:
        """Which frame the capture's last grab returned, from its timestamp (-1: unknown)."""
        ms = self.cap.get(cv2.CAP_PROP_POS_MSEC)
        return int(indices_of(self.scan.times, np.array([ms]))[0])

    def forward_is_cheaper(self, target: int) -> bool:
        """Whether grabbing forward from ``cur`` to ``target`` beats a seek."""
        gap = target - self.cur
        if gap <= 0:
            return False
        if not self.scan.seekable or gap <= 24:
            return True
        kf = self.keyframes
        if kf is None or len(kf) <= 1:
            return gap <= 48
        # A seek near ``target`` decodes from the keyframe OpenCV lands on; if we are
        # already past it, reading on is never worse.
        landing = kf[np.searchsorted(kf, max(0, target - self.CV_SEEK_BACK - 8), "right") - 1]
        return self.cur + 1 >= landing

    def land_at_or_before(self, target: int) -> None:
        """Leave ``cur`` at a verified frame <= ``target``, as close as cheaply possible."""
        if self.cur <= target and self.forward_is_cheaper(target) or self.cur == target:
            return
        if self.scan.seekable and target > 0:
            back = 0
            for _attempt in range(4):
                s = max(0, target - back)
                if s == 0:
                    break
                self.seeks += 1
                self.cap.set(cv2.CAP_PROP_POS_FRAMES, float(s))
                self.grabs += 1
                if self.cap.grab():
                    j = self._here()
                    if 0 <= j <= target:
                        self.cur = j
                        return
                # Landed after the target or somewhere unknown: try from further back.
                back = max(2 * back, 32)
        # Restart from the beginning: decoding from frame 0 is what the scan did.
        self.reopens += 1
        self._open()


def _changed_or(path: Path, scan: Scan, what: str) -> VideoError:
    try:
        if fingerprint(path) != scan.info.fingerprint:
            return VideoChanged(path)
    except VideoError as e:
        return e
    return VideoError(path, what)


class VideoReader:
    """Random access to the frames of one video, exactly as sequential decoding gives them.

    ``frame(i)`` returns (H, W, 3) uint8 RGB, C-contiguous and **read-only** (it may be
    shared with the cache: copy it to draw on it). Strategy: the next frame, or one a
    little ahead, is decoded forward (``grab`` for the skipped ones); further away the
    reader seeks a few frames before ``i`` and verifies where it landed by the frame's
    timestamp; stepping backwards decodes a block of frames before ``i`` once and caches
    them all, so each step back is then a cache hit.

    ``cache_frames``: how many decoded frames to keep (LRU); default: as many as fit in
    256 MiB (43 at 1080p, 1024 at most). One reader per thread (see the module docstring).
    """

    LOOKBACK = 8  # frames decoded (and cached) before the target of a random seek
    MAX_BLOCK = 64  # frames decoded at once when stepping backwards

    def __init__(
        self,
        path: str | os.PathLike,
        cache_frames: int | None = None,
        *,
        allow_truncated: bool = False,
    ):
        self._closed = True
        self.path = Path(path)
        self._scan = scan_video(self.path, allow_truncated)
        self.info: VideoInfo = self._scan.info
        frame_bytes = max(1, self.info.width * self.info.height * 3)
        if cache_frames is None:
            cache_frames = min(1024, max(8, DEFAULT_CACHE_BYTES // frame_bytes))
        self.cache_frames = max(1, int(cache_frames))
        # After a backward block the decoder stands at i, so stepping forward again is cheap:
        # the block can fill most of the cache.
        self._block = max(1, min(self.MAX_BLOCK, self.cache_frames * 3 // 4))
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._keyframes: np.ndarray | None = None
        # The decoder behind frame(); None while lent to an iter_frames generator.
        self._dec: _Decoder | None = _Decoder(self.path, self._scan, None)
        self._closed = False
        self._stats = {"grabs": 0, "retrieves": 0, "seeks": 0, "reopens": 0, "cache_hits": 0}

    # -- basics
    @property
    def frame_count(self) -> int:
        return self.info.frames

    def __len__(self) -> int:
        return self.info.frames

    def timestamps(self) -> np.ndarray:
        """Presentation time of each frame in seconds from the first (read-only array)."""
        t = (self._scan.times - self._scan.times[0]) / 1000.0
        t.flags.writeable = False
        return t

    @property
    def stats(self) -> dict:
        """Work done by ``frame()`` so far: frames grabbed (decoded by us; OpenCV's seeks
        decode more), frames converted, seeks, restarts from 0, cache hits."""
        return dict(self._stats)

    def close(self) -> None:
        self._closed = True
        if self._dec is not None:
            self._dec.close()
            self._dec = None
        self._cache.clear()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _index(self, i) -> int:
        i = operator.index(i)
        if not 0 <= i < self.info.frames:
            raise IndexError(f"frame {i} out of range: {self.path} has {self.info.frames} frames")
        return i

    def _keyframe_table(self) -> np.ndarray | None:
        if self._keyframes is None and self._scan.seekable:
            self._keyframes = _keyframes(self.path, self._scan)
        return self._keyframes

    def _decoder(self) -> _Decoder:
        if self._closed:
            raise ValueError(f"{self.path}: the reader is closed")
        if self._dec is None:  # lent to a generator that is still running: use another
            self._dec = _Decoder(self.path, self._scan, None)
        if self._dec.keyframes is None:
            self._dec.keyframes = self._keyframe_table()
        return self._dec

    # -- random access
    def frame(self, i: int) -> np.ndarray:
        i = self._index(i)
        hit = self._cache.get(i)
        if hit is not None:
            self._cache.move_to_end(i)
            self._stats["cache_hits"] += 1
            return hit
        d = self._decoder()
        before = (d.grabs, d.retrieves, d.seeks, d.reopens)
        try:
            self._decode_to(d, i)
        finally:
            s = self._stats
            s["grabs"] += d.grabs - before[0]
            s["retrieves"] += d.retrieves - before[1]
            s["seeks"] += d.seeks - before[2]
            s["reopens"] += d.reopens - before[3]
        return self._cache[i]

    def _decode_to(self, d: _Decoder, i: int) -> None:
        lookback = min(self.LOOKBACK, self.cache_frames - 1)
        if d.cur < i and d.forward_is_cheaper(i):
            first_kept = max(d.cur + 1, i - lookback)
        else:
            if i < d.cur and i >= d.cur - 4 * self._block:
                first_kept = max(0, i - self._block + 1)  # stepping back: a whole block
            else:
                first_kept = max(0, i - lookback)  # a jump: a few frames before i
            d.land_at_or_before(first_kept)
            if d.cur > first_kept:  # cannot happen (land_at_or_before) but be safe
                d.land_at_or_before(0)
        # Decode forward to i; keep [first_kept, i].
        if d.cur >= first_kept:
            self._keep(d.cur, d.retrieve())
        while d.cur < i:
            d.grab()
            if d.cur >= first_kept:
                self._keep(d.cur, d.retrieve())

    def _keep(self, index: int, bgr: np.ndarray) -> None:
        if index in self._cache:
            self._cache.move_to_end(index)
            return
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        self._cache[index] = rgb
        while len(self._cache) > self.cache_frames:
            self._cache.popitem(last=False)

    # -- sequential
    def iter_frames(
        self,
        start: int = 0,
        stop: int | None = None,
        step: int = 1,
        size: tuple[int, int] | None = None,
    ) -> Iterator[np.ndarray]:
        """Frames start, start+step, ... < stop in order, decoded sequentially. Skipped
        frames are only grabbed (decoded, not converted). ``size=(rows, cols)`` shrinks with
        ``core.downscale.area_shrink`` (area averaging). Each frame is a new, writable,
        C-contiguous (rows, cols, 3) uint8 RGB array; the cache is not touched.

        If the decoder behind ``frame()`` stands at or a little before ``start`` (e.g. a
        paused player), the generator borrows it and starts without a seek, and gives it
        back, standing after the last frame, when it ends or is closed; ``frame()`` calls
        meanwhile use a decoder of their own. Otherwise the generator opens its own."""
        n = self.info.frames
        stop = n if stop is None else min(operator.index(stop), n)
        start = operator.index(start)
        step = operator.index(step)
        if step < 1:
            raise ValueError(f"step must be >= 1, not {step}")
        if not 0 <= start:
            raise IndexError(f"start {start} < 0")
        if size is not None:
            rows, cols = int(size[0]), int(size[1])
            if rows < 1 or cols < 1:
                raise ValueError(f"size must be positive, not {size}")
        if self._closed:
            raise ValueError(f"{self.path}: the reader is closed")
        return self._iter(start, stop, step, None if size is None else (rows, cols))

    def iter_decoded(
        self,
        start: int = 0,
        stop: int | None = None,
        step: int = 1,
        buffer: Callable[[], np.ndarray] | None = None,
    ) -> Iterator[np.ndarray]:
        """``iter_frames`` without resizing or converting: frames as the decoder gives them,
        (H, W, 3) uint8 **BGR**. ``buffer()``, if given, lends the array each frame is
        retrieved into (the caller recycles them, so a long decode allocates nothing per
        frame); otherwise each frame is a fresh array. Same decoder borrowing as
        ``iter_frames``; used by a decoding thread (``core.frame_pipeline``)."""
        n = self.info.frames
        stop = n if stop is None else min(operator.index(stop), n)
        start, step = operator.index(start), operator.index(step)
        if step < 1:
            raise ValueError(f"step must be >= 1, not {step}")
        if not 0 <= start:
            raise IndexError(f"start {start} < 0")
        if self._closed:
            raise ValueError(f"{self.path}: the reader is closed")
        return self._iter_decoded(start, stop, step, buffer)

    def _iter_decoded(self, start, stop, step, buffer) -> Iterator[np.ndarray]:
        if start >= stop or self._closed:
            return
        keyframes = self._keyframe_table()
        d = self._dec
        if d is not None and (d.cur == start or (d.cur < start and d.forward_is_cheaper(start))):
            self._dec = None  # lent: see iter_frames
            if d.keyframes is None:
                d.keyframes = keyframes
        else:
            d = _Decoder(self.path, self._scan, keyframes)
        try:
            for i in range(start, stop, step):
                if d.cur < i - 1 and not d.forward_is_cheaper(i):
                    d.land_at_or_before(i)  # far ahead (a large step): seek
                while d.cur < i:
                    d.grab()
                yield d.retrieve(buffer() if buffer is not None else None)
        finally:
            if self._dec is None and not self._closed and d.cap is not None:
                self._dec = d  # hand the decoder (standing after our last frame) back
            else:
                d.close()

    def _iter(self, start, stop, step, size) -> Iterator[np.ndarray]:
        resize = size is not None and size != (self.info.height, self.info.width)
        # Resizing with INTER_AREA costs about as much as decoding (a single-threaded
        # 15 ms for 1080p -> 64x64): done in worker threads while the next frames decode
        # (OpenCV releases the GIL). Same calls, same pixels; order is kept.
        workers = min(4, max(1, (os.cpu_count() or 2) // 2)) if resize else 0
        pool = ThreadPoolExecutor(workers, thread_name_prefix="resize") if workers else None
        pending: deque = deque()
        decoded = self._iter_decoded(start, stop, step, None)
        try:
            for bgr in decoded:
                if pool is None:
                    yield _to_rgb(bgr, size if resize else None)
                    continue
                pending.append(pool.submit(_to_rgb, bgr, size))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            if pool is not None:
                for f in pending:
                    f.cancel()
                pool.shutdown(wait=True)
            decoded.close()  # hands the decoder back now, not when garbage-collected


def _to_rgb(bgr: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if size is not None:
        bgr = area_shrink(bgr, size[0], size[1])
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
