"""What a video file is: its fingerprint, and ``probe``'s one decoding pass that counts its
frames, times them and decides whether the file is whole. ``video_reader`` reads the frames.

OpenCV decodes; PyAV only reads the container's header (``video_container``).

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
    ``probe`` and ``fingerprint`` are thread-safe. Scans are remembered per path and
    fingerprint in this process and on disk (``scan_cache_dir``).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from .errors import NoFrames, NotAVideo, TruncatedVideo, VideoEmpty, VideoError, VideoMissing
from .video_container import container_facts

__all__ = ["VideoInfo", "fingerprint", "probe"]

# Truncation tolerances (see the module docstring).
EXACT_TOLERANCE_FRAMES = 3
EXACT_TOLERANCE_FRACTION = 0.02
ESTIMATE_TOLERANCE_FRACTION = 0.10

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
class Scan:
    """What one decoding pass learnt about a file (kept per path and fingerprint); what a
    ``VideoReader`` verifies its positions against."""

    info: VideoInfo
    times: np.ndarray  # OpenCV's CAP_PROP_POS_MSEC of each decodable frame
    seekable: bool  # times strictly increasing: positions can be verified after a seek
    expected: int | None  # the container's claim, if any
    exact_claim: bool  # expected came from a frame count (not a duration)
    start_time: int | None  # the video stream's start_time and time base (for keyframes)
    time_base: float | None
    stream_index: int


_SCANS: OrderedDict[tuple[str, str], Scan] = OrderedDict()
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
    return scan_video(path, allow_truncated, progress, frame_hook).info


def scan_video(path: str | os.PathLike, allow_truncated: bool, progress=None, frame_hook=None) -> Scan:
    """``probe``, keeping what the pass learnt (frame times, keyframe stream): a
    ``VideoReader`` opens with it."""
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


def _store_scan(scan: Scan) -> None:
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


def _load_scan(p: Path, fp: str) -> Scan | None:
    import json

    try:
        with np.load(_scan_file(fp), allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            times = np.array(data["times"], dtype=np.float64)
        if meta["fingerprint"] != fp or len(times) != meta["frames"]:
            return None
        info = VideoInfo(p, int(meta["frames"]), float(meta["fps"]), int(meta["width"]),
                         int(meta["height"]), float(meta["duration"]), bool(meta["has_audio"]), fp)
        return Scan(info, times, bool(meta["seekable"]), meta["expected"],
                     bool(meta["exact_claim"]), meta["start_time"], meta["time_base"],
                     int(meta["stream_index"]))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None  # missing or unreadable: scan again


def _replace_path(scan: Scan, p: Path) -> Scan:
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


def open_capture(p: Path) -> cv2.VideoCapture:
    """OpenCV's FFmpeg capture of ``p`` (the decoder of both the scan and the reader)."""
    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
    return cap


def _scan_uncached(p: Path, fp: str, progress=None, frame_hook=None) -> Scan:
    facts = container_facts(p)
    cap = open_capture(p)
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
    return Scan(
        info=info,
        times=t,
        seekable=seekable,
        expected=facts["expected"],
        exact_claim=facts["exact"],
        start_time=facts["start_time"],
        time_base=facts["time_base"],
        stream_index=facts["stream_index"],
    )


def indices_of(times: np.ndarray, ms: np.ndarray) -> np.ndarray:
    """Index in ``times`` (a scan's frame times, ms) of each value of ``ms`` (-1 where none
    is within 0.25 frame): which frame a position or a keyframe is."""
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

