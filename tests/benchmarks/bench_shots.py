"""Shot detector benchmark (run by hand): python tests/benchmarks/bench_shots.py [--trailers 12]

Prints:
1. precision and recall (a found cut within one frame of a true one is right) over synthetic
   test videos with known cuts (MPEG-4, lossy): demo-like trailers (the genre changes at each
   cut), sequences of scenes of one genre (neighbours share a palette), per genre; and,
   for comparison, a colour-histogram-only detector with a fixed threshold;
2. the detector's cost per frame (shrinking the frame included) at 1080p, 720p and 320x180;
3. what detection adds when a video is added (1080p H.264, B-frames): probe alone, probe with
   the detector in the same decoding pass (what ``Project.add_video`` does), probe then a
   second pass (``detect_cuts``);
4. its share of an export: the same export (64x64) with and without the detector fed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TRAILER_GUI_CACHE", tempfile.mkdtemp(prefix="bench-shots-cache-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from tests.core.shot_scenes import frames_of, mixed_plan, similar_plan, write_plan  # noqa: E402
from trailer_gui.core import shots, video_probe  # noqa: E402
from trailer_gui.demo import synth  # noqa: E402
from trailer_gui.core.export import ExportSettings, export_dataset  # noqa: E402
from trailer_gui.core.shots import ShotDetector, detect_cuts, match_cuts, precision_recall  # noqa: E402
from trailer_gui.core.store import Project  # noqa: E402
from trailer_gui.core.video_probe import probe  # noqa: E402
from trailer_gui.core.video_reader import VideoReader  # noqa: E402


def _forget_scans() -> None:
    video_probe._SCANS.clear()
    for f in video_probe.scan_cache_dir().glob("*.npz"):
        f.unlink()


def accuracy(folder: Path, trailers: int, size) -> None:
    print(f"1. precision / recall, 1-frame tolerance, MPEG-4 at {size[1]}x{size[0]}")
    sets: dict[str, list] = {"demo-like trailers": []}
    for seed in range(trailers):
        plan = mixed_plan(1000 + seed, 20.0)
        sets["demo-like trailers"].append((write_plan(folder / f"m{seed}.mp4", plan, size), plan))
    per_genre = max(1, trailers // 3)
    for g, name in enumerate(synth.GENRES):
        key = f"same genre: {name}"
        sets[key] = []
        for seed in range(per_genre):
            plan = similar_plan(1000 + seed, genre=g, scenes=8)
            sets[key].append((write_plan(folder / f"s{g}_{seed}.mp4", plan, size), plan))
    total = np.zeros(3, int)
    hist_total = np.zeros(3, int)
    frames = 0
    for key, items in sets.items():
        t = np.zeros(3, int)
        h = np.zeros(3, int)
        for path, plan in items:
            truth = synth.cuts_for(plan)
            t += match_cuts(detect_cuts(path), truth, 1)
            h += match_cuts(histogram_only(path), truth, 1)
            frames += plan[-1].stop
        total += t
        hist_total += h
        p, r = precision_recall(*t)
        hp, hr = precision_recall(*h)
        print(f"   {key:24s} {t[0] + t[2]:4d} cuts  P {p:.3f}  R {r:.3f}   "
              f"(histogram only: P {hp:.3f}  R {hr:.3f})")
    p, r = precision_recall(*total)
    hp, hr = precision_recall(*hist_total)
    print(f"   {'all':24s} {total[0] + total[2]:4d} cuts  P {p:.3f}  R {r:.3f}   "
          f"(histogram only: P {hp:.3f}  R {hr:.3f})   {frames} frames")


def histogram_only(path: Path, level: float = 0.35) -> list[int]:
    """The classic baseline: a cut where the hue histogram distance of consecutive frames
    exceeds a fixed level."""
    out, prev = [], None
    with VideoReader(path) as reader:
        for i, f in enumerate(reader.iter_frames()):
            h = shots._Features(shots.thumbnail(f), False).hist
            if prev is not None and 0.5 * np.abs(h - prev).sum() > level and (not out or i - out[-1] >= 4):
                out.append(i)
            prev = h
    return out


def per_frame_cost() -> None:
    print("2. detector cost per frame (shrink + features + decision), one thread")
    scenes = mixed_plan(7, 6.0)
    base = list(frames_of(scenes, (180, 320)))
    for rows, cols in ((1080, 1920), (720, 1280), (180, 320)):
        import cv2

        frames = [cv2.resize(f, (cols, rows)) for f in base[:48]] * 3
        det = ShotDetector()
        t0 = time.perf_counter()
        for f in frames:
            det.feed(f)
        det.finish()
        ms = (time.perf_counter() - t0) / len(frames) * 1000
        print(f"   {cols}x{rows}: {ms:.2f} ms/frame")


def write_1080p(folder: Path, seconds: float) -> Path:
    path = folder / "trailer_1080p.mp4"
    t0 = time.perf_counter()
    synth.write_trailer(path, seed=5, seconds=seconds, size=(1080, 1920), codec="h264")
    print(f"   (wrote a {seconds:g} s 1080p H.264 test trailer in {time.perf_counter() - t0:.0f} s)")
    return path


def add_cost(path: Path, repeats: int) -> None:
    print("3. adding a 1080p H.264 video (best of %d)" % repeats)
    plain, hooked, twice = [], [], []
    for _ in range(repeats):
        _forget_scans()
        t0 = time.perf_counter()
        info = probe(path)
        plain.append(time.perf_counter() - t0)
        _forget_scans()
        det = ShotDetector(bgr=True)
        t0 = time.perf_counter()
        probe(path, frame_hook=det.feed)
        det.finish()
        hooked.append(time.perf_counter() - t0)
        _forget_scans()
        t0 = time.perf_counter()
        probe(path)
        detect_cuts(path)
        twice.append(time.perf_counter() - t0)
    n = info.frames
    a, b, c = min(plain), min(hooked), min(twice)
    print(f"   probe alone (grab only)          {a:6.2f} s  {n / a:6.1f} frames/s")
    print(f"   probe + detector, same pass      {b:6.2f} s  {n / b:6.1f} frames/s  (+{(b - a) / a:.0%})")
    print(f"   probe, then a detect_cuts pass   {c:6.2f} s  {n / c:6.1f} frames/s  (+{(c - a) / a:.0%})")


def export_share(folder: Path, path: Path, repeats: int) -> None:
    print("4. share of an export (64x64, stride 1; best of %d)" % repeats)
    proj = Project.create(folder / "proj")
    v = proj.add_video(path)
    with_det, without = [], []
    for _ in range(repeats):
        for cuts, times in ((None, with_det), (proj.cuts(v.id), without)):
            for f in (proj.folder / "dataset").glob("*"):
                f.unlink()
            proj.set_cuts(v.id, cuts)  # None: the export feeds a detector
            t0 = time.perf_counter()
            export_dataset(proj, ExportSettings(size=(64, 64)))
            times.append(time.perf_counter() - t0)
    a, b = min(without), min(with_det)
    print(f"   export without detector {a:6.2f} s, with {b:6.2f} s: the detector is "
          f"{(b - a) / b:.1%} of the export ({(b - a) / v.frames * 1000:.2f} ms/frame)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trailers", type=int, default=12, help="demo-like trailers (and trailers/3 per genre)")
    ap.add_argument("--size", default="180x320", help="ROWSxCOLS of the accuracy videos")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the 1080p trailer")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        accuracy(folder, args.trailers, size)
        per_frame_cost()
        path = write_1080p(folder, args.seconds)
        add_cost(path, args.repeats)
        export_share(folder, path, args.repeats)


if __name__ == "__main__":
    main()
