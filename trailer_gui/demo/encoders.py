"""Writing rendered frames (and a soundtrack) into MP4 files: OpenCV's MPEG-4 part 2, PyAV's
H.264 + AAC, and AAC added beside OpenCV's video packets without re-encoding them."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np

AUDIO_RATE = 44100
ProgressFn = Callable[[int, int], object]


def write_mp4v(tmp: Path, frames: Iterable[np.ndarray], fps: float, size: tuple[int, int], total: int,
               progress: ProgressFn | None) -> None:
    """Write RGB ``frames`` of ``size`` (rows, cols) with OpenCV's mp4v writer."""
    rows, cols = size
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (cols, rows))
    if not writer.isOpened():
        raise OSError(f"{tmp}: OpenCV cannot write an mp4v video here")
    try:
        for i, frame in enumerate(frames):
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            if progress is not None and (i % 24 == 23 or i + 1 == total):
                progress(i + 1, total)
    finally:
        writer.release()


def write_h264(tmp: Path, frames: Iterable[np.ndarray], fps: float, size: tuple[int, int], total: int,
               samples: np.ndarray | None, progress: ProgressFn | None) -> None:
    """Write RGB ``frames`` as H.264 (libx264, a long GOP with B-frames, like real trailers),
    with ``samples`` (mono float32 at ``AUDIO_RATE``) as AAC when given."""
    import av  # PyAV: only needed to write H.264 (and AAC)

    rows, cols = size
    rate = Fraction(fps).limit_denominator(1001)
    container = av.open(str(tmp), "w")
    try:
        vs = container.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = cols, rows, "yuv420p"
        # Long GOP and B-frames like real trailers; "fast" keeps the demo quick.
        vs.options = {"g": "240", "bf": "3", "preset": "fast", "crf": "20"}
        if samples is not None:
            as_ = container.add_stream("aac", rate=AUDIO_RATE)
            as_.layout = "mono"
            frame_size = 1024
            sent = 0
            apts = 0
        for i, frame in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in vs.encode(vf):
                container.mux(packet)
            if samples is not None:
                # Interleave: send the sound up to the end of this frame.
                upto = min(len(samples), int(round((i + 1) / fps * AUDIO_RATE)))
                while sent + frame_size <= upto or (i + 1 == total and sent < len(samples)):
                    chunk = samples[sent : sent + frame_size]
                    af = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                    af.sample_rate = AUDIO_RATE
                    af.pts = apts
                    apts += chunk.shape[0]
                    sent += chunk.shape[0]
                    for packet in as_.encode(af):
                        container.mux(packet)
            if progress is not None and (i % 24 == 23 or i + 1 == total):
                progress(i + 1, total)
        for packet in vs.encode():
            container.mux(packet)
        if samples is not None:
            for packet in as_.encode():
                container.mux(packet)
    finally:
        container.close()


def add_soundtrack(path: Path, samples: np.ndarray) -> None:
    """Give the video file at `path` the soundtrack ``samples`` as AAC, in place.

    OpenCV's writer has no sound, so its video packets are copied unchanged (no re-encode:
    the frames stay exactly what OpenCV wrote) into a new file next to an AAC stream."""
    import av

    out_path = path.with_name(path.name + ".sound")
    try:
        with av.open(str(path)) as src, av.open(str(out_path), "w", format="mp4") as dst:
            vin = src.streams.video[0]
            vout = dst.add_stream_from_template(vin)
            aout = dst.add_stream("aac", rate=AUDIO_RATE)
            aout.layout = "mono"
            frame_size, sent = 1024, 0
            for packet in src.demux(vin):
                if packet.dts is None:  # the demuxer's end-of-stream flush packet
                    continue
                # Interleave: the sound up to this packet's time goes first.
                upto = min(len(samples), int(float(packet.dts * vin.time_base) * AUDIO_RATE) + frame_size)
                while sent < upto:
                    sent = _mux_audio(dst, aout, samples, sent, frame_size)
                packet.stream = vout
                dst.mux(packet)
            while sent < len(samples):
                sent = _mux_audio(dst, aout, samples, sent, frame_size)
            for packet in aout.encode():
                dst.mux(packet)
        os.replace(out_path, path)
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise


def _mux_audio(dst, stream, samples, sent: int, frame_size: int) -> int:
    import av

    chunk = samples[sent : sent + frame_size]
    frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
    frame.sample_rate = AUDIO_RATE
    frame.pts = sent
    for packet in stream.encode(frame):
        dst.mux(packet)
    return sent + chunk.shape[0]
