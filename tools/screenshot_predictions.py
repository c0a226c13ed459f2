"""Make the README's predictions screenshot from the real app: ``python tools/screenshot_predictions.py``.

Builds a demo project in a temporary folder, opens it in ``MainWindow`` (offscreen unless
``QT_QPA_PLATFORM``/``DISPLAY`` say otherwise), presses Retrain (save, export, train, predict
every trailer) with a small configuration, then shows a labelled trailer with its prediction
curves over the labels and saves ``docs/predictions.png`` with ``window.grab()``.
Options: ``--out PATH --size 1500x940 --trailer 1 --trailers 8 --seconds 20 --epochs 4
--frame-size 32x32``. Preferences go to the temporary folder too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "predictions.png"))
    parser.add_argument("--size", default="1500x940", help="window WIDTHxHEIGHT")
    parser.add_argument("--trailer", type=int, default=1, help="the trailer shown (labelled)")
    parser.add_argument("--trailers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--frame-size", default="32x32")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    scratch = Path(tempfile.mkdtemp(prefix="trailer-gui-shot-"))
    try:
        from PySide6 import QtCore
        from qt_scratch import isolate, wait

        isolate(scratch)

        from trailer_gui.app import create_application
        from trailer_gui.services import training as T
        from trailer_gui.demo.project import make_demo
        from trailer_gui.widgets.main_window import MainWindow

        project = make_demo(scratch / "demo", trailers=args.trailers, seconds=args.seconds)
        for key, value in (("size", args.frame_size), ("epochs", str(args.epochs))):
            T.set_config(project, key, value)
        project.close()
        app = create_application()  # noqa: F841  (kept alive while the window runs)
        window = MainWindow(scratch / "demo")
        width, height = (int(v) for v in args.size.lower().split("x"))
        window.resize(width, height)
        window.show()
        window.files.select_video(args.trailer)
        wait(1.0)
        ctl = window.model_ctl
        t0 = time.monotonic()
        done = []
        ctl.sigJobFinished.connect(lambda kind, result: done.append(result))
        ctl.retrain()
        wait(1800, until=lambda: bool(done) and ctl.job is None)
        result = done[0] if done else None
        if result is None:
            print("retrain failed or timed out", file=sys.stderr)
            return 1
        print(f"retrained in {time.monotonic() - t0:.0f} s: run {result.run}, "
              f"best epoch {result.best_epoch}")

        # A tall timeline, the Runs tab's neighbour (curves and metrics) in the dock.
        window.right_splitter.setSizes([int(height * 0.45), int(height * 0.55)])
        window.resizeDocks([ctl.dock], [420], QtCore.Qt.Horizontal)
        ctl.panel.tabs.setCurrentIndex(0)
        # A frame inside a scene with two genres, else any labelled frame: a picture to show.
        labels = window.editor.array
        counts = labels.sum(axis=1)
        candidates = [f for f in range(len(counts)) if counts[f] >= 2] or \
            [f for f in range(len(counts)) if counts[f]] or [len(counts) // 3]
        frame = candidates[len(candidates) // 2]
        window.player.seek(frame)
        wait(5.0, until=lambda: window.player.shown_frame() == frame)
        wait(0.5)
        macro = (result.metrics or {}).get("macro", {})
        window.statusBar().showMessage(
            f"Run {result.run}: curves = predicted probability per genre, dashed = threshold, "
            f"red marks = prediction and labels differ (N / Shift+N / U)"
            + (f"; validation macro F1 {macro['f1']:.2f}" if macro.get("f1") is not None else ""))
        wait(0.3)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            print(f"could not write {out}", file=sys.stderr)
            return 1
        print(f"wrote {out} ({width}x{height}, trailer {args.trailer}, frame {frame})")
        window.close()
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
