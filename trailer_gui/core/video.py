"""Reading video files: probing, fingerprints and exact random access to frames.

OpenCV decodes; PyAV only reads the container's header (streams, audio, claimed frame
count, keyframe positions), which OpenCV cannot report.

Frame numbering
    Frame ``i`` is the i-th frame that sequential decoding from the start yields: the number
    of frames is the number of *decodable* frames, counted once by grabbing (``probe``).
    During that pass the presentation time OpenCV reports for each frame is recorded; after
    any seek the reader checks the time of the frame it landed on against that table, so a
    container that lies about frame positions (variable frame rate, broken index) cannot
    make ``frame(i)`` return another frame's pixels. When the times cannot be trusted (not
    strictly increasing, e.g. missing timestamps), the reader never seeks: it decodes
    forward, restarting from frame 0 when it has to go back.

Truncation rule (``probe``)
    The container's claim is its own frame count when it states one (MP4 does), else the
    video stream's (or the file's) duration times the frame rate. A file is *truncated* when
    decoding yields fewer frames than claimed by more than max(3 frames, 2%) of an exact
    count, or by more than 10% of a duration-based estimate (durations are rounded and may
    include a longer audio track). ``allow_truncated=True`` accepts such files with the
    readable count. An MP4 cut short before its index (``moov``) was written cannot be
    parsed at all: that is reported as ``NotAVideo`` with the reason.

Threads
    One ``VideoReader`` per thread: a reader (and each ``iter_frames`` generator) owns one
    decoder whose position is state. Readers on the same file in different threads are
    fine. ``probe`` and ``fingerprint`` are thread-safe.
"""

from __future__ import annotations

import hashlib
import math
import operator
import os
import threading
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from .errors import (
    NoFrames,
    NotAVideo,
    NoVideoStream,
    TruncatedVideo,
    VideoChanged,
    VideoEmpty,
    VideoError,
    VideoMissing,
)

__all__ = ["VideoInfo", "VideoReader", "fingerprint", "probe"]

# Truncation tolerances (see the module docstring).
EXACT_TOLERANCE_FRAMES = 3
EXACT_TOLERANCE_FRACTION = 0.02
ESTIMATE_TOLERANCE_FRACTION = 0.10

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024  # frames cached per reader, as RGB
_FINGERPRINT_CHUNK = 64 * 1024


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    frames: int  # decodable frames
    fps: float
    width: int
    height: int
    duration: float  # seconds: frames / fps
    has_audio: bool
    fingerprint: str


def fingerprint(path: str | os.PathLike) -> str:
    """A cheap identity of the file's content: size, mtime (ns) and a hash of its first and
    last 64 KiB. Replacing or editing the file changes it (in practice)."""
    p = Path(path)
    try:
        st = p.stat()
        h = hashlib.blake2b(digest_size=12)
        with open(p, "rb") as f:
            h.update(f.read(_FINGERPRINT_CHUNK))
            if st.st_size > _FINGERPRINT_CHUNK:
                f.seek(max(_FINGERPRINT_CHUNK, st.st_size - _FINGERPRINT_CHUNK))
                h.update(f.read(_FINGERPRINT_CHUNK))
    except FileNotFoundError:
        raise VideoMissing(p) from None
    except IsADirectoryError:
        raise NotAVideo(p, "it is a folder") from None
    except PermissionError:
        raise VideoError(p, "permission denied") from None
    return f"v1:{st.st_size}:{st.st_mtime_ns}:{h.hexdigest()}"


# ----------------------------------------------------------------------------- probing


@dataclass(frozen=True)
class _Scan:
    """What one decoding pass learnt about a file (kept per path and fingerprint)."""

    info: VideoInfo
    times: np.ndarray  # OpenCV's CAP_PROP_POS_MSEC of each decodable frame
    seekable: bool  # times strictly increasing: positions can be verified after a seek
    expected: int | None  # the container's claim, if any
    exact_claim: bool  # expected came from a frame count (not a duration)
    start_time: int | None  # the video stream's start_time and time base (for keyframes)
    time_base: float | None
    stream_index: int


_SCANS: OrderedDict[tuple[str, str], _Scan] = OrderedDict()
_SCANS_MAX = 32
_SCANS_LOCK = threading.Lock()


