"""Timeline speed for a 20,000-frame trailer (run by hand; prints figures).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_timeline.py [frames] [repeats]

Figures are medians in milliseconds: a synchronous viewport repaint (full view, zoomed in,
after an edit), ``widget.grab()``, an editor edit with the lane-image update it triggers, and
one mouse-drag step of painting.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402

from trailer_gui.core.editing import LabelEditor  # noqa: E402
from trailer_gui.core.genres import default_genres  # noqa: E402
from trailer_gui.widgets.timeline.timeline import Timeline  # noqa: E402


def median_ms(fn, repeats: int, setup=None) -> float:
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(frames: int = 20_000, repeats: int = 30) -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    genres = default_genres()
    rng = np.random.default_rng(0)
    labels = np.zeros((frames, len(genres)), bool)
    for lane in range(len(genres)):  # ~40 segments per lane, like a labelled trailer
        for a in rng.integers(0, frames, 40):
            labels[a : a + rng.integers(5, 400), lane] = True
    editor = LabelEditor(labels, [g.name for g in genres])

    tl = Timeline()
    tl.resize(1600, 300)
    tl.show()
    t0 = time.perf_counter()
    tl.set_labels(editor, genres, 24.0)
    app.processEvents()
    load = (time.perf_counter() - t0) * 1000
    vp = tl.graphics.viewport()
    vp.repaint()

    rows = [("set_labels (build lanes) + first layout", load)]
    rows.append(("full view: viewport repaint", median_ms(vp.repaint, repeats)))
    rows.append(("full view: widget.grab()", median_ms(tl.grab, repeats)))
    print(f"frames per image column at full view: {tl.frames_per_column}; "
          f"image {tl.image_item.image.shape}")

    spans = iter(range(10**9))

    def paint_500():  # a new 500-frame range each time, flipping its first frame's state
        a = (next(spans) * 613) % (frames - 500)
        assert editor.paint(1, a, a + 500, on=not editor.array[a, 1])

    rows.append(("edit 500 frames (editor + lane image update)", median_ms(paint_500, repeats)))
    rows.append(("  ... then viewport repaint", median_ms(vp.repaint, repeats, paint_500)))
    rows.append(("lane image update alone, 500 frames (full view)",
                 median_ms(lambda: tl.lanes.update_frames(5000, 5500), repeats)))

    tl.zoom_to(8000, 8500)
    app.processEvents()
    vp.repaint()
    rows.append(("zoomed to 500 frames: viewport repaint", median_ms(vp.repaint, repeats)))
    rows.append(("  ... edit 500 frames + repaint (image is full-res)",
                 median_ms(lambda: (paint_500(), vp.repaint()), repeats)))
    rows.append(("lane image update alone, 500 frames (full-res)",
                 median_ms(lambda: tl.lanes.update_frames(5000, 5500), repeats)))
    tl.zoom_all()
    app.processEvents()
    rows.append(("zoom in/out (pooled image rebuilt) + repaint",
                 median_ms(lambda: (tl.zoom_to(0, frames / 2), vp.repaint(),
                                    tl.zoom_all(), vp.repaint()), repeats) / 2))

    # one step of a mouse drag: paint 25 more frames inside an open gesture, then repaint
    editor.begin_gesture()
    pos = iter(range(1000, frames, 25))

    def drag_step():
        a = next(pos)
        editor.paint(3, a, a + 25)
        vp.repaint()

    rows.append(("paint drag step (25 frames) + repaint", median_ms(drag_step, repeats)))
    editor.end_gesture()

    width = max(len(name) for name, _ in rows)
    print(f"timeline, {frames} frames, {len(genres)} lanes, 1600x300, median of {repeats}:")
    for name, ms in rows:
        print(f"  {name:<{width}}  {ms:8.2f} ms")
    tl.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
