"""The timeline of the annotation window: one lane per genre, a playhead, a range selection.

A thin view of a :class:`~trailer_gui.core.editing.LabelEditor`: it renders ``editor.array``
and turns mouse gestures into editor calls; it holds no labels of its own.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Signal
from shiboken6 import isValid

from trailer_gui.core.editing import LabelEditor
from trailer_gui.core.genres import Genre
from trailer_gui.widgets.timeline.timeline_items import (
    PLAYHEAD,
    PLAYHEAD_HOVER,
    SELECTION_BRUSH,
    SELECTION_PEN,
    SEPARATOR,
    Z_OVERLAY,
    Z_PLAYHEAD,
    Z_SELECTION,
    Z_SEPARATORS,
    FrameAxis,
    LaneAxis,
    LaneImage,
    TimelineGraphicsView,
    TimelineViewBox,
    format_time,
)
from trailer_gui.widgets.timeline.timeline_shots import ShotLayer

__all__ = ["Timeline", "format_time"]

Qt = QtCore.Qt
MIN_SPAN = 4  # narrowest view, in frames (a frame is then a quarter of the width)


class Timeline(QtWidgets.QWidget):
    """Genre lanes over frames, with a playhead and a range selection.

    Coordinates (view): frame ``f`` occupies x in ``[f, f + 1)``; lane ``i`` (genre ``i``,
    genre 0 at the top, y inverted) occupies y in ``[i, i + 1)``. The playhead line sits at
    ``x = frame`` (the left edge of the current frame). The view is limited to
    ``[0, frames]`` in x; y always shows all lanes.

    Mouse map:

    ===============================  ===========================================================
    In a lane
    left-drag                        paint that lane's genre over the dragged frames (one undo
                                     step; the lane is the one pressed, whatever the y later)
    right-drag                       erase that lane's genre over the dragged frames (one step)
    left-click                       seek to the clicked frame (a click never edits)
    left-double-click                fill the shot under the cursor with that lane's genre (or
                                     erase it if the whole shot has it; needs known cuts)
    Shift+left-drag, middle-drag     pan (x only)
    Anywhere over lanes or ruler
    wheel                            zoom around the cursor (x only, down to ``MIN_SPAN`` frames)
    Ctrl/Shift+wheel, horizontal     pan
    On the ruler (the frame axis)
    left-click / left-drag           seek / scrub (hover: frame and time tooltip)
    Shift+left-drag, middle-drag     pan
    The playhead
    left-drag                        seek (the handle is at the top)
    ===============================  ===========================================================

    The timeline takes no keyboard focus and ignores key events (the window owns the keys).

    Overlays (issues #5, #6) are added by callers to :meth:`view_box` (``addItem``) in view
    coordinates: :meth:`lane_rect` gives a lane's y span, ``Z_OVERLAY`` (20) lies above the
    lanes (0) and separators (5) and below the selection (50) and playhead (100). Rows of
    their own (e.g. a filmstrip above the lanes) go into ``graphics.ci`` at row 0 (the plot is
    row 1) with ``setXLink(timeline.view_box())``; pyqtgraph aligns linked x by scene position,
    and a PlotItem whose left axis has ``setWidth(LaneAxis.WIDTH)`` lines up with the lanes.
    ``sigLanesChanged`` fires after :meth:`set_labels` so overlays can rebuild;
    ``sigRangeChanged`` mirrors the visible x range.

    Shot cuts (:meth:`set_cuts`) show as thin lines across the lanes; with
    :meth:`set_snap_to_shots` on, the edges of a painted or erased drag snap to cuts a few
    frames away (``widgets.timeline.timeline_shots``).
    """

    sigSeek = Signal(int)  # the user asks for this frame (ruler click/drag, playhead drag)
    sigGestureFinished = Signal(str)  # an undo step was made by a mouse gesture; its name
    sigLanesChanged = Signal()  # set_labels() installed new lanes / a new editor
    sigRangeChanged = Signal(float, float)  # the visible frame range changed
    sigSelectionChanged = Signal()  # the range (I/O) was set, changed or cleared

    Z_OVERLAY = Z_OVERLAY

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.editor: LabelEditor | None = None
        self.genres: list[Genre] = []
        self.fps = 25.0
        self._frame = 0
        self._selection: tuple[int, int] | None = None
        self._stroke: tuple[int, bool, int] | None = None  # (lane, erase, last frame)
        self._last_seek: int | None = None

        self.graphics = TimelineGraphicsView(self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

        self._vb = TimelineViewBox(self)
        self.ruler = FrameAxis(self._ruler_seek, lambda: self.fps)
        self.lane_axis = LaneAxis()
        self.plot_item = pg.PlotItem(
            viewBox=self._vb, axisItems={"bottom": self.ruler, "left": self.lane_axis}
        )
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.ruler.setPen(pg.mkPen(SEPARATOR))
        self.ruler.setTextPen(pg.mkPen("#9aa0a6"))
        self.graphics.ci.addItem(self.plot_item, row=1, col=0)

        self.lanes = LaneImage()
        self.image_item = self.lanes.item
        self._vb.addItem(self.image_item)
        self._separators: list[pg.InfiniteLine] = []

        self.selection_item = pg.LinearRegionItem(
            (0, 1), orientation="vertical", movable=False, brush=SELECTION_BRUSH, pen=SELECTION_PEN
        )
        self.selection_item.setZValue(Z_SELECTION)
        self.selection_item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.selection_item.setVisible(False)
        self._vb.addItem(self.selection_item, ignoreBounds=True)

        self.playhead = pg.InfiniteLine(
            0, angle=90, movable=True, pen=pg.mkPen(PLAYHEAD, width=2),
            hoverPen=pg.mkPen(PLAYHEAD_HOVER, width=3),
        )
        self.playhead.addMarker("^", position=0.0, size=14)  # y is inverted: a "v" on top
        self.playhead.setZValue(Z_PLAYHEAD)
        self.playhead.setCursor(Qt.CursorShape.SizeHorCursor)
        self.playhead.sigDragged.connect(self._playhead_dragged)
        self.playhead.sigPositionChangeFinished.connect(self._playhead_released)
        self._vb.addItem(self.playhead, ignoreBounds=True)

        self._vb.sigXRangeChanged.connect(self._on_x_range)
        self._vb.sigResized.connect(self._update_lod)
        self.shots = ShotLayer(self)  # cut markers, snapping, shot fill (issue #6)
        self.set_labels(None, [], self.fps)

    # ---- public API ----------------------------------------------------------------------
    def view_box(self) -> pg.ViewBox:
        return self._vb

    def set_cuts(self, cuts: list[int] | None) -> None:
        """Mark these shot cuts (first frame of each shot after the first); None: unknown."""
        self.shots.set_cuts(cuts)

    def cuts(self) -> list[int] | None:
        return self.shots.cuts

    def set_snap_to_shots(self, on: bool) -> None:
        self.shots.snap = bool(on)

    def snap_to_shots(self) -> bool:
        return self.shots.snap

    def add_top_strip(self, item: pg.PlotItem) -> None:
        """Put ``item`` (a row such as the filmstrip: a ``PlotItem`` whose left axis is
        ``LaneAxis.WIDTH`` wide) above the lanes, below any strip added before, x-linked to
        the lanes. Strips share row 0 of ``graphics.ci`` through a nested layout."""
        top = getattr(self, "_top_strips", None)
        if top is None:
            top = self._top_strips = self.graphics.ci.addLayout(row=0, col=0)
            top.setContentsMargins(0, 0, 0, 0)
            top.setSpacing(0)
        top.addItem(item, row=len(top.items), col=0)
        item.setXLink(self._vb)

    @property
    def frames(self) -> int:
        return 0 if self.editor is None else self.editor.frames

    def set_labels(self, editor: LabelEditor | None, genres: list[Genre], fps: float) -> None:
        """Show ``editor``'s labels in lanes of ``genres`` (in the editor's column order).
        ``None`` clears. The timeline listens to the editor until the next call."""
        genres = list(genres)
        if editor is not None and [g.name for g in genres] != list(editor.genres):
            raise ValueError(
                f"genres {[g.name for g in genres]} do not match the editor's {editor.genres}"
            )
        same_video = editor is not None and editor is self.editor
        self._finish_stroke()
        if self.editor is not None:
            self.editor.remove_listener(self._on_labels_changed)
        self.editor, self.genres = editor, genres
        self.fps = float(fps) if fps and fps > 0 else 25.0
        if editor is not None:
            editor.add_listener(self._on_labels_changed)

        n = max(1, len(genres))
        frames = self.frames
        span = max(1, frames)
        self.lane_axis.set_lanes([g.name for g in genres], [g.color for g in genres])
        for line in self._separators:
            self._vb.removeItem(line)
        self._separators = []
        for i in range(1, len(genres)):
            line = pg.InfiniteLine(i, angle=0, movable=False, pen=pg.mkPen(SEPARATOR, width=1))
            line.setZValue(Z_SEPARATORS)
            line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self._vb.addItem(line, ignoreBounds=True)
            self._separators.append(line)

        keep = self.visible_range() if same_video else None
        self.lanes.set_source(None, [])  # nothing to draw while the view is reset
        self._vb.setLimits(
            xMin=0, xMax=span, minXRange=min(span, MIN_SPAN), maxXRange=span,
            yMin=0, yMax=n, minYRange=n, maxYRange=n,
        )
        self._vb.setYRange(0, n, padding=0)
        self.playhead.setBounds((0, max(0, frames - 1)))
        self.playhead.setVisible(frames > 0)
        self._frame = min(self._frame, max(0, frames - 1))
        self.playhead.setValue(self._frame)
        if not same_video:
            self.set_selection(None, None)
        if keep is not None:
            self.zoom_to(*keep)
        else:
            self.zoom_all()
        source = None if editor is None else (lambda: editor.array)
        self.lanes.set_source(source, [g.color for g in genres], self._ds())
        self.sigLanesChanged.emit()

    def set_frame(self, frame: int) -> None:
        """Move the playhead. When the frame changes and leaves the visible range (playback),
        the view turns a page (or centres it after a jump); never during a mouse gesture."""
        frame = int(frame)
        if self.frames:
            frame = min(max(frame, 0), self.frames - 1)
        changed = frame != self._frame
        self._frame = frame
        if not self.playhead.moving:
            self.playhead.setValue(frame)
        if changed and not self._gesture_active():
            self._follow(frame)

    def frame(self) -> int:
        return self._frame

    def set_selection(self, start: int | None, stop: int | None) -> None:
        """Show frames [start, stop) as the selection; ``None`` (either) hides it."""
        before = self._selection
        if start is None or stop is None:
            self._selection = None
            self.selection_item.setVisible(False)
        else:
            lo, hi = sorted((int(start), int(stop)))
            if self.frames:
                lo, hi = max(0, lo), min(self.frames, hi)
            self._selection = (lo, hi)
            self.selection_item.setRegion((lo, hi))
            self.selection_item.setVisible(hi > lo)
        if self._selection != before:
            self.sigSelectionChanged.emit()

    def selection(self) -> tuple[int, int] | None:
        return self._selection

    def zoom_to(self, start: float, stop: float) -> None:
        lo, hi = sorted((float(start), float(stop)))
        self._vb.setXRange(lo, hi, padding=0)

    def visible_range(self) -> tuple[float, float]:
        x0, x1 = self._vb.viewRange()[0]
        return float(x0), float(x1)

    def zoom_all(self) -> None:
        self.zoom_to(0, max(1, self.frames))

    def lane_rect(self, genre_index: int) -> tuple[float, float]:
        """The y span ``(y0, y1)`` of a lane in view coordinates (y0 at the top)."""
        if not 0 <= genre_index < len(self.genres):
            raise IndexError(f"no lane {genre_index}")
        return float(genre_index), float(genre_index + 1)

    def lane_at(self, y_view: float) -> int | None:
        if not 0 <= y_view < len(self.genres):
            return None
        return int(math.floor(y_view))

    def frame_at(self, x_view: float) -> int:
        """The frame under view x, clamped to the video."""
        return min(max(int(math.floor(x_view)), 0), max(0, self.frames - 1))

    def frame_lane_to_widget(self, frame: float, lane: int) -> QtCore.QPoint:
        """Centre of ``lane`` at ``frame`` (the middle of its column) in widget coordinates."""
        return self._view_to_widget(frame + 0.5, lane + 0.5)

    def frame_ruler_to_widget(self, frame: float) -> QtCore.QPoint:
        """A point on the ruler (frame axis) at ``frame``, in widget coordinates."""
        p = self._view_to_widget(frame + 0.5, 0)
        rect = self.ruler.sceneBoundingRect()
        y = self.graphics.mapFromScene(QtCore.QPointF(0, rect.center().y())).y()
        return QtCore.QPoint(p.x(), self.graphics.viewport().mapTo(self, QtCore.QPoint(0, y)).y())

    def _view_to_widget(self, x: float, y: float) -> QtCore.QPoint:
        scene = self._vb.mapViewToScene(QtCore.QPointF(float(x), float(y)))
        return self.graphics.viewport().mapTo(self, self.graphics.mapFromScene(scene))

    @property
    def frames_per_column(self) -> int:
        """Frames pooled into one column of the lane image (1 when zoomed in)."""
        return self.lanes.ds

    # ---- mouse (called by the view box and the ruler) -------------------------------------
    def lane_drag(self, ev, erase: bool) -> None:
        vb = self._vb
        if ev.isStart():
            self._finish_stroke()
            lane = self.lane_at(vb.mapSceneToView(ev.buttonDownScenePos()).y())
            if self.editor is None or lane is None:
                return
            start = self.frame_at(vb.mapSceneToView(ev.buttonDownScenePos()).x())
            self.editor.begin_gesture()
            self.shots.begin_stroke(self.editor, lane, erase)
            self._stroke = (lane, erase, start)
        if self._stroke is None:
            return
        if not self.editor.in_gesture:  # ended elsewhere (undo mid-drag): stop painting
            self._stroke = None
            return
        lane, erase, last = self._stroke
        frame = self.frame_at(vb.mapSceneToView(ev.scenePos()).x())
        lo, hi = sorted((last, frame))
        self.editor.paint(lane, lo, hi + 1, on=not erase)  # fills the gap since the last move
        self.shots.painted(lo, hi + 1)
        self._stroke = (lane, erase, frame)
        if ev.isFinish():
            self._finish_stroke()

    def lane_click(self, ev) -> None:
        pos = self._vb.mapSceneToView(ev.scenePos())
        if ev.double():  # the first click of it has seeked already
            lane = self.lane_at(pos.y())
            if self.editor is not None and lane is not None and self.frames:
                name = self.shots.fill_shot(self.editor, lane, self.frame_at(pos.x()))
                if name:
                    self.sigGestureFinished.emit(name)
            return
        self._ruler_seek(pos.x(), True)

    def _ruler_seek(self, x: float | None, final: bool) -> None:
        if x is not None and self.frames:
            self._seek(self.frame_at(x), final)

    def _seek(self, frame: int, final: bool) -> None:
        """Move the playhead at once and ask for ``frame``; a drag emits each new frame once."""
        self._frame = frame
        if not self.playhead.moving:
            self.playhead.setValue(frame)
        if frame != self._last_seek:
            self.sigSeek.emit(frame)
        self._last_seek = None if final else frame

    def _playhead_dragged(self) -> None:
        if self.frames:
            self._seek(min(max(int(round(self.playhead.value())), 0), self.frames - 1), False)

    def _playhead_released(self) -> None:
        if self.frames:
            self._seek(min(max(int(round(self.playhead.value())), 0), self.frames - 1), True)
        self.playhead.setValue(self._frame)

    def _finish_stroke(self) -> None:
        if self._stroke is None:
            return
        self._stroke = None
        if self.editor is not None:
            self.shots.finish_stroke(self.editor)  # snaps the range inside the gesture
        step = self.editor.end_gesture() if self.editor is not None else None
        if step is not None:
            self.sigGestureFinished.emit(step.name)

    def _gesture_active(self) -> bool:
        return self._stroke is not None or self._vb.panning or self.playhead.moving

    # ---- view ----------------------------------------------------------------------------
    def _follow(self, frame: int) -> None:
        x0, x1 = self.visible_range()
        width = x1 - x0
        if x0 <= frame and frame + 1 <= x1:
            return
        if x1 <= frame < x1 + width:  # playback ran off the right edge: next page
            self.zoom_to(x1, x1 + width)
        elif x0 - width <= frame < x0:  # backwards off the left edge: previous page
            self.zoom_to(x0 - width, x0)
        else:  # a jump: centre it
            self.zoom_to(frame + 0.5 - width / 2, frame + 0.5 + width / 2)

    def _ds(self) -> int:
        px = self._vb.width()
        if px < 2:
            return 1
        x0, x1 = self.visible_range()
        return LaneImage.ds_for((x1 - x0) / px)

    def _update_lod(self, *_) -> None:
        self.lanes.set_ds(self._ds())

    def _on_x_range(self, _vb, rng) -> None:
        self._update_lod()
        self.sigRangeChanged.emit(float(rng[0]), float(rng[1]))

    def _on_labels_changed(self, start: int, stop: int) -> None:
        if not isValid(self.image_item):  # the widget is gone; stop listening
            if self.editor is not None:
                self.editor.remove_listener(self._on_labels_changed)
            return
        self.lanes.update_frames(start, stop)