def probe(
    path: str | os.PathLike,
    *,
    allow_truncated: bool = False,
    progress: Callable[[int, int], object] | None = None,
    frame_hook: Callable[[np.ndarray], object] | None = None,
) -> VideoInfo:
    """Check a video file and describe it. Decodes the whole video once (by grabbing; about
    as fast as plain decoding: seconds for a trailer), remembered per path and fingerprint
    for this process, so a ``VideoReader`` opened afterwards starts at once.

    ``progress(done_frames, expected_frames)`` is called every 64 frames during that pass
    and once at its end (expected: the container's claim, at least done); if it raises
    (e.g. ``Cancelled``), the pass stops and the error propagates. ``Progress.update`` from
    ``core.progress`` fits.

    ``frame_hook(bgr)``, if given, sees every decoded frame of that pass in order ((H, W, 3)
    uint8 **BGR**, a fresh array per frame that the hook may keep, e.g. to encode it in
    another thread as ``core.proxy`` does), e.g. to detect shot cuts without decoding twice; with a hook the file is always decoded (the remembered scan is replaced). If a
    frame cannot be converted the hook is not called again (count its calls); if the hook
    raises, the pass stops like it does for ``progress``.

    Raises ``VideoMissing``, ``VideoEmpty``, ``NotAVideo``, ``NoVideoStream``, ``NoFrames``
    or ``TruncatedVideo`` (unless ``allow_truncated``; then ``frames`` is the readable
    count), each naming the file and why.
    """
    return _scan(path, allow_truncated, progress, frame_hook).info


def _scan(path: str | os.PathLike, allow_truncated: bool, progress=None, frame_hook=None) -> _Scan:
    p = Path(path)
    _check_file(p)
    fp = fingerprint(p)
    key = (str(p.resolve()), fp)
    scan = None
    if frame_hook is None:
        with _SCANS_LOCK:
            scan = _SCANS.get(key)
            if scan is not None:
                _SCANS.move_to_end(key)
        if scan is None:
            scan = _load_scan(p, fp)
    if scan is None:
        scan = _scan_uncached(p, fp, progress, frame_hook)
        _store_scan(scan)
    with _SCANS_LOCK:
        if key not in _SCANS or frame_hook is not None:
            _SCANS[key] = scan
        while len(_SCANS) > _SCANS_MAX:
            _SCANS.popitem(last=False)
    if scan.info.path != p:  # same file reached by another spelling: report the caller's
        scan = _replace_path(scan, p)
    if not allow_truncated and _is_truncated(scan.info.frames, scan.expected, scan.exact_claim):
        raise TruncatedVideo(p, scan.info.frames, scan.expected)
    return scan


def scan_cache_dir() -> Path:
    """Where scans outlive the process: opening a trailer again (the next day, in another
    process) must not decode it whole again. ``TRAILER_GUI_CACHE`` overrides the place."""
    root = os.environ.get("TRAILER_GUI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "trailer-gui"
    )
    return Path(root) / "scans"


def _scan_file(fp: str) -> Path:
    return scan_cache_dir() / (hashlib.blake2b(fp.encode(), digest_size=16).hexdigest() + ".npz")


