"""Proxy benchmark (issue #14, run by hand): ``python tests/benchmarks/bench_proxy.py``.

On a 1080p H.264 trailer (long GOP 240, B-frames, grain: 2 minutes by default; made with PyAV
into ``--video`` if that file does not exist, never committed) it prints, in one run:

* adding the video as before (probe + shot detection, one decoding pass) vs adding it with
  its proxy written in that same pass (``Project.add_video``): times and their ratio;
* the proxy's size as a share of the source, its build time as a share of the video's length;
* in the ``Player`` (offscreen), random seek -> proxy frame shown and -> exact full-size frame
  shown (median, p95), then the same seeks without the proxy;
* frames shown vs frames asked for at 2x and 4x, from the proxy and without it;
* exporting the dataset (``--export-size``, default 64x64) from the source vs from the proxy:
  times, and the mean absolute difference per pixel between the two (0-255 scale).

Timings on a shared machine are noisy: compare the figures of one run side by side.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from _common import pct, wait_for_player  # noqa: E402


def make_trailer(path: Path, seconds: float, fps: int = 24, rows=1080, cols=1920) -> None:
    """Moving gradients, a moving box, a per-frame bar and film grain; x264 g=240 bf=3."""
    import av

    n = int(round(seconds * fps))
    y, x = np.mgrid[0:rows, 0:cols]
    base = np.stack([(x * 255 // cols), (y * 255 // rows), ((x + y) * 255 // (rows + cols))],
                    -1).astype(np.int16)
    rng = np.random.default_rng(1)
    grains = [rng.integers(-6, 7, (rows, cols, 1), dtype=np.int16) for _ in range(4)]
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = cols, rows, "yuv420p"
        s.options = {"g": "240", "bf": "3", "preset": "ultrafast", "crf": "23",
                     "x264-params": "scenecut=0:b-adapt=0"}
        for i in range(n):
            img = np.clip(np.roll(base, i * 8, axis=1) + grains[i % 4], 0, 255).astype(np.uint8)
            cx = (i * 13) % (cols - 200)
            img[400:600, cx:cx + 200] = (255, 255 - (i % 256), (i * 7) % 256)
            img[:40, : (i % cols)] = 255
            out.mux(s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(s.encode())


def ms(values) -> str:
    if not values:
        return "n/a"
    return f"median {statistics.median(values):.0f} ms, p95 {pct(values, 95):.0f} ms (n={len(values)})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--video", default="/tmp/proxies/trailer120.mp4")
    ap.add_argument("--seconds", type=float, default=120.0, help="length of a made video")
    ap.add_argument("--seeks", type=int, default=30)
    ap.add_argument("--play", type=float, default=6.0, help="seconds of each playback run")
    ap.add_argument("--export-size", default="64", help="ROWSxCOLS or N (0: skip the export)")
    ap.add_argument("--only-export", action="store_true", help="skip the player part")
    args = ap.parse_args()

    from PySide6 import QtWidgets

    from trailer_gui.core.proxy import proxy_files
    from trailer_gui.core.shots import ShotDetector
    from trailer_gui.core.store import Project
    from trailer_gui.core.video_probe import probe
    from trailer_gui.widgets.playback.player import Player

    video_path = Path(args.video)
    if not video_path.exists():
        t0 = time.perf_counter()
        make_trailer(video_path, args.seconds)
        print(f"made {video_path} in {time.perf_counter() - t0:.0f} s")

    # ---- adding: today's pass vs the same pass writing the proxy
    t0, c0 = time.perf_counter(), time.process_time()
    detector = ShotDetector(bgr=True)
    info = probe(video_path, frame_hook=detector.feed)
    detector.finish()
    t_plain, c_plain = time.perf_counter() - t0, time.process_time() - c0
    length = info.frames / info.fps
    src_bytes = video_path.stat().st_size
    print(f"video: {info.frames} frames {info.width}x{info.height} @ {info.fps:g} fps "
          f"({length:.0f} s), {src_bytes / 2**20:.0f} MiB")
    tmp = tempfile.TemporaryDirectory(dir="/tmp/proxies" if Path("/tmp/proxies").is_dir() else None)
    project = Project.create(Path(tmp.name) / "proj")
    t0, c0 = time.perf_counter(), time.process_time()
    video = project.add_video(video_path)
    t_proxy, c_proxy = time.perf_counter() - t0, time.process_time() - c0
    mp4 = proxy_files(project.folder, video.id)[0]
    assert mp4.is_file(), "no proxy was made"
    print(f"add without proxy (probe + shots): {t_plain:.1f} s; add with proxy in the same pass: "
          f"{t_proxy:.1f} s = {t_proxy / t_plain:.2f}x (goal <= 1.2x); CPU time (all threads, "
          f"less sensitive to other processes): {c_plain:.1f} s vs {c_proxy:.1f} s = "
          f"{c_proxy / c_plain:.2f}x")
    print(f"proxy: {mp4.stat().st_size / 2**20:.1f} MiB = {mp4.stat().st_size / src_bytes:.1%} of "
          f"the source; build (the add pass) {t_proxy / length:.0%} of the video's length, "
          f"the extra over adding without it {(t_proxy - t_plain) / length:.0%}")

    # ---- the player
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    player = Player()
    player.resize(1280, 760)
    player.show()
    shown: list[tuple[float, int, bool]] = []
    player.sigShown.connect(lambda i, exact: shown.append((time.monotonic(), i, exact)))

    def wait_for(pred, timeout_ms: int = 20000) -> bool:
        return wait_for_player(player, pred, timeout_ms)

    def seeks(label: str, n: int) -> None:
        rng = random.Random(7)
        first, exact = [], []
        for _ in range(n):
            f = rng.randrange(info.frames)
            while f == player.shown_frame():
                f = rng.randrange(info.frames)
            shown.clear()
            t = time.monotonic()
            player.seek(f)
            if not wait_for(lambda: player.shown_frame() == f and player.shown_exact()):
                print(f"  seek to {f} timed out")
                continue
            mine = [(ts, e) for ts, i, e in shown if i == f]
            first.append((mine[0][0] - t) * 1000)
            exact.append((next(ts for ts, e in mine if e) - t) * 1000)
        print(f"{label}: random seek -> first picture of that frame: {ms(first)}")
        print(f"{label}: random seek -> exact full-size frame: {ms(exact)}")

    def play(label: str, speed: float) -> None:
        start = random.Random(int(speed)).randrange(info.frames // 4)
        player.seek(start)
        wait_for(lambda: player.shown_frame() == start and player.shown_exact())
        player.set_speed(speed)
        shown.clear()
        player.play()
        wait_for(lambda: not player.is_playing(), int(args.play * 1000))
        player.pause()
        frames = [i for _, i, _ in shown if i > start]
        if not frames:
            print(f"{label} {speed:g}x: nothing shown")
            return
        asked = frames[-1] - start
        print(f"{label} {speed:g}x for {args.play:g} s: shown {len(frames)} of {asked} frames "
              f"asked ({len(frames) / asked:.0%}); from the proxy: "
              f"{sum(1 for *_, e in shown if not e)}")

    if args.export_size != "0":
        export_compare(project, args.export_size)
    if args.only_export:
        project.close()
        return 0
    player.open(video.path, video.frames, video.fps, proxy=mp4)
    assert wait_for(lambda: player.shown_frame() == 0 and player.shown_exact(), 60000)
    seeks("with proxy", args.seeks)
    play("with proxy", 2.0)
    play("with proxy", 4.0)
    player.set_speed(1.0)
    # a fresh decoder, as the first phase had: the same seeks must not find its cache warm
    player.open(video.path, video.frames, video.fps)
    assert wait_for(lambda: player.shown_frame() == 0 and player.shown_exact(), 60000)
    seeks("without proxy", args.seeks)
    play("without proxy", 2.0)
    play("without proxy", 4.0)
    player.shutdown()
    project.close()
    app.processEvents()
    return 0


def export_compare(project, size_text: str) -> None:
    from trailer_gui.core.export import ExportSettings, export_dataset, parse_size

    size = parse_size(size_text)
    scene = project.folder / "dataset" / "scene_0.npy"
    t0 = time.perf_counter()
    export_dataset(project, ExportSettings(size))
    t_src = time.perf_counter() - t0
    from_source = np.load(scene, allow_pickle=False)
    t0 = time.perf_counter()
    export_dataset(project, ExportSettings(size, from_proxy=True))
    t_proxy = time.perf_counter() - t0
    from_proxy = np.load(scene, allow_pickle=False)
    mad = float(np.abs(from_proxy.astype(np.int16) - from_source).mean())
    print(f"export {size[0]}x{size[1]}: from the source {t_src:.1f} s, from the proxy "
          f"{t_proxy:.1f} s = {t_src / t_proxy:.1f}x faster; mean absolute difference "
          f"{mad:.2f} per pixel (0-255), max {int(np.abs(from_proxy.astype(np.int16) - from_source).max())}")


if __name__ == "__main__":
    sys.exit(main())
