"""Proxies: a small, seek-friendly copy of each video, used while scrubbing and playing fast.

Video editors show a *proxy* while the user drags the playhead and decode the original only
where full quality matters. A project keeps one proxy per video in ``proxies/``:

* ``proxies/<id>.mp4``: H.264, **every frame a keyframe** (all-intra, x264 ``ultrafast``,
  CRF 23), ``yuv420p``, the same frames in the same order as the source decodes (frame ``i``
  of the proxy is frame ``i`` of the source), at the source's frame rate (constant:
  presentation time ``i / fps``). Size: the source divided by the whole number ``k`` that
  brings it nearest to 480 lines, never upscaled (1080p -> 960x540, 720p -> 640x360,
  480p and smaller: as is), then cut to even numbers of pixels.
* ``proxies/<id>.json``: what it was made from (the source's fingerprint, frame count, fps,
  size) and the proxy's own byte count. It is written last: a proxy without it, or whose
  numbers do not match, is *stale* or *broken* and gets made again. Both are written to
  temporary names and renamed when complete. Deleting ``proxies/`` loses nothing.

Why all-intra H.264 (measured on a 1080p H.264 trailer with grain shrunk to 854x480, 2 shared
cores, Dec 2026), per frame: all-intra x264 ultrafast CRF 23 ~4 KiB, random seek + decode
2.7 ms median; JPEG files (quality 75-85) 18-27 KiB, 1.5 ms; OpenCV's MJPEG AVI 12 KiB but
34 ms a seek (OpenCV seeks by decoding forward); x264 with a GOP of 12 ~4 KiB, 6 ms median
but 27 ms p95. All-intra is small *and* its worst seek is one frame's decode. At 960x540
(the size used) it is ~5.5 KiB a frame and seeks in ~1.5-3 ms.

Downscaling by a whole factor uses OpenCV's fast ``INTER_AREA`` path (2.2 ms per 1080p
frame against ~80 ms for an uneven 1080 -> 480 area resize on a loaded machine), so the proxy
can be made inside the pass that adds a video (``core.video_probe.probe``'s ``frame_hook``)
instead of decoding the source twice: the hook only queues each decoded frame; shrinking,
conversion and encoding (~4.5 ms of CPU a 1080p frame, against ~11 ms for decoding and shot
detection) run in a thread of their own, beside the decoding.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from .downscale import area_shrink
from .errors import VideoError
from .project_layout import PROXY_DIR

__all__ = [
    "PROXY_DIR", "ProxyRecorder", "ProxyReader", "ProxyState", "chain_hooks", "make_proxy",
    "proxy_files", "proxy_geometry", "proxy_state", "remove_proxy", "valid_proxy",
]

PROXY_LINES = 480
FORMAT_VERSION = 1
CRF = 23  # 960x540 all-intra: ~5 KiB a frame on grainy film (CRF 20: ~12 KiB), same CPU
_QUEUE_FRAMES = 8  # decoded frames waiting for the encoder thread (6 MB each at 1080p)


def proxy_geometry(width: int, height: int, lines: int = PROXY_LINES) -> tuple[int, int, int]:
    """``(k, proxy_width, proxy_height)``: the whole factor ``k`` that brings ``height``
    nearest to ``lines`` (at least 1: never upscaled) and the even size after dividing."""
    k = max(1, int(round(height / lines)))
    return k, max(2, (width // k) // 2 * 2), max(2, (height // k) // 2 * 2)


def shrink(bgr: np.ndarray, k: int, width: int, height: int) -> np.ndarray:
    """``bgr`` divided by ``k`` with area averaging, cut to ``(height, width)``."""
    if k > 1:
        h, w = bgr.shape[:2]
        src = bgr[: h // k * k, : w // k * k]  # whole multiples: OpenCV's fast area path
        bgr = cv2.resize(src, (w // k, h // k), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr[:height, :width])


def proxy_files(folder: str | os.PathLike, video_id: int) -> tuple[Path, Path]:
    """``(proxies/<id>.mp4, proxies/<id>.json)`` in the project folder ``folder``."""
    d = Path(folder) / PROXY_DIR
    return d / f"{int(video_id)}.mp4", d / f"{int(video_id)}.json"


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class ProxyState:
    """``state``: ``"ok"``, ``"missing"``, ``"stale"`` (made from another version of the
    file) or ``"broken"`` (unreadable, cut short, from another format version)."""

    state: str
    path: Path
    why: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def _read_meta(meta_path: Path) -> dict | None:
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def proxy_state(folder, video) -> ProxyState:
    """Whether ``video`` (a ``store.Video``) has a usable proxy in project ``folder``.
    Cheap (two ``stat``s and a small JSON): no decoding."""
    mp4, meta_path = proxy_files(folder, video.id)
    if not mp4.exists() and not meta_path.exists():
        return ProxyState("missing", mp4)
    meta = _read_meta(meta_path)
    if not isinstance(meta, dict):
        return ProxyState("broken", mp4, "its description is missing or unreadable")
    if meta.get("version") != FORMAT_VERSION:
        return ProxyState("broken", mp4, f"format version {meta.get('version')}")
    if meta.get("source_fingerprint") != video.fingerprint:
        return ProxyState("stale", mp4, "the video changed since it was made")
    if meta.get("frames") != video.frames:
        return ProxyState("stale", mp4, f"{meta.get('frames')} frames, the video has {video.frames}")
    try:
        size = mp4.stat().st_size
    except OSError:
        return ProxyState("broken", mp4, "its video file is missing")
    if size != meta.get("bytes"):
        return ProxyState("broken", mp4, f"{size} bytes, {meta.get('bytes')} were written")
    return ProxyState("ok", mp4)


def remove_proxy(folder, video_id: int) -> None:
    """Delete a video's proxy and its cached thumbnails (e.g. when the video leaves the
    project, so that a later video given the same id never meets them)."""
    import shutil

    for path in proxy_files(folder, video_id):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
    thumbs = Path(folder) / PROXY_DIR / "thumbs"
    if thumbs.is_dir():
        for d in thumbs.glob(f"{int(video_id)}-*"):
            shutil.rmtree(d, ignore_errors=True)


def valid_proxy(folder, video) -> Path | None:
    """The proxy file of ``video`` if it is usable, else None (never raises)."""
    try:
        s = proxy_state(folder, video)
    except Exception:
        return None
    return s.path if s.ok else None


# --------------------------------------------------------------------------- writing


def _source_rate(path: Path) -> Fraction | None:
    """The source's frame rate from its header (what ``probe`` uses), as an exact fraction."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as c:
            vs = c.streams.video[0]
            rate = vs.average_rate or vs.guessed_rate or vs.base_rate
            return Fraction(rate) if rate else None
    except Exception:
        return None


