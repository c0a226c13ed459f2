"""Main-window benchmark (run by hand): ``python tests/benchmarks/bench_gui.py``.

Prints:

* start-up: wall time from launching ``trailer-gui PROJECT`` to its first shown window
  (``TRAILER_GUI_EXIT_AFTER_SHOW=1`` makes the app print that and quit), over a few runs,
  next to a bare ``python -c pass`` and ``import PySide6.QtWidgets`` for scale; and whether
  TensorFlow got imported (it must not);
* seek-to-shown in the window: from a timeline click (``timeline.sigSeek``) until the window
  has the frame on screen (player shown frame, timeline playhead and genre chips updated),
  random seeks and single steps backwards, median and p95.

Options: ``--runs 5 --seeks 40 --seconds 10 --size 480x854 --keep``. Waits use a QEventLoop
(never ``processEvents()`` in a loop: PySide6 6.12 on Python 3.11 leaks a reference to
``None`` per void call; pyproject.toml pins PySide6 below 6.12).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from qt_scratch import wait  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed_run(cmd, env) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - t0


def bench_startup(project: Path, runs: int, scratch: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAILER_GUI_EXIT_AFTER_SHOW="1",
               XDG_CONFIG_HOME=str(scratch / "config"), XDG_DATA_HOME=str(scratch / "data"))
    exe = shutil.which("trailer-gui")
    cmd = [exe, str(project)] if exe else [sys.executable, "-m", "trailer_gui.app", str(project)]
    bare = [timed_run([sys.executable, "-c", "pass"], env) for _ in range(3)]
    qt = [timed_run([sys.executable, "-c", "import PySide6.QtWidgets"], env) for _ in range(3)]
    shown, lines = [], []
    for _ in range(runs):
        env["TRAILER_GUI_T0"] = repr(time.time())
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        line = next((l for l in out.stdout.splitlines() if "first window shown" in l), "")
        if out.returncode != 0 or not line:
            print(out.stdout, out.stderr)
            raise SystemExit("trailer-gui did not report its first window")
        shown.append(float(line.split("shown: ")[1].split(" s")[0]))
        lines.append(line)
    print(f"start-up ({runs} runs of {' '.join(Path(c).name for c in cmd[:1])} PROJECT):")
    print(f"  python -c pass                 median {statistics.median(bare) * 1000:7.0f} ms")
    print(f"  import PySide6.QtWidgets       median {statistics.median(qt) * 1000:7.0f} ms")
    print(f"  launch -> first window shown   median {statistics.median(shown) * 1000:7.0f} ms"
          f"   min {min(shown) * 1000:.0f}  max {max(shown) * 1000:.0f}")
    print(f"  last report: {lines[-1].removeprefix('trailer-gui: ')}")


def bench_seek(project: Path, seeks: int) -> None:
    from trailer_gui.app import create_application
    from trailer_gui.widgets.main_window import MainWindow

    app = create_application()
    window = MainWindow(project)
    window.resize(1400, 900)
    window.show()
    video = window.state.video
    frames = video.frames

    def wait_for(pred, timeout_s=10.0):
        if not wait(timeout_s, pred, interval_ms=1):  # 1 ms: the seek times are measured
            raise SystemExit("timed out waiting for a frame")

    def on_screen(f):
        return lambda: (window.player.shown_frame() == f and window.timeline.frame() == f
                        and window.genre_bar._frame == f)

    wait_for(on_screen(0))
    rng = random.Random(0)

    def measure(targets):
        out = []
        for f in targets:
            if window.player.shown_frame() == f:
                continue
            t0 = time.perf_counter()
            window.timeline.sigSeek.emit(f)
            wait_for(on_screen(f))
            out.append((time.perf_counter() - t0) * 1000)
        return out

    random_ms = measure([rng.randrange(frames) for _ in range(seeks)])
    start = rng.randrange(frames // 2, frames)
    measure([start])
    back_ms = measure(list(range(start - 1, max(0, start - 1 - seeks), -1)))
    print(f"seek-to-shown in the window ({video.width}x{video.height}, {frames} frames, "
          f"through timeline.sigSeek -> player -> timeline/chips):")
    for name, ms in (("random seeks", random_ms), ("steps backwards", back_ms)):
        print(f"  {name:<16} n={len(ms):3d}  median {statistics.median(ms):6.1f} ms  "
              f"p95 {pct(ms, 0.95):6.1f} ms  max {max(ms):6.1f} ms")
    window.close()
    app.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seeks", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="480x854", help="ROWSxCOLS of the benchmark trailers")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    from trailer_gui.demo.project import make_demo

    scratch = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    try:
        rows, cols = (int(v) for v in args.size.lower().split("x"))
        t0 = time.perf_counter()
        make_demo(scratch / "proj", trailers=2, seconds=args.seconds, size=(rows, cols)).close()
        print(f"made 2 trailers of {args.seconds:g} s at {cols}x{rows} in "
              f"{time.perf_counter() - t0:.1f} s ({scratch})")
        bench_startup(scratch / "proj", args.runs, scratch)
        bench_seek(scratch / "proj", args.seeks)
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
