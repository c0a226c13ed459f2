"""Make the README screenshot from the real app: ``python tools/screenshot.py``.

Builds a demo project (in a temporary folder, not the user's), opens it in ``MainWindow``
offscreen (or on the display given by ``QT_QPA_PLATFORM``/``DISPLAY``), selects a trailer,
seeks into a labelled region, sets a range, and saves ``docs/main_window.png`` with
``window.grab()``. Options: ``--out PATH --size 1400x860 --trailer 1 --seconds 20``.
Preferences go to a temporary folder too, so your window layout is neither used nor changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from qt_scratch import isolate, wait  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "main_window.png"))
    parser.add_argument("--size", default="1400x860", help="window WIDTHxHEIGHT")
    parser.add_argument("--trailer", type=int, default=1)
    parser.add_argument("--trailers", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="trailer-gui-shot-"))
    try:
        isolate(scratch)

        from trailer_gui.app import create_application
        from trailer_gui.demo.project import make_demo
        from trailer_gui.widgets.main_window import MainWindow

        make_demo(scratch / "demo", trailers=args.trailers, seconds=args.seconds).close()
        app = create_application()  # noqa: F841  (kept alive while the window runs)
        window = MainWindow(scratch / "demo")
        width, height = (int(v) for v in args.size.lower().split("x"))
        window.resize(width, height)
        window.show()
        window.files.select_video(args.trailer)
        wait(1.0)

        editor, genres = window.editor, window.state.genres
        labels = editor.array
        frames = editor.frames
        # A frame inside a scene with two genres if there is one, else any labelled frame.
        counts = labels.sum(axis=1)
        candidates = [f for f in range(frames) if counts[f] >= 2] or [f for f in range(frames) if counts[f]]
        frame = candidates[len(candidates) // 2] if candidates else frames // 3
        # The scene around it, as a range selection, and the timeline zoomed onto that half.
        lo = hi = frame
        while lo > 0 and (labels[lo - 1] == labels[frame]).all():
            lo -= 1
        while hi < frames - 1 and (labels[hi + 1] == labels[frame]).all():
            hi += 1
        window.player.seek(frame)
        window.timeline.set_selection(lo, hi + 1)
        window._update_actions()
        wait(5.0, until=lambda: window.player.shown_frame() == frame)
        wait(0.5)
        window.statusBar().showMessage(
            f"Frame {frame}: " + ", ".join(g.name for g, on in zip(genres, labels[frame]) if on))

        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            print(f"could not write {out}", file=sys.stderr)
            return 1
        print(f"wrote {out} ({width}x{height}, trailer {args.trailer}, frame {frame}, "
              f"range {lo}-{hi})")
        window.close()
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
