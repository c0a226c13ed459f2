"""Small test videos made on the fly, where every frame shows its own index.

``pattern(i)`` draws frame i: its index in binary as wide black/white columns (robust to
lossy coding) plus a bar that moves with i, so no two frames look alike and a reader that
returns a neighbour's pixels is caught by ``np.array_equal``.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROWS, COLS = 48, 64


def pattern(i: int, rows: int = ROWS, cols: int = COLS) -> np.ndarray:
    """Frame ``i`` as (rows, cols, 3) uint8 RGB."""
    img = np.zeros((rows, cols, 3), np.uint8)
    bits = 8
    w = cols // bits
    for b in range(bits):
        if (i >> b) & 1:
            img[: rows // 2, b * w : (b + 1) * w] = 255
    img[rows // 2 :, :, 0] = (i * 37) % 256
    img[rows // 2 :, :, 2] = 255 - (i * 53) % 256
    x = (i * 3) % cols
    img[rows // 2 :, x : x + 4, 1] = 255
    return img


def write_h264(
    path: Path,
    frames: int = 120,
    *,
    gop: int = 48,
    bframes: int = 3,
    vfr: bool = False,
    faststart: bool = False,
    audio: bool = False,
    rows: int = ROWS,
    cols: int = COLS,
    preset: str | None = None,
) -> Path:
    """H.264 with B-frames (forced: b-adapt=0) and keyframes only every ``gop`` frames
    (scene-cut detection off). ``vfr``: irregular timestamps (20-100 ms apart), the kind of
    file where OpenCV's CAP_PROP_POS_FRAMES seeks land on the wrong frame. ``faststart``
    puts the index (moov) first, so a file cut short still opens. ``audio`` adds a tone.
    ``preset``: x264's (default ``fast``; ``ultrafast`` keeps the B-frames asked for and makes
    1080p test files in a fraction of the time)."""
    options = {"movflags": "+faststart"} if faststart else {}
    container = av.open(str(path), "w", options=options)
    vs = container.add_stream("libx264", rate=24)
    vs.width, vs.height, vs.pix_fmt = cols, rows, "yuv420p"
    vs.options = {
        "g": str(gop),
        "bf": str(bframes),
        "x264-params": "scenecut=0:b-adapt=0",
        "preset": preset or ("ultrafast" if bframes == 0 else "fast"),
    }
    if vfr:
        tb = Fraction(1, 1000)
        vs.time_base = tb
        vs.codec_context.time_base = tb
    if audio:
        aus = container.add_stream("aac", rate=22050)
        aus.layout = "mono"
    steps = [20, 41, 42, 100]
    t = 0
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(pattern(i, rows, cols), format="rgb24")
        if vfr:
            frame.pts = t
            frame.time_base = Fraction(1, 1000)
            t += steps[(i * 7 + i // 3) % 4]
        for packet in vs.encode(frame):
            container.mux(packet)
    for packet in vs.encode():
        container.mux(packet)
    if audio:
        n = int(22050 * frames / 24)
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 22050)).astype(np.float32)
        for k in range(0, n, 1024):
            af = av.AudioFrame.from_ndarray(tone[None, k : k + 1024], format="fltp", layout="mono")
            af.sample_rate = 22050
            af.pts = k
            for packet in aus.encode(af):
                container.mux(packet)
        for packet in aus.encode():
            container.mux(packet)
    container.close()
    return path


def write_raw_h264(path: Path, frames: int = 60, rows: int = ROWS, cols: int = COLS) -> Path:
    """A bare H.264 elementary stream (.h264): no container, so no timestamps. OpenCV
    reports time 0 for every frame: positions cannot be verified after a seek."""
    container = av.open(str(path), "w", format="h264")
    vs = container.add_stream("libx264", rate=24)
    vs.width, vs.height, vs.pix_fmt = cols, rows, "yuv420p"
    vs.options = {"g": "24", "bf": "3", "x264-params": "scenecut=0:b-adapt=0"}
    for i in range(frames):
        for packet in vs.encode(av.VideoFrame.from_ndarray(pattern(i, rows, cols), format="rgb24")):
            container.mux(packet)
    for packet in vs.encode():
        container.mux(packet)
    container.close()
    return path

def write_mp4v(path: Path, frames: int = 90, rows: int = ROWS, cols: int = COLS) -> Path:
    """MPEG-4 part 2 via OpenCV's own writer."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 24.0, (cols, rows))
    assert writer.isOpened()
    for i in range(frames):
        writer.write(cv2.cvtColor(pattern(i, rows, cols), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC file (.m4a) with no video stream."""
    container = av.open(str(path), "w")
    stream = container.add_stream("aac", rate=22050)
    stream.layout = "mono"
    n = int(22050 * seconds)
    tone = (0.2 * np.sin(2 * np.pi * 330 * np.arange(n) / 22050)).astype(np.float32)
    for k in range(0, n, 1024):
        af = av.AudioFrame.from_ndarray(tone[None, k : k + 1024], format="fltp", layout="mono")
        af.sample_rate = 22050
        af.pts = k
        for packet in stream.encode(af):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def cut(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """The first ``fraction`` of ``src``'s bytes."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def zero_media_data(src: Path, dst: Path) -> Path:
    """A copy of an MP4 whose media data (mdat) is all zeros: the index still promises
    every frame, none decodes."""
    data = bytearray(src.read_bytes())
    off = 0
    while off + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[off : off + 8])
        if size < 8:
            break
        if kind == b"mdat":
            data[off + 8 : off + size] = bytes(size - 8)
        off += size
    dst.write_bytes(bytes(data))
    return dst


def decode_all(path: Path) -> list[np.ndarray]:
    """Every frame by plain sequential OpenCV decoding, as RGB: the reference."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    out = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    return out


def decode_all_bgr(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    out = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(bgr)
    cap.release()
    return out


def read_index(rgb: np.ndarray) -> int:
    """The frame index that ``pattern`` drew into ``rgb``, read back from its binary columns
    at any size (a scaled proxy or thumbnail as well as the full frame)."""
    rows, cols = rgb.shape[:2]
    top = rgb[rows // 8 : rows * 3 // 8].astype(np.float32).mean(axis=(0, 2))
    value = 0
    for b in range(8):
        lo, hi = b * cols // 8, (b + 1) * cols // 8
        centre = top[lo + (hi - lo) // 4 : hi - (hi - lo) // 4]
        if centre.mean() > 128:
            value |= 1 << b
    return value
