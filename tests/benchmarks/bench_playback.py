"""Playback benchmark (run by hand): ``python tests/benchmarks/bench_playback.py``.

Makes a 1080p H.264 clip with PyAV (long GOP, B-frames, moving content), plays it in the
``Player`` offscreen and prints:

* frames shown vs dropped, effective fps and frame-interval jitter, at 1x (10 s) and faster;
* drift: the frame the clock says should be on screen at the end vs the frame shown;
* seek latency: time from ``seek()`` to ``sigFrameChanged`` for that frame (random seeks,
  then single steps backwards), median and p95.

Options: ``--seconds 12 --fps 24 --play 10 --seeks 40 --keep``. Waiting is done with a
``QEventLoop`` (never ``QApplication.processEvents()`` in a loop: in PySide6 6.12 on Python
3.11 each call drops one reference to ``None`` and the process aborts after a few thousand).
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


def make_clip(path: Path, seconds: float, fps: int, size=(1080, 1920)) -> int:
    import av

    rows, cols = size
    n = int(round(seconds * fps))
    y, x = np.mgrid[0:rows, 0:cols]
    base = np.stack(
        [(x * 255 // cols), (y * 255 // rows), ((x + y) * 255 // (rows + cols))], axis=-1
    ).astype(np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = cols, rows
        stream.pix_fmt = "yuv420p"
        stream.options = {"g": "240", "bf": "3", "preset": "ultrafast", "crf": "23"}
        for i in range(n):
            img = np.roll(base, shift=i * 8, axis=1)
            # a moving box and a per-frame bar code so frames differ visibly
            cx = (i * 13) % (cols - 200)
            img[400:600, cx : cx + 200] = (255, 255 - (i % 256), (i * 7) % 256)
            img[:40, : (i % cols)] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--play", type=float, default=10.0)
    ap.add_argument("--seeks", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the clip in ./bench_1080p.mp4")
    args = ap.parse_args()

    from PySide6 import QtCore, QtWidgets

    from trailer_gui.core.video_probe import probe
    from trailer_gui.widgets.playback.player import Player

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])

    def wait(ms: int) -> None:
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int(ms), loop.quit)
        loop.exec()

    def wait_for(pred, timeout_ms: int = 10000) -> bool:
        return wait_for_player(player, pred, timeout_ms)

    tmp = tempfile.TemporaryDirectory()
    clip = Path("bench_1080p.mp4") if args.keep else Path(tmp.name) / "bench_1080p.mp4"
    t0 = time.perf_counter()
    n = make_clip(clip, args.seconds, args.fps)
    print(f"clip: {clip} {n} frames 1920x1080 @ {args.fps} fps, H.264 g=240 bf=3 "
          f"({clip.stat().st_size / 1e6:.1f} MB, encoded in {time.perf_counter() - t0:.1f} s)")
    t0 = time.perf_counter()
    info = probe(clip)
    print(f"probe (one decoding pass, cached per process): {time.perf_counter() - t0:.2f} s "
          f"-> {info.frames} frames, {info.fps:g} fps")

    player = Player()
    player.resize(1280, 760)
    player.show()
    events: list[tuple[float, int]] = []
    player.sigFrameChanged.connect(lambda i: events.append((time.monotonic(), i)))
    errors: list[str] = []
    player.sigError.connect(errors.append)

    t0 = time.monotonic()
    player.open(clip, info.frames, info.fps)
    assert wait_for(lambda: player.shown_frame() == 0, 30000), "first frame never came"
    print(f"open -> frame 0 shown: {(time.monotonic() - t0) * 1000:.0f} ms")

    def play_run(speed: float, seconds: float, start: int = 0) -> None:
        player.seek(start)
        wait_for(lambda: player.shown_frame() == start)
        player.set_speed(speed)
        events.clear()
        t_play = time.monotonic()
        player.play()
        wait_for(lambda: not player.is_playing(), int(seconds * 1000))
        t_end = time.monotonic()
        ended = not player.is_playing()
        stats = player.stats()
        player.pause()
        frames = [i for _, i in events]
        times = [t for t, _ in events]
        if not frames:
            print(f"{speed:g}x: no frames shown")
            return
        last = frames[-1]
        elapsed = t_end - t_play
        expected = min(info.frames - 1, start + int(elapsed * info.fps * speed))
        # the clock starts when the first frame is decoded: measure from the first frame shown
        first_t, first_i = times[0], frames[0]
        clock_expected = min(info.frames - 1, first_i + (t_end - first_t) * info.fps * speed)
        drift = clock_expected - last
        gaps = np.diff(times) * 1000 if len(times) > 1 else np.array([0.0])
        mono = all(b > a for a, b in zip(frames, frames[1:]))
        advanced = last - start
        print(
            f"{speed:g}x for {elapsed:.2f} s{' (reached the end)' if ended else ''}: "
            f"shown {stats['shown']}, dropped {stats['dropped']} "
            f"(shown+dropped {stats['shown'] + stats['dropped']} vs advanced {advanced}); "
            f"effective {stats['shown'] / elapsed:.1f} fps of {info.fps * speed:g} wanted; "
            f"final frame {last}, wall-clock expectation {expected}, "
            f"drift vs clock {drift:+.1f} frames ({drift / (info.fps * speed) * 1000:+.0f} ms); "
            f"start latency {(first_t - t_play) * 1000:.0f} ms; "
            f"interval median {np.median(gaps):.1f} ms p95 {np.percentile(gaps, 95):.1f} ms "
            f"max {gaps.max():.1f} ms; increasing: {mono}"
        )

    play_run(1.0, args.play)
    play_run(2.0, min(args.play, (info.frames / info.fps) / 2 - 0.5))
    play_run(4.0, min(args.play, (info.frames / info.fps) / 4 - 0.3))

    rng = random.Random(0)
    lat: list[float] = []
    for _ in range(args.seeks):
        f = rng.randrange(info.frames)
        while f == player.shown_frame():
            f = rng.randrange(info.frames)
        t = time.monotonic()
        player.seek(f)
        if not wait_for(lambda: player.shown_frame() == f, 10000):
            print("seek timed out", f)
            continue
        lat.append((time.monotonic() - t) * 1000)
    print(f"random seek -> shown: median {statistics.median(lat):.0f} ms, "
          f"p95 {pct(lat, 95):.0f} ms, max {max(lat):.0f} ms (n={len(lat)})")

    player.seek(info.frames // 2)
    wait_for(lambda: player.shown_frame() == info.frames // 2)
    back: list[float] = []
    for _ in range(30):
        target = player.frame() - 1
        t = time.monotonic()
        player.step(-1)
        wait_for(lambda: player.shown_frame() == target, 10000)
        back.append((time.monotonic() - t) * 1000)
    print(f"step -1 x30 -> shown: median {statistics.median(back):.1f} ms, "
          f"p95 {pct(back, 95):.1f} ms, first {back[0]:.0f} ms, max {max(back):.0f} ms")

    fwd: list[float] = []
    for _ in range(30):
        target = player.frame() + 1
        t = time.monotonic()
        player.step(1)
        wait_for(lambda: player.shown_frame() == target, 10000)
        fwd.append((time.monotonic() - t) * 1000)
    print(f"step +1 x30 -> shown: median {statistics.median(fwd):.1f} ms, "
          f"p95 {pct(fwd, 95):.1f} ms, max {max(fwd):.0f} ms")

    # GUI-thread cost of drawing one 1080p frame into the 1280x720 view
    t = time.perf_counter()
    for _ in range(20):
        player.view.repaint()
    print(f"paint 1080p -> {player.view.width()}x{player.view.height()}: "
          f"{(time.perf_counter() - t) / 20 * 1000:.1f} ms")

    if errors:
        print("errors:", errors)
    player.shutdown()
    del app
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