class ProxyRecorder:
    """Writes a proxy from frames fed in decoding order, e.g. as ``probe``'s frame hook.

    ``feed(bgr)`` never raises: a proxy is a convenience, so when it cannot be written (a
    full disk, an encoder error) the recorder only remembers why (``error``) and the video
    is added without one; the background job makes it later. Use as a context manager: on
    leaving without ``commit`` the temporary file is removed.
    """

    def __init__(self, folder: str | os.PathLike, source: str | os.PathLike):
        self.folder = Path(folder)
        self.source = Path(source)
        self.frames = 0
        self.error: str | None = None
        self._rate = _source_rate(self.source) or Fraction(25)
        d = self.folder / PROXY_DIR
        self._tmp = d / f".part-{os.getpid()}-{threading.get_ident()}-{id(self)}.mp4"
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._thread: threading.Thread | None = None
        self._geometry: tuple[int, int, int] | None = None
        self._source_size: tuple[int, int] | None = None
        self._stop = False

    # -- feeding (the decoding thread)
    def feed(self, bgr: np.ndarray) -> None:
        """Take the next decoded frame. It is only queued here: shrinking, conversion and
        encoding happen in the encoder thread, beside decoding (``probe`` hands each hook a
        fresh array, so keeping it costs no copy)."""
        if self.error is not None:
            return
        try:
            if self._thread is None:
                self._open(bgr.shape[1], bgr.shape[0])
            while self.error is None and self._thread.is_alive():
                try:
                    self._queue.put(bgr, timeout=0.5)
                    break
                except queue.Full:
                    continue
            self.frames += 1
        except Exception as exc:  # never let the proxy stop adding a video
            self._fail(exc)

    def _open(self, width: int, height: int) -> None:
        self._source_size = (width, height)
        self._geometry = proxy_geometry(width, height)
        self._tmp.parent.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="proxy-encoder", daemon=True)
        self._thread.start()

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = str(exc) or type(exc).__name__

    # -- encoding (its own thread)
    def _run(self) -> None:
        try:
            self._encode()
        except BaseException as exc:
            self._fail(exc)
        if self.error is not None:
            self._drain()

    def _encode(self) -> None:
        import av

        k, w, h = self._geometry
        with av.open(str(self._tmp), "w", format="mp4") as out:
            stream = out.add_stream("libx264", rate=self._rate)
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.options = {"g": "1", "bf": "0", "preset": "ultrafast",
                              "crf": str(CRF), "threads": "2"}
            stream.codec_context.time_base = 1 / self._rate
            index = 0
            while True:
                bgr = self._queue.get()
                if bgr is None or self._stop:
                    break
                yuv = cv2.cvtColor(shrink(bgr, k, w, h), cv2.COLOR_BGR2YUV_I420)
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                frame.pts = index
                frame.time_base = stream.codec_context.time_base
                index += 1
                out.mux(stream.encode(frame))
            if not self._stop:
                out.mux(stream.encode())

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def _join(self) -> None:
        if self._thread is not None:
            while self._thread.is_alive():
                try:
                    self._queue.put(None, timeout=0.2)
                    break
                except queue.Full:
                    if self.error is not None:
                        self._drain()
            self._thread.join()
            self._thread = None

    # -- ending
    def commit(self, video_id: int, frames: int, fps: float, fingerprint: str) -> Path | None:
        """Finish writing and move the proxy into place as ``proxies/<id>.mp4`` if it holds
        exactly ``frames`` frames; returns its path, or None (``error`` says why)."""
        self._join()
        if self.error is None and self.frames != frames:
            self.error = f"{self.frames} frames reached the proxy, the video has {frames}"
        if self.error is None and self._source_size is None:
            self.error = "no frames"
        if self.error is not None:
            self.abort()
            return None
        mp4, meta_path = proxy_files(self.folder, video_id)
        k, w, h = self._geometry
        meta = {
            "version": FORMAT_VERSION, "source_fingerprint": fingerprint, "frames": frames,
            "fps": fps, "rate": f"{self._rate.numerator}/{self._rate.denominator}",
            "width": w, "height": h, "factor": k,
            "source_width": self._source_size[0], "source_height": self._source_size[1],
            "codec": "h264 all-intra", "bytes": self._tmp.stat().st_size,
        }
        try:
            meta_path.unlink(missing_ok=True)  # the old description goes first: never a
            os.replace(self._tmp, mp4)  # new file described by an old one
            _atomic_write_text(meta_path, json.dumps(meta, indent=1))
        except OSError as exc:
            self._fail(exc)
            self.abort()
            return None
        return mp4

    def abort(self) -> None:
        """Stop and remove the temporary file (safe to call more than once)."""
        self._stop = True
        self._drain()
        self._join()
        try:
            self._tmp.unlink(missing_ok=True)
        except OSError:
            pass

    def __enter__(self) -> "ProxyRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.abort()


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def chain_hooks(*hooks: Callable[[np.ndarray], object] | None) -> Callable[[np.ndarray], None]:
    """One frame hook that calls each of ``hooks`` (Nones skipped) in order."""
    live = [h for h in hooks if h is not None]

    def hook(bgr: np.ndarray) -> None:
        for h in live:
            h(bgr)

    return hook


