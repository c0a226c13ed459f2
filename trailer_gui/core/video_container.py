"""What PyAV reads from a video's container without decoding: its streams, whether it has
sound, the frame count it claims, and where its keyframes are. OpenCV cannot report these;
decoding is OpenCV's (``video_probe``, ``video_reader``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import NotAVideo, NoVideoStream, VideoError, VideoMissing

_STILL_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe")
_TEXT_FORMATS = ("tty",)  # FFmpeg shows text files as "ANSI art" video: not a video to us
_TEXT_CODECS = ("ansi", "text", "srt", "subrip", "ass", "webvtt")


def container_facts(p: Path) -> dict:
    """Read the container's header with PyAV: streams, audio, the claimed frame count."""
    import av  # on first use: a process that never opens a video never loads PyAV

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



def keyframe_times(p: Path, stream_index: int, start_time: int | None, time_base: float) -> np.ndarray | None:
    """Presentation times (ms from the stream's start) of the video stream's keyframes, read
    by demuxing (no decoding); None when they cannot be read."""
    import av

    start = start_time or 0
    ms = []
    try:
        with av.open(str(p), metadata_errors="ignore") as c:
            stream = c.streams[stream_index]
            for packet in c.demux(stream):
                if packet.is_keyframe and packet.pts is not None:
                    ms.append((packet.pts - start) * time_base * 1000.0)
    except Exception:  # keyframes only make seeking cheaper; never fail on them
        return None
    return np.asarray(ms, np.float64)
