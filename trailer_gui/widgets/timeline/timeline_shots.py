"""Shot boundaries on the timeline (issue #6): cut markers, snapping of painted ranges, and
filling the shot under a double-click.

:class:`ShotLayer` belongs to a :class:`~trailer_gui.widgets.timeline.timeline.Timeline` (its
``shots``), which calls it at the few moments that matter: a paint stroke begins, paints,
ends; a lane is double-clicked. The truth stays where it was: the cuts in the project store
(``Project.cuts``), the labels in the ``LabelEditor``; snapping and filling are editor calls
inside the stroke's gesture, so a drag stays one undo step.

* Markers: ONE ``PlotDataItem`` (``connect='pairs'``: a vertical segment per cut over all
  lanes), cosmetic 1 px pen, between the lanes and the overlays; it takes no mouse buttons.
* Snapping (when on): at the end of a paint or erase drag, each edge of the dragged range
  moves to the nearest shot boundary within ``tolerance`` frames (``core.shots.snap_range``):
  frames gained are painted (or erased), frames given up get back what they held before the
  stroke. The step is named after the snapped range ("Paint action 120-479").
* Double-click in a lane (left button): paint that genre over the whole shot under the
  cursor, or erase it if the shot carries it on every frame already (like a genre key over a
  range); one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from trailer_gui.core.editing import LabelEditor, describe
from trailer_gui.core.shots import SNAP_TOLERANCE, shot_at, snap_range
from trailer_gui.widgets.timeline.timeline_items import Z_OVERLAY, Z_SEPARATORS

if TYPE_CHECKING:
    from trailer_gui.widgets.timeline.timeline import Timeline

CUT_COLOR = (255, 255, 255, 150)
Z_CUTS = (Z_SEPARATORS + Z_OVERLAY) // 2  # above lanes and separators, below overlays


@dataclass
class _Stroke:
    lane: int
    on: bool
    before: np.ndarray  # the lane's column when the stroke began
    lo: int | None = None  # painted frames [lo, hi)
    hi: int | None = None


class ShotLayer:
    def __init__(self, timeline: "Timeline"):
        self.timeline = timeline
        self.cuts: list[int] | None = None  # None: not known for this video
        self.snap = False
        self.tolerance = SNAP_TOLERANCE
        self.item = pg.PlotDataItem(
            [], [], connect="pairs", pen=pg.mkPen(CUT_COLOR, width=1, cosmetic=True),
            antialias=False,
        )
        self.item.setZValue(Z_CUTS)
        self.item.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.item.curve.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        timeline.view_box().addItem(self.item, ignoreBounds=True)
        self._stroke: _Stroke | None = None
        timeline.sigLanesChanged.connect(self.redraw)

    # ---- cuts ----------------------------------------------------------------------------
    def set_cuts(self, cuts) -> None:
        self.cuts = None if cuts is None else sorted({int(c) for c in cuts})
        self.redraw()

    def shown_cuts(self) -> list[int]:
        """The cuts drawn now (inside the current video)."""
        frames = self.timeline.frames
        return [c for c in (self.cuts or []) if 0 < c < frames]

    def redraw(self) -> None:
        cuts = self.shown_cuts()
        lanes = max(1, len(self.timeline.genres))
        if not cuts:
            self.item.setData([], [])
            self.item.setVisible(False)
            return
        x = np.repeat(np.asarray(cuts, np.float64), 2)  # frame c starts at x = c
        y = np.tile(np.array([0.0, float(lanes)]), len(cuts))
        self.item.setData(x, y, connect="pairs")
        self.item.setVisible(True)

    def shot_at(self, frame: int) -> tuple[int, int] | None:
        """The shot ``[start, stop)`` holding ``frame``; None when the cuts are unknown."""
        if self.cuts is None or not self.timeline.frames:
            return None
        return shot_at(frame, self.cuts, self.timeline.frames)

    # ---- strokes (called by the timeline) ------------------------------------------------
    def begin_stroke(self, editor: LabelEditor, lane: int, erase: bool) -> None:
        self._stroke = _Stroke(lane, not erase, editor.array[:, lane].copy())

    def painted(self, start: int, stop: int) -> None:
        st = self._stroke
        if st is not None:
            st.lo = start if st.lo is None else min(st.lo, start)
            st.hi = stop if st.hi is None else max(st.hi, stop)

    def finish_stroke(self, editor: LabelEditor) -> None:
        """Snap the stroke's range (if snapping is on), inside its gesture."""
        st, self._stroke = self._stroke, None
        if st is None or st.lo is None or not self.snap or self.cuts is None:
            return
        if not editor.in_gesture or len(st.before) != editor.frames:
            return
        a, b = snap_range(st.lo, st.hi, self.cuts, editor.frames, self.tolerance)
        if (a, b) == (st.lo, st.hi):
            return
        if a < st.lo:
            editor.paint(st.lane, a, st.lo, st.on)
        if b > st.hi:
            editor.paint(st.lane, st.hi, b, st.on)
        for lo, hi in ((st.lo, min(a, st.hi)), (max(b, st.lo), st.hi)):
            if lo < hi:  # given up: what the lane held before the stroke
                block = editor.array[lo:hi].copy()
                block[:, st.lane] = st.before[lo:hi]
                editor.set_block(lo, block)
        verb = "Paint" if st.on else "Erase"
        editor.name_gesture(describe(verb, editor.genres[st.lane], a, b))

    # ---- double-click --------------------------------------------------------------------
    def fill_shot(self, editor: LabelEditor, lane: int, frame: int) -> str | None:
        """Paint ``lane``'s genre over the shot holding ``frame`` (erase it if the whole shot
        has it already), one undo step. Returns the step's name, or None (cuts unknown)."""
        shot = self.shot_at(frame)
        if shot is None:
            return None
        start, stop = shot
        on = not bool(editor.array[start:stop, lane].all())
        if not editor.paint(lane, start, stop, on):
            return None
        return editor.undo_name
