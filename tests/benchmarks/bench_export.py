"""Export benchmark (run by hand): python tests/benchmarks/bench_export.py [--seconds 10] [--rounds 3]

Prints, side by side in one run on the same 1080p H.264 file (B-frames, long GOP):
- plain cv2 sequential decoding (``cap.read()``: decode + convert to BGR) in frames/s, the
  export to 64x64 (decode, resize, write, in threads: ``core.frame_pipeline``; pixels as
  ever, bit for bit) and the export with ``--scale-in-decoder`` (PyAV + swscale, pixels a
  level or two apart), alternating, ``--rounds`` times; each round's ratios against the 0.8
  goal (issue #13) and the CPU time each spends per frame (on a shared machine the ratio of
  one round, measured side by side, is what counts);
- the export with shot detection (a video without stored cuts) and to 128x128;
- the shrink of one decoded 1080p frame to 64x64, one thread: OpenCV's ``INTER_AREA`` in
  one step against ``core.downscale.area_shrink`` (halved first), CPU ms per frame;
- peak resident memory of exporting a long trailer vs a short one (each in a fresh process).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import cv2

from trailer_gui.demo import synth
from trailer_gui.core.downscale import area_shrink
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.core.store import Project


GOAL = 0.8  # export frames/s as a share of plain decoding (issue #13)


def _cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def plain_decode_fps(path: Path) -> tuple[float, float, int]:
    """(frames/s, CPU ms per frame, frames) of a plain ``cap.read()`` loop."""
    cap = cv2.VideoCapture(str(path))
    c0, t0 = _cpu_s(), time.perf_counter()
    n = 0
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    wall = time.perf_counter() - t0
    cap.release()
    return n / wall, 1000 * (_cpu_s() - c0) / n, n


def shrink_ms(path: Path, rows: int = 64, cols: int = 64, repeats: int = 40) -> dict[str, float]:
    """CPU ms to shrink one decoded frame of ``path``, one OpenCV thread, best of 3 rounds."""
    cap = cv2.VideoCapture(str(path))
    for _ in range(12):  # past the first shot's start: a frame with a picture
        ok, bgr = cap.read()
    cap.release()
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    ways = {"INTER_AREA in one step": lambda: cv2.resize(bgr, (cols, rows), interpolation=cv2.INTER_AREA),
            "area_shrink (halved first)": lambda: area_shrink(bgr, rows, cols)}
    best = {}
    try:
        for _round in range(3):
            for name, shrink in ways.items():
                c0 = _cpu_s()
                for _ in range(repeats):
                    shrink()
                best[name] = min(best.get(name, 1e9), 1000 * (_cpu_s() - c0) / repeats)
    finally:
        cv2.setNumThreads(threads)
    return best


def export_fps(folder: Path, video: Path, size, detect_shots: bool = False,
               scale_in_decoder: bool = False) -> tuple[float, float]:
    """(frames/s, CPU ms per frame) of exporting ``video`` into a new project at ``folder``."""
    proj = Project.create(folder)
    v = proj.add_video(video)
    if detect_shots:
        proj.set_cuts(v.id, None)  # as a video added before shots: the export detects them
    c0, t0 = _cpu_s(), time.perf_counter()
    export_dataset(proj, ExportSettings(size=size, scale_in_decoder=scale_in_decoder))
    wall = time.perf_counter() - t0
    return v.frames / wall, 1000 * (_cpu_s() - c0) / v.frames


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
    parser.add_argument("--rounds", type=int, default=3, help="plain decode / export pairs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clip = tmp / "clip1080.mp4"
        t0 = time.perf_counter()
        synth.write_trailer(clip, seed=1, seconds=args.seconds, size=(1080, 1920), codec="h264")
        print(f"made {clip.name}: {args.seconds:g} s of 1080p H.264 in {time.perf_counter() - t0:.1f} s")
        for name, ms in shrink_ms(clip).items():
            print(f"shrink a 1080p frame to 64x64, {name:<27} {ms:5.2f} ms CPU (one thread)")
        ratios: dict[str, list[float]] = {"exact": [], "scaled in decoder": []}
        best = {"plain": 0.0, "exact": 0.0, "scaled in decoder": 0.0}  # the least disturbed
        for r in range(1, max(1, args.rounds) + 1):
            decode, decode_cpu, frames = plain_decode_fps(clip)
            best["plain"] = max(best["plain"], decode)
            print(f"round {r}: plain decode {decode:6.1f} frames/s ({decode_cpu:4.1f} ms CPU/frame)")
            for name, scaled in (("exact", False), ("scaled in decoder", True)):
                fps, cpu = export_fps(tmp / f"round{r}{scaled}", clip, (64, 64), scale_in_decoder=scaled)
                ratios[name].append(fps / decode)
                best[name] = max(best[name], fps)
                print(f"  export 64x64 {name:<18} {fps:6.1f} frames/s ({cpu:4.1f} ms CPU/frame): "
                      f"ratio {fps / decode:.2f} (goal {GOAL}: {'met' if fps / decode >= GOAL else 'not met'})")
        for name, values in ratios.items():
            print(f"ratio {name:<18} over {len(values)} rounds ({frames} frames each): "
                  f"median {statistics.median(values):.2f}, all {', '.join(f'{v:.2f}' for v in values)}; "
                  f"best of each: {best[name]:.1f} / {best['plain']:.1f} frames/s = "
                  f"{best[name] / best['plain']:.2f}")
        decode, _cpu, _n = plain_decode_fps(clip)
        for label, size, detect in (("export 64x64 + shot detection", (64, 64), True),
                                    ("export 128x128", (128, 128), False)):
            fps, cpu = export_fps(tmp / f"x{size[0]}{detect}", clip, size, detect)
            print(f"{label:<34} {fps:6.1f} frames/s ({cpu:4.1f} ms CPU/frame), ratio {fps / decode:.2f} "
                  f"to plain decode at {decode:.1f} frames/s")

        short, long_ = tmp / "short.mp4", tmp / "long.mp4"
        synth.write_trailer(short, seed=2, seconds=5, size=(360, 640))
        synth.write_trailer(long_, seed=2, seconds=60, size=(360, 640))
        for name, video in (("short (5 s, 120 frames)", short), ("long (60 s, 1440 frames)", long_)):
            before, after = peak_rss_mb(tmp / f"m_{video.stem}", video)
            print(f"peak RSS exporting {name:<26} {after:7.1f} MB (before the export {before:.1f} MB)")


if __name__ == "__main__":
    main()
