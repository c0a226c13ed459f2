"""Video reader benchmark, run by hand:

    python tests/benchmarks/bench_reader.py [--seconds 10] [--keep FILE.mp4]

Makes a 1080p H.264 trailer with PyAV (synthetic content upscaled from 540p, plus film
grain so that the bitrate and the decoding work are like a real trailer's; GOP 240 and 3
B-frames) in a temporary folder, then prints:

- plain OpenCV sequential decoding (read, and grab only) in frames/s;
- ``probe`` (one counting pass by grabbing);
- ``VideoReader.iter_frames`` frames/s, full size and resized to 64x64 (INTER_AREA);
- random-seek latency of ``VideoReader.frame`` (cache emptied before each) next to a bare
  OpenCV ``CAP_PROP_POS_FRAMES`` seek + read, median / p95 in ms;
- backward-step latency (last frame to the first, one frame at a time), median / p95 / max;
- forward-step (playback) latency.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from trailer_gui.demo import synth  # noqa: E402
from trailer_gui.core.video_probe import probe  # noqa: E402
from trailer_gui.core.video_reader import VideoReader  # noqa: E402


def make_1080p(path: Path, seconds: float, fps: int = 24, seed: int = 1) -> None:
    import av

    rows, cols = 1080, 1920
    rng = np.random.default_rng(seed)
    pad = 64
    grain = rng.integers(0, 17, size=(rows + pad, cols + pad, 3), dtype=np.uint8)
    container = av.open(str(path), "w")
    vs = container.add_stream("libx264", rate=fps)
    vs.width, vs.height, vs.pix_fmt = cols, rows, "yuv420p"
    vs.options = {"g": "240", "bf": "3", "preset": "veryfast", "crf": "21"}
    for i, (frame, _row) in enumerate(synth.iter_trailer(seed, seconds, fps, size=(540, 960))):
        big = cv2.resize(frame, (cols, rows), interpolation=cv2.INTER_LINEAR)
        oy, ox = (i * 17) % pad, (i * 29) % pad
        big = cv2.subtract(cv2.add(big, grain[oy : oy + rows, ox : ox + cols]), (8, 8, 8, 0))
        for packet in vs.encode(av.VideoFrame.from_ndarray(big, format="rgb24")):
            container.mux(packet)
    for packet in vs.encode():
        container.mux(packet)
    container.close()


def ms_stats(xs) -> str:
    a = np.asarray(xs) * 1000
    return f"median {np.median(a):7.1f} ms   p95 {np.percentile(a, 95):7.1f} ms   max {a.max():7.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--keep", type=Path, help="write the test file here and keep it")
    ap.add_argument("--seeks", type=int, default=40)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench_1080p.mp4"
        t = time.perf_counter()
        make_1080p(path, args.seconds)
        size_mb = os.path.getsize(path) / 1e6
        print(f"file: {path.name}, 1080p H.264 GOP 240 + B-frames, {args.seconds:g} s, "
              f"{size_mb:.1f} MB ({size_mb * 8 / args.seconds:.1f} Mbit/s), made in {time.perf_counter() - t:.1f} s")
        print(f"cv2 {cv2.__version__}, {os.cpu_count()} CPUs")

        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        t = time.perf_counter()
        n = 0
        while cap.read()[0]:
            n += 1
        dt = time.perf_counter() - t
        print(f"cv2 sequential read:            {n / dt:7.1f} frames/s ({n} frames)")
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        t = time.perf_counter()
        n = 0
        while cap.grab():
            n += 1
        print(f"cv2 sequential grab only:       {n / (time.perf_counter() - t):7.1f} frames/s")

        t = time.perf_counter()
        info = probe(path)
        print(f"probe (counting pass):          {time.perf_counter() - t:7.2f} s for {info.frames} frames")

        with VideoReader(path) as r:
            t = time.perf_counter()
            k = sum(1 for _ in r.iter_frames())
            print(f"VideoReader.iter_frames:        {k / (time.perf_counter() - t):7.1f} frames/s")
            t = time.perf_counter()
            k = sum(1 for _ in r.iter_frames(size=(64, 64)))
            print(f"iter_frames(size=(64, 64)):     {k / (time.perf_counter() - t):7.1f} frames/s")
            t = time.perf_counter()
            k = sum(1 for _ in r.iter_frames(step=4, size=(64, 64)))
            print(f"iter_frames(step=4, 64x64):     {k / (time.perf_counter() - t):7.1f} frames/s delivered")

            rng = np.random.default_rng(0)
            targets = rng.integers(0, info.frames, args.seeks)
            lat = []
            r.frame(0)  # warm up (keyframe table)
            before = r.stats
            for i in targets:
                r._cache.clear()
                t = time.perf_counter()
                r.frame(int(i))
                lat.append(time.perf_counter() - t)
            s = r.stats
            print(f"random seek, VideoReader:       {ms_stats(lat)}   "
                  f"({(s['seeks'] - before['seeks']) / len(targets):.2f} seeks each)")

        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        lat = []
        for i in targets:
            t = time.perf_counter()
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(i))
            cap.read()
            lat.append(time.perf_counter() - t)
        print(f"random seek, bare cv2 (no check):{ms_stats(lat)}")

        with VideoReader(path) as r:
            print(f"cache: {r.cache_frames} frames, backward block {r._block}")
            r.frame(info.frames - 1)
            lat = []
            t0 = time.perf_counter()
            for i in range(info.frames - 2, -1, -1):
                t = time.perf_counter()
                r.frame(i)
                lat.append(time.perf_counter() - t)
            total = time.perf_counter() - t0
            print(f"backward step:                  {ms_stats(lat)}   "
                  f"({total:.1f} s for {len(lat)} steps, {r.stats['seeks']} seeks)")

        with VideoReader(path) as r:
            lat = []
            for i in range(info.frames):
                t = time.perf_counter()
                r.frame(i)
                lat.append(time.perf_counter() - t)
            print(f"forward step (playback):        {ms_stats(lat)}")


if __name__ == "__main__":
    main()