def _store_scan(scan: _Scan) -> None:
    """Keep the scan on disk, keyed by the file's fingerprint (no pickle: JSON + an array)."""
    import json

    meta = {
        "frames": scan.info.frames, "fps": scan.info.fps, "width": scan.info.width,
        "height": scan.info.height, "duration": scan.info.duration,
        "has_audio": scan.info.has_audio, "fingerprint": scan.info.fingerprint,
        "seekable": scan.seekable, "expected": scan.expected, "exact_claim": scan.exact_claim,
        "start_time": scan.start_time, "time_base": scan.time_base,
        "stream_index": scan.stream_index,
    }
    target = _scan_file(scan.info.fingerprint)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.savez(fh, times=np.asarray(scan.times, dtype=np.float64),
                     meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only or full cache only costs a rescan next time
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def _load_scan(p: Path, fp: str) -> _Scan | None:
    import json

    try:
        with np.load(_scan_file(fp), allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            times = np.array(data["times"], dtype=np.float64)
        if meta["fingerprint"] != fp or len(times) != meta["frames"]:
            return None
        info = VideoInfo(p, int(meta["frames"]), float(meta["fps"]), int(meta["width"]),
                         int(meta["height"]), float(meta["duration"]), bool(meta["has_audio"]), fp)
        return _Scan(info, times, bool(meta["seekable"]), meta["expected"],
                     bool(meta["exact_claim"]), meta["start_time"], meta["time_base"],
                     int(meta["stream_index"]))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None  # missing or unreadable: scan again


def _replace_path(scan: _Scan, p: Path) -> _Scan:
    from dataclasses import replace

    return replace(scan, info=replace(scan.info, path=p))


def _is_truncated(readable: int, expected: int | None, exact: bool) -> bool:
    if not expected or readable >= expected:
        return False
    missing = expected - readable
    if exact:
        return missing > max(EXACT_TOLERANCE_FRAMES, EXACT_TOLERANCE_FRACTION * expected)
    return missing > ESTIMATE_TOLERANCE_FRACTION * expected


def _check_file(p: Path) -> None:
    try:
        st = p.stat()
    except FileNotFoundError:
        raise VideoMissing(p) from None
    except PermissionError:
        raise VideoError(p, "permission denied") from None
    if p.is_dir():
        raise NotAVideo(p, "it is a folder")
    if st.st_size == 0:
        raise VideoEmpty(p)
    if not os.access(p, os.R_OK):
        raise VideoError(p, "permission denied")


_STILL_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe")
_TEXT_FORMATS = ("tty",)  # FFmpeg shows text files as "ANSI art" video: not a video to us
_TEXT_CODECS = ("ansi", "text", "srt", "subrip", "ass", "webvtt")


def _container_facts(p: Path) -> dict:
    """Read the container's header with PyAV: streams, audio, the claimed frame count."""
    import av  # imported here: not needed by the rest of the module

    try:
        container = av.open(str(p), metadata_errors="ignore")
    except FileNotFoundError:
        raise VideoMissing(p) from None
    except PermissionError:
        raise VideoError(p, "permission denied") from None
    except av.error.FFmpegError as e:
        raise NotAVideo(p, _why_unparseable(p, e)) from None
    try:
        fmt = container.format.name or ""
        if any(f in fmt.split(",") for f in _TEXT_FORMATS):
            raise NotAVideo(p, "it looks like a text file")
        if any(f in fmt.split(",") for f in _STILL_FORMATS):
            raise NotAVideo(p, "it is a still image")
        videos = [
            s
            for s in container.streams.video
            if not (int(s.disposition) & 1024)  # AV_DISPOSITION_ATTACHED_PIC: cover art
        ]
        if not videos:
            kinds = sorted({s.type for s in container.streams})
            if container.streams.video:
                kinds.append("cover art")
            found = ", ".join(kinds) if kinds else "no streams at all"
            raise NoVideoStream(p, f"found: {found}")
        vs = videos[0]
        codec = vs.codec_context.name if vs.codec_context is not None else "?"
        if codec in _TEXT_CODECS:
            raise NotAVideo(p, "it looks like a text file")
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        fps = float(rate) if rate else 0.0
        tb = float(vs.time_base) if vs.time_base else None
        expected, exact = None, False
        if vs.frames and vs.frames > 0:
            expected, exact = int(vs.frames), True
        elif fps > 0:
            if vs.duration and tb:
                expected = int(round(vs.duration * tb * fps))
            elif container.duration:
                expected = int(round(container.duration / 1_000_000 * fps))
        return {
            "codec": codec,
            "fps": fps,
            "has_audio": bool(container.streams.audio),
            "expected": expected if expected else None,
            "exact": exact,
            "start_time": vs.start_time,
            "time_base": tb,
            "stream_index": vs.index,
        }
    finally:
        container.close()


def _why_unparseable(p: Path, e: Exception) -> str:
    try:
        with open(p, "rb") as f:
            head = f.read(12)
    except OSError:
        head = b""
    if head[4:8] == b"ftyp":
        return "an MP4/MOV without its index (moov box): cut short or still being written"
    msg = getattr(e, "strerror", None) or str(e)
    return f"FFmpeg: {msg}" if msg else "FFmpeg cannot read it"


def _open_capture(p: Path) -> cv2.VideoCapture:
    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
    return cap


def _scan_uncached(p: Path, fp: str, progress=None, frame_hook=None) -> _Scan:
    facts = _container_facts(p)
    cap = _open_capture(p)
    try:
        if not cap.isOpened():
            raise NoFrames(p, f"OpenCV cannot open its {facts['codec']} video stream")
        fps = facts["fps"]
        cv_fps = cap.get(cv2.CAP_PROP_FPS)
        if not fps > 0 and cv_fps > 0 and math.isfinite(cv_fps):
            fps = float(cv_fps)
        if not fps > 0:
            fps = 25.0  # no rate anywhere (rare): assume 25
        times: list[float] = []
        shape = None
        pos_msec = cv2.CAP_PROP_POS_MSEC
        grab, get = cap.grab, cap.get
        if grab():
            ok, first = cap.retrieve()
            if not ok or first is None:
                raise NoFrames(p, "the first frame cannot be converted")
            shape = first.shape
            times.append(get(pos_msec))
            expected = facts["expected"] or 0
            if frame_hook is not None:
                frame_hook(first)
                retrieve = cap.retrieve
            while grab():
                times.append(get(pos_msec))
                if frame_hook is not None:
                    ok, bgr = retrieve()
                    if ok and bgr is not None:
                        frame_hook(bgr)
                    else:  # counted (decodable) but not convertible: the hook stops here
                        frame_hook = None
                if progress is not None and len(times) % 64 == 0:
                    progress(len(times), max(expected, len(times)))
    finally:
        cap.release()
    frames = len(times)
    if progress is not None and frames:
        progress(frames, frames)
    if frames == 0:
        claim = f"the container claims {facts['expected']}" if facts["expected"] else None
        raise NoFrames(p, claim)
    t = np.asarray(times, dtype=np.float64)
    t.flags.writeable = False
    seekable = bool(frames == 1 or np.all(np.diff(t) > 0))
    info = VideoInfo(
        path=p,
        frames=frames,
        fps=fps,
        width=int(shape[1]),
        height=int(shape[0]),
        duration=frames / fps,
        has_audio=facts["has_audio"],
        fingerprint=fp,
    )
    return _Scan(
        info=info,
        times=t,
        seekable=seekable,
        expected=facts["expected"],
        exact_claim=facts["exact"],
        start_time=facts["start_time"],
        time_base=facts["time_base"],
        stream_index=facts["stream_index"],
    )


def _keyframes(p: Path, scan: _Scan) -> np.ndarray:
    """Frame indices where a seek can land (the container's keyframes), sorted, with 0.

    Read by demuxing with PyAV (no decoding). Empty when they cannot be matched to frames.
    """
    if not scan.seekable or scan.time_base is None:
        return np.zeros(1, np.int64)
    import av

    start = scan.start_time or 0
    ms = []
    try:
        with av.open(str(p), metadata_errors="ignore") as c:
            stream = c.streams[scan.stream_index]
            for packet in c.demux(stream):
                if packet.is_keyframe and packet.pts is not None:
                    ms.append((packet.pts - start) * scan.time_base * 1000.0)
    except Exception:  # keyframes only make seeking cheaper; never fail on them
        return np.zeros(1, np.int64)
    idx = _indices_of(scan.times, np.asarray(ms, np.float64))
    return np.unique(np.concatenate([[0], idx[idx >= 0]])).astype(np.int64)


def _indices_of(times: np.ndarray, ms: np.ndarray) -> np.ndarray:
    """Index in ``times`` of each value of ``ms`` (-1 where none is within 0.25 frame)."""
    n = len(times)
    if n == 0 or len(ms) == 0:
        return np.full(len(ms), -1, np.int64)
    j = np.clip(np.searchsorted(times, ms), 1, max(1, n - 1)) if n > 1 else np.zeros(len(ms), np.int64)
    if n > 1:
        left = times[j - 1]
        right = times[j]
        j = np.where(np.abs(ms - left) <= np.abs(ms - right), j - 1, j)
    step = float(np.min(np.diff(times))) if n > 1 else 1.0
    tol = max(1e-3, 0.25 * step)
    return np.where(np.abs(times[j] - ms) <= tol, j, -1).astype(np.int64)


# ----------------------------------------------------------------------------- decoding


class _Decoder:
    """One OpenCV capture and where it stands. ``cur`` is the index of the frame last
    grabbed (retrievable), -1 before the first. Every position is checked against the
    scanned timestamps after a seek."""

    # After a seek, OpenCV itself decodes from the keyframe before (target - 16).
    CV_SEEK_BACK = 16

    def __init__(self, path: Path, scan: _Scan, keyframes: np.ndarray | None):
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
        self.cap = _open_capture(self.path)
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
        return int(_indices_of(self.scan.times, np.array([ms]))[0])

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


def _changed_or(path: Path, scan: _Scan, what: str) -> VideoError:
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
        self._scan = _scan(self.path, allow_truncated)
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
        frames are only grabbed (decoded, not converted). ``size=(rows, cols)`` resizes with
        ``cv2.INTER_AREA``. Each frame is a new, writable, C-contiguous (rows, cols, 3)
        uint8 RGB array; the cache is not touched.

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
        bgr = cv2.resize(bgr, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
