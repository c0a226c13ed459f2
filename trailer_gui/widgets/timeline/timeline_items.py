"""Graphics items behind :class:`trailer_gui.widgets.timeline.timeline.Timeline`.

Kept apart from the widget so that each file stays readable:

* :class:`LaneImage` renders ``editor.array`` into ONE RGBA ``ImageItem`` (row-major, shape
  ``(lanes, columns, 4)``), at full resolution or pooled (any-label-in-block) when more than
  one frame falls on a screen pixel, and updates only the columns an edit touched.
* :class:`TimelineViewBox` owns the mouse map of the lanes (paint, erase, pan, zoom).
* :class:`FrameAxis` is the ruler (frame numbers; click/drag seeks, timecode in a tooltip).
* :class:`LaneAxis` shows each genre's name with a colour swatch at the left of its lane.
"""

from __future__ import annotations

import math
from typing import Callable, Protocol

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

Qt = QtCore.Qt

BACKGROUND = "#202124"
LANE_BG = ("#2b2c30", "#25262a")  # alternating lane backgrounds (even, odd)
SEPARATOR = "#141517"
TEXT = "#c8cacd"
PLAYHEAD = "#f1f3f4"
PLAYHEAD_HOVER = "#fdd663"
SELECTION_BRUSH = (138, 180, 248, 48)
SELECTION_PEN = (138, 180, 248, 140)

# z-order of the items in the view box; overlays (issues #5, #6) go between lanes and selection.
Z_LANES = 0
Z_SEPARATORS = 5
Z_OVERLAY = 20
Z_SELECTION = 50
Z_PLAYHEAD = 100

WHEEL_ZOOM = 0.8  # view width factor per wheel notch (120 units) towards the cursor
WHEEL_PAN = 0.15  # fraction of the view width per wheel notch when panning


def format_time(frame: float, fps: float) -> str:
    """``H:MM:SS.mmm`` of a frame's start (real time, so 23.976 fps does not drift)."""
    if fps <= 0:
        return "-"
    ms = int(round(max(0.0, frame) / fps * 1000))
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}"


def _rgba(color: str | QtGui.QColor, alpha: int = 255) -> np.ndarray:
    c = QtGui.QColor(color)
    return np.array([c.red(), c.green(), c.blue(), alpha], dtype=np.uint8)