def make_proxy(folder, video, progress=None, frame_hook=None) -> Path | None:
    """(Re)make the proxy of ``video`` (a ``store.Video`` of the project in ``folder``) by
    decoding it once; returns its path, or None when it could not be written. Raises the
    ``VideoError`` of ``probe`` when the video itself is missing or changed (the proxy must
    match the frames the project counted). ``progress(done, total)`` as for ``probe``;
    ``frame_hook`` sees the frames too (e.g. a shot detector of a relinked video)."""
    from .errors import VideoChanged
    from .video_probe import probe

    with ProxyRecorder(folder, video.path) as rec:
        info = probe(video.path, progress=progress, frame_hook=chain_hooks(rec.feed, frame_hook),
                     allow_truncated=True)
        if info.fingerprint != video.fingerprint:
            raise VideoChanged(video.path)
        return rec.commit(video.id, info.frames, info.fps, info.fingerprint)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ProxyInfo:
    path: Path
    frames: int
    fps: float
    width: int  # the proxy's own size
    height: int
    source_width: int
    source_height: int


class ProxyReader:
    """Random access to a proxy's frames: ``frame(i)`` -> (H, W, 3) uint8 RGB at the proxy's
    size (read-only). Every frame is a keyframe, so a seek decodes exactly one frame; the
    next frame after the last one read needs no seek. One reader per thread.

    Opens only a proxy that ``proxy_state`` found usable (pass its path); raises
    ``VideoError`` when the file cannot be read or holds another number of frames.
    """

    def __init__(self, path: str | os.PathLike):
        import av

        self.path = Path(path)
        meta = _read_meta(self.path.with_suffix(".json"))
        if not isinstance(meta, dict):
            raise VideoError(self.path, "the proxy has no description (.json)")
        try:
            self._container = av.open(str(self.path))
        except Exception as exc:
            raise VideoError(self.path, f"the proxy cannot be read: {exc}") from None
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "SLICE"  # frame threads would delay every seek
        declared = self._stream.frames
        frames = int(meta["frames"])
        if declared and declared != frames:
            self.close()
            raise VideoError(self.path, f"the proxy holds {declared} frames, not {frames}")
        self._rate = Fraction(meta.get("rate", "25"))
        self._tb = self._stream.time_base
        self.info = ProxyInfo(self.path, frames, float(meta["fps"]), int(meta["width"]),
                              int(meta["height"]), int(meta["source_width"]),
                              int(meta["source_height"]))
        self._decoded: Iterator | None = None
        self._next = -1  # index the open decode iterator yields next (-1: none)
        self._last: tuple[int, np.ndarray] | None = None

    @property
    def frame_count(self) -> int:
        return self.info.frames

    def __len__(self) -> int:
        return self.info.frames

    def close(self) -> None:
        c, self._container = getattr(self, "_container", None), None
        if c is not None:
            c.close()

    def __enter__(self) -> "ProxyReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _index_of(self, frame) -> int:
        return int(round(float(frame.pts * self._tb * self._rate)))

    def _seek(self, i: int) -> None:
        pts = int(round(i / self._rate / self._tb))
        self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        self._decoded = self._container.decode(self._stream)
        self._next = -1

    def frame(self, i: int) -> np.ndarray:
        i = int(i)
        if not 0 <= i < self.info.frames:
            raise IndexError(f"frame {i} out of range: {self.path} has {self.info.frames} frames")
        if self._last is not None and self._last[0] == i:
            return self._last[1]
        if self._decoded is None or self._next != i:
            self._seek(i)
        for _attempt in range(2):
            for fr in self._decoded:
                j = self._index_of(fr)
                self._next = j + 1
                if j == i:
                    rgb = cv2.cvtColor(fr.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
                    rgb.flags.writeable = False
                    self._last = (i, rgb)
                    return rgb
                if j > i:
                    break
            self._seek(max(0, i - 1))  # landed past it (or at the end): once more, earlier
        raise VideoError(self.path, f"frame {i} is missing from the proxy")

    def iter_frames(self, start: int = 0, stop: int | None = None, step: int = 1,
                    size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
        """Frames start, start+step, ... < stop (RGB; resized to ``size=(rows, cols)`` with
        area averaging if given). Each frame is a seek when ``step`` > 1: all-intra."""
        stop = self.info.frames if stop is None else min(int(stop), self.info.frames)
        for i in range(int(start), stop, max(1, int(step))):
            rgb = self.frame(i)
            if size is not None and (size[0], size[1]) != rgb.shape[:2]:
                rgb = area_shrink(rgb, int(size[0]), int(size[1]))
            else:
                rgb = rgb.copy()
            yield rgb
