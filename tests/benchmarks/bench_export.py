"""Export benchmark (run by hand): python tests/benchmarks/bench_export.py [--seconds 10]

Prints, side by side in one run:
- export throughput (frames/s) against plain cv2 sequential decoding of the same 1080p H.264
  file (B-frames, long GOP), as a ratio: the export can be no faster than decoding;
- peak resident memory of exporting a long trailer vs a short one (each in a fresh process).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import cv2

from trailer_gui.demo import synth
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.core.store import Project


def plain_decode_fps(path: Path) -> tuple[float, int]:
    cap = cv2.VideoCapture(str(path))
    t0 = time.perf_counter()
    n = 0
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    return n / (time.perf_counter() - t0), n


def export_fps(folder: Path, video: Path, size) -> float:
    proj = Project.create(folder)
    v = proj.add_video(video)
    t0 = time.perf_counter()
    export_dataset(proj, ExportSettings(size=size))
    return v.frames / (time.perf_counter() - t0)


PEAK = textwrap.dedent(
    """
    import sys
    from trailer_gui.core.export import ExportSettings, export_dataset
    from trailer_gui.core.store import Project

    def hwm_kb():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    proj = Project.create(sys.argv[1]); proj.add_video(sys.argv[2])
    with open("/proc/self/clear_refs", "w") as fh:  # reset the peak: measure the export alone
        fh.write("5")
    before = hwm_kb()
    export_dataset(proj, ExportSettings(size=(64, 64)))
    print(before, hwm_kb())
    """
)


def peak_rss_mb(folder: Path, video: Path) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", PEAK, str(folder), str(video)],
                         capture_output=True, text=True, check=True)
    before, after = (int(x) / 1024 for x in out.stdout.split())
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the 1080p clip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = tmp / "clip1080.mp4"
        t0 = time.perf_counter()
        synth.write_trailer(clip, seed=1, seconds=args.seconds, size=(1080, 1920), codec="h264")
        print(f"made {clip.name}: {args.seconds:g} s of 1080p H.264 in {time.perf_counter() - t0:.1f} s")
        decode, frames = plain_decode_fps(clip)
        print(f"{'plain cv2 sequential decode':<34} {decode:7.1f} frames/s  ({frames} frames)")
        for size in ((64, 64), (128, 128)):
            fps = export_fps(tmp / f"p{size[0]}", clip, size)
            print(f"{'export ' + f'{size[0]}x{size[1]}':<34} {fps:7.1f} frames/s  ratio to decode {fps / decode:.2f}")

        short, long_ = tmp / "short.mp4", tmp / "long.mp4"
        synth.write_trailer(short, seed=2, seconds=5, size=(360, 640))
        synth.write_trailer(long_, seed=2, seconds=60, size=(360, 640))
        for name, video in (("short (5 s, 120 frames)", short), ("long (60 s, 1440 frames)", long_)):
            before, after = peak_rss_mb(tmp / f"m_{video.stem}", video)
            print(f"peak RSS exporting {name:<26} {after:7.1f} MB (before the export {before:.1f} MB)")


if __name__ == "__main__":
    main()