class LaneImage:
    """One ``ImageItem`` for all lanes. Lane ``i`` is image row ``i`` and view y in [i, i+1);
    column ``c`` covers frames ``[c * ds, (c + 1) * ds)`` where ``ds`` (frames per column) is a
    power of two chosen so that a column is never narrower than a screen pixel: no labelled
    frame can vanish when zoomed out, and 20,000 frames draw as one small image."""

    def __init__(self):
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setZValue(Z_LANES)
        self.item.setAutoDownsample(False)
        self._source: Callable[[], np.ndarray] | None = None  # -> (frames, lanes) bool
        self.frames = 0
        self._fg = np.zeros((0, 4), np.uint8)
        self._bg = np.zeros((0, 4), np.uint8)
        self._rgba = np.zeros((0, 0, 4), np.uint8)
        self.ds = 1

    def set_source(
        self, source: Callable[[], np.ndarray] | None, colors: list[str], ds: int = 1
    ) -> None:
        """Draw the labels ``source()`` returns (read at each update) in ``colors``."""
        self._source = source
        self.frames = 0 if source is None else len(source())
        n = len(colors)
        self._fg = np.array([_rgba(c) for c in colors], np.uint8).reshape(n, 4)
        self._bg = np.array([_rgba(LANE_BG[i % 2]) for i in range(n)], np.uint8).reshape(n, 4)
        self.ds = max(1, int(ds))
        self.rebuild()

    def set_ds(self, ds: int) -> bool:
        """Change the frames per column; True if the image was rebuilt."""
        ds = max(1, int(ds))
        if ds == self.ds:
            return False
        self.ds = ds
        self.rebuild()
        return True

    def rebuild(self) -> None:
        if self._source is None or self.frames == 0 or len(self._fg) == 0:
            self._rgba = np.zeros((0, 0, 4), np.uint8)
            self.item.clear()
            self.item.setVisible(False)
            return
        columns = -(-self.frames // self.ds)
        self._rgba = np.empty((len(self._fg), columns, 4), np.uint8)
        self._fill(0, columns)
        self.item.setImage(self._rgba, autoLevels=False, levels=None)
        self.item.setRect(QtCore.QRectF(0, 0, columns * self.ds, len(self._fg)))
        self.item.setVisible(True)

    def update_frames(self, start: int, stop: int) -> None:
        """Recolour the columns holding frames [start, stop) and refresh the item."""
        if self._source is None or not len(self._rgba):
            return
        start, stop = max(0, start), min(self.frames, stop)
        if stop <= start:
            return
        self._fill(start // self.ds, (stop - 1) // self.ds + 1)
        self.item.updateImage()

    def _fill(self, c0: int, c1: int) -> None:
        ds = self.ds
        block = self._source()[c0 * ds : min(self.frames, c1 * ds)]
        if ds > 1:
            block = np.logical_or.reduceat(block, np.arange(0, len(block), ds), axis=0)
        mask = block.T[:, :, None]  # (lanes, columns, 1)
        np.copyto(self._rgba[:, c0:c1], np.where(mask, self._fg[:, None], self._bg[:, None]))

    @staticmethod
    def ds_for(frames_per_pixel: float) -> int:
        if not math.isfinite(frames_per_pixel) or frames_per_pixel <= 1:
            return 1
        return 1 << math.ceil(math.log2(frames_per_pixel))


class LaneMouse(Protocol):
    """What the view box asks of its owner (the Timeline) for the mouse in the lanes."""

    def lane_drag(self, ev, erase: bool) -> None: ...
    def lane_click(self, ev) -> None: ...


class TimelineViewBox(pg.ViewBox):
    """x-only view box: painting drags go to the owner; Shift/middle drags pan; the wheel
    zooms around the cursor (Ctrl/Shift+wheel and horizontal wheels pan)."""

    def __init__(self, owner: LaneMouse):
        super().__init__(enableMenu=False, invertY=True, defaultPadding=0.0)
        self._owner = owner
        self.setMouseEnabled(x=True, y=False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.panning = False

    # ---- mouse ---------------------------------------------------------------------------
    def mouseDragEvent(self, ev, axis=None):
        if axis is not None:  # drags forwarded by the axes are handled by the axes themselves
            ev.ignore()
            return
        button = ev.button()
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and shift):
            self.pan_drag(ev)
        elif button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            ev.accept()
            self._owner.lane_drag(ev, erase=button == Qt.MouseButton.RightButton)
        else:
            ev.ignore()

    def pan_drag(self, ev) -> None:
        ev.accept()
        self.panning = not ev.isFinish()
        x_last = self.mapSceneToView(ev.lastScenePos()).x()
        x_now = self.mapSceneToView(ev.scenePos()).x()
        if x_now != x_last:
            self._resetTarget()
            self.translateBy(x=x_last - x_now)
            self.sigRangeChangedManually.emit([True, False])

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._owner.lane_click(ev)
        else:
            ev.accept()  # no context menu: right clicks belong to erasing

    def wheelEvent(self, ev, axis=None):
        mods = ev.modifiers()
        delta = ev.delta()
        if not delta:
            ev.ignore()
            return
        ev.accept()
        x0, x1 = self.viewRange()[0]
        notches = delta / 120.0
        pan = ev.orientation() == Qt.Orientation.Horizontal or bool(
            mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        self._resetTarget()
        if pan:
            dx = -notches * WHEEL_PAN * (x1 - x0)
            self.setXRange(x0 + dx, x1 + dx, padding=0)
        else:
            c = self.mapSceneToView(ev.scenePos()).x()
            s = WHEEL_ZOOM**notches
            self.setXRange(c - (c - x0) * s, c + (x1 - c) * s, padding=0)
        self.sigRangeChangedManually.emit([True, False])

    # ---- keys: not ours ------------------------------------------------------------------
    def keyPressEvent(self, ev):
        ev.ignore()

    def keyReleaseEvent(self, ev):
        ev.ignore()


class FrameAxis(pg.AxisItem):
    """The ruler: integer frame numbers. Left click/drag seeks (scrubs); Shift/middle drag
    pans; the wheel zooms; hovering shows frame and time in a tooltip."""

    def __init__(self, on_seek: Callable[[float, bool], None], fps: Callable[[], float]):
        super().__init__("bottom")
        self._on_seek = on_seek
        self._fps = fps
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def tickSpacing(self, minVal, maxVal, size):
        levels = [(s, o) for s, o in super().tickSpacing(minVal, maxVal, size) if s >= 1]
        return levels or [(1.0, 0.0)]

    def tickStrings(self, values, scale, spacing):
        return [str(int(round(v))) for v in values]

    def _view_x(self, scene_pos) -> float | None:
        vb = self.linkedView()
        return None if vb is None else vb.mapSceneToView(scene_pos).x()

    def mouseClickEvent(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self._on_seek(self._view_x(ev.scenePos()), True)

    def mouseDragEvent(self, ev):
        vb = self.linkedView()
        if vb is None:
            ev.ignore()
            return
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() == Qt.MouseButton.MiddleButton or (
            ev.button() == Qt.MouseButton.LeftButton and shift
        ):
            vb.pan_drag(ev)
        elif ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._on_seek(self._view_x(ev.scenePos()), ev.isFinish())
        else:
            ev.ignore()

    def wheelEvent(self, ev):
        vb = self.linkedView()
        if vb is None:
            ev.ignore()
            return
        vb.wheelEvent(ev)

    def hoverEvent(self, ev):
        if ev.isExit():
            return
        x = self._view_x(ev.scenePos())
        if x is None:
            return
        frame = max(0, math.floor(x))
        text = f"frame {frame}  ·  {format_time(frame, self._fps())}"
        self.setToolTip(text)
        if QtWidgets.QToolTip.isVisible():
            QtWidgets.QToolTip.showText(ev.screenPos().toPoint(), text)


class LaneAxis(pg.AxisItem):
    """Genre names at the left of their lanes, each with a swatch of its colour."""

    WIDTH = 96

    def __init__(self):
        super().__init__("left")
        self._colors: dict[str, QtGui.QColor] = {}
        self.setStyle(tickLength=0, autoExpandTextSpace=False, tickTextWidth=self.WIDTH)
        self.setWidth(self.WIDTH)
        self.setPen(pg.mkPen(SEPARATOR))
        self.setTextPen(pg.mkPen(TEXT))

    def set_lanes(self, names: list[str], colors: list[str]) -> None:
        self._colors = {n: QtGui.QColor(c) for n, c in zip(names, colors)}
        self.setTicks([[(i + 0.5, n) for i, n in enumerate(names)], []])

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        p.setClipRect(self.boundingRect())
        width = self.boundingRect().width()
        for rect, _flags, text in textSpecs:
            cy = rect.center().y()
            color = self._colors.get(text)
            if color is not None:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(color)
                p.drawRoundedRect(QtCore.QRectF(8, cy - 5, 10, 10), 2, 2)
            p.setPen(self.textPen())
            box = QtCore.QRectF(24, cy - rect.height(), width - 28, 2 * rect.height())
            p.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)

    # the lane names take no mouse gestures; the wheel still zooms the lanes
    def mouseDragEvent(self, ev):
        ev.ignore()

    def mouseClickEvent(self, ev):
        ev.ignore()

    def wheelEvent(self, ev):
        vb = self.linkedView()
        if vb is None:
            ev.ignore()
            return
        vb.wheelEvent(ev)


class TimelineGraphicsView(pg.GraphicsLayoutWidget):
    """The graphics view: never takes keyboard focus or key events (the window owns keys)."""

    def __init__(self, parent=None):
        super().__init__(parent, border=False)
        self.setBackground(BACKGROUND)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ci.setContentsMargins(2, 4, 8, 2)
        self.ci.setSpacing(0)

    def keyPressEvent(self, ev):
        ev.ignore()

    def keyReleaseEvent(self, ev):
        ev.ignore()
