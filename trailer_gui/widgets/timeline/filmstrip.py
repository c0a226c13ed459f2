"""A strip of thumbnails above the timeline's lanes, so the scenes along the trailer show.

The strip is a row of the timeline's graphics layout (``Timeline.add_top_strip``), a
``PlotItem`` whose left axis is as wide as the lane names, x-linked to the lanes' view box:
frame ``f`` occupies x in ``[f, f + 1)`` there as in the lanes, and it follows every zoom
and pan of the timeline.

Slots: the visible range is cut into slots of ``step`` frames, ``step`` a power of two
chosen so that a slot is at least ``MIN_FILL`` (3/4) of a thumbnail's natural width at the
current zoom; slot ``k`` covers frames ``[k * step, (k + 1) * step)`` and shows frame
``k * step``, its left edge exactly at that frame's x. Thumbnails keep their aspect ratio,
left-aligned in their slot; a slot narrower than the thumbnail shows its middle. Slots
sit on a fixed grid (multiples of ``step``), so panning reuses what was made, and zooming
out reuses every thumbnail (multiples of 2s are multiples of s); zooming in, half of them.

Generation: ``workers.thumbnails.ThumbnailSource`` (its own thread and ``VideoReader``,
latest request wins) makes the thumbnails missing for the visible slots first, then a
view's width on each side (so a pan or a page turn finds them ready). Requests are
coalesced (``REQUEST_DELAY_MS``) while the user zooms or pans. Finished thumbnails are kept
in memory in an LRU cache keyed by (frame, height in device pixels); placeholders (dark
frames) show until they are ready. Switching trailers clears the cache and drops the
requests of the old one. While the video plays, the worker pauses between thumbnails
(``set_playing``) so that the player's decoder keeps the CPU.

Mouse: click or drag seeks (like the ruler), Shift+drag or the middle button pans, the
wheel zooms around the cursor (both handed to the timeline's view box).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QObject, Signal

from .timeline_items import SEPARATOR, LaneAxis

Qt = QtCore.Qt

THUMB_HEIGHT = 40  # logical pixels
PAD = 2  # above and below the thumbnails
MIN_FILL = 0.75  # a slot is at least this fraction of a thumbnail's natural width
CACHE_ITEMS = 2000  # thumbnails kept (64x36 RGB32 at 1x: ~9 KiB each)
REQUEST_DELAY_MS = 30
PLAYING_THROTTLE_S = 0.15
PLACEHOLDER = QtGui.QColor(48, 49, 54)
PLACEHOLDER_EDGE = QtGui.QColor(70, 72, 78)

# Workers whose thread did not end within shutdown()'s wait (opening a long, unscanned
# video): kept referenced so that a running QThread is never destroyed.
_LINGERING: list = []


def step_for(frames_per_thumb: float) -> int:
    """The smallest power of two >= ``MIN_FILL * frames_per_thumb`` (at least 1)."""
    need = MIN_FILL * frames_per_thumb
    if not math.isfinite(need) or need <= 1:
        return 1
    return 1 << math.ceil(math.log2(need))


class ThumbCache:
    """LRU of ``QImage`` thumbnails by (frame, height in device pixels)."""

    def __init__(self, max_items: int = CACHE_ITEMS):
        self.max_items = max_items
        self._items: OrderedDict[tuple[int, int], QtGui.QImage] = OrderedDict()

    def get(self, frame: int, height: int) -> QtGui.QImage | None:
        key = (frame, height)
        image = self._items.get(key)
        if image is not None:
            self._items.move_to_end(key)
        return image

    def __contains__(self, key) -> bool:
        return key in self._items

    def put(self, frame: int, height: int, image: QtGui.QImage) -> None:
        self._items[(frame, height)] = image
        self._items.move_to_end((frame, height))
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def frames(self) -> set[int]:
        return {f for f, _ in self._items}


class _StripGraphics(QtWidgets.QGraphicsObject):
    """Draws the slots (thumbnails or placeholders) in device pixels."""

    def __init__(self, strip: "Filmstrip"):
        super().__init__()
        self._strip = strip
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(0, 0, max(1, self._strip.frames), 1)

    def paint(self, painter, option, widget=None) -> None:
        self._strip.paint_slots(painter)


class _StripViewBox(pg.ViewBox):
    """No range of its own (x follows the lanes); the mouse seeks, pans and zooms through
    the timeline."""

    def __init__(self, strip: "Filmstrip"):
        super().__init__(enableMenu=False, invertY=True, defaultPadding=0.0)
        self._strip = strip
        self.setMouseEnabled(x=False, y=False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._strip.seek_to_x(self.mapSceneToView(ev.scenePos()).x())
        else:
            ev.accept()

    def mouseDragEvent(self, ev, axis=None):
        lanes = self._strip.timeline.view_box()
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        button = ev.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and shift):
            lanes.pan_drag(ev)
        elif button == Qt.MouseButton.LeftButton:
            ev.accept()
            self._strip.seek_to_x(self.mapSceneToView(ev.scenePos()).x())
        else:
            ev.ignore()

    def wheelEvent(self, ev, axis=None):
        self._strip.timeline.view_box().wheelEvent(ev)


class Filmstrip(QObject):
    """Thumbnails of the current video above ``timeline``'s lanes (see the module docstring)."""

    sigSeek = Signal(int)  # the user clicked or dragged on the strip: go to this frame

    reader_factory = None  # how the worker opens a video (path -> VideoReader); tests swap it

    def __init__(self, timeline, parent=None, thumb_height: int = THUMB_HEIGHT):
        super().__init__(parent)
        self.timeline = timeline
        self.thumb_height = int(thumb_height)
        self.frames = 0
        self.fps = 25.0
        self.aspect = 16 / 9
        self.path: Path | None = None
        self.decode_path: Path | None = None  # the proxy read instead of path (issue #14)
        self.disk_cache = None  # a core.thumbcache.ThumbCache (issue #14)
        self.cache = ThumbCache()
        self._gen = 0
        self._source = None  # ThumbnailSource, started with the first video
        self._shown = True
        self._last_request: tuple | None = None
        self._playing = False

        self.view_box = _StripViewBox(self)
        left = pg.AxisItem("left")
        left.setWidth(LaneAxis.WIDTH)
        left.setStyle(showValues=False, tickLength=0)
        left.setTicks([[], []])
        left.setPen(pg.mkPen(SEPARATOR))
        left.setLabel("")
        self.plot = pg.PlotItem(viewBox=self.view_box, axisItems={"left": left})
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.hideAxis("bottom")
        self.plot.setObjectName("filmstrip")
        height = self.thumb_height + 2 * PAD
        self.plot.setMinimumHeight(height)
        self.plot.setMaximumHeight(height)
        self.view_box.setYRange(0, 1, padding=0)
        self.view_box.disableAutoRange()
        self.item = _StripGraphics(self)
        self.view_box.addItem(self.item, ignoreBounds=True)
        timeline.add_top_strip(self.plot)

        self._request_timer = QtCore.QTimer(self)
        self._request_timer.setSingleShot(True)
        self._request_timer.setInterval(REQUEST_DELAY_MS)
        self._request_timer.timeout.connect(self._request)
        self.view_box.sigXRangeChanged.connect(self._schedule)
        self.view_box.sigResized.connect(self._schedule)
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---------------------------------------------------------------- video
    def set_video(self, path, frames: int = 0, fps: float = 25.0,
                  aspect: float | None = None, *, proxy=None, disk_cache=None) -> None:
        """Show thumbnails of ``path`` (``frames`` frames, width/height ``aspect``); ``None``
        clears. The cache and pending work of the previous video are dropped. ``proxy``: a
        proxy to decode instead (issue #14); ``disk_cache``: a ``ThumbCache`` to read first."""
        self._gen += 1
        self.decode_path = Path(proxy) if proxy is not None else None
        self.disk_cache = disk_cache
        self.cache.clear()
        self._last_request = None
        if self._source is not None:
            self._source.cancel()
        if path is None or frames <= 0:
            self.path, self.frames = None, 0
        else:
            self.path, self.frames = Path(path), int(frames)
            self.fps = float(fps) if fps and fps > 0 else 25.0
            if aspect and aspect > 0 and math.isfinite(aspect):
                self.aspect = float(aspect)
        self.item.prepareGeometryChange()
        self.item.update()
        self._schedule()

    def clear(self) -> None:
        self.set_video(None)

    def set_shown(self, shown: bool) -> None:
        """Show or hide the strip (hidden, it takes no room and makes no thumbnails)."""
        self._shown = bool(shown)
        height = self.thumb_height + 2 * PAD if shown else 0
        self.plot.setMinimumHeight(height)
        self.plot.setMaximumHeight(height)
        self.plot.setVisible(self._shown)
        self._last_request = None
        if not shown and self._source is not None:
            self._source.cancel()
        self._schedule()

    def is_shown(self) -> bool:
        return self._shown

    def strip_height(self) -> int:
        """The room the strip takes when shown (logical pixels)."""
        return self.thumb_height + 2 * PAD

    def set_playing(self, playing: bool) -> None:
        self._playing = bool(playing)
        if self._source is not None:
            self._source.set_throttle(PLAYING_THROTTLE_S if playing else 0.0)

    def shutdown(self) -> None:
        source, self._source = self._source, None
        self._request_timer.stop()
        if source is not None:
            try:
                source.sigThumbnail.disconnect(self._on_thumbnail)
            except (RuntimeError, TypeError):
                pass
            if source.shutdown(5000):
                source.deleteLater()
            else:
                _LINGERING.append(source)

    def worker(self):
        """The ``ThumbnailSource`` (``None`` until the first video)."""
        return self._source

    # ---------------------------------------------------------------- layout
    def device_height(self) -> int:
        """Thumbnail height in device pixels (what the worker makes)."""
        view = self.timeline.graphics
        dpr = view.devicePixelRatioF() if view is not None else 1.0
        return max(1, int(round(self.thumb_height * dpr)))

    @property
    def step(self) -> int:
        return self._layout()[0]

    def _layout(self) -> tuple[int, list[int]]:
        """(step, frames of the visible slots)."""
        if self.frames <= 0 or not self._shown:
            return 1, []
        x0, x1 = self.view_box.viewRange()[0]
        px = self.view_box.width()
        if px < 2 or x1 <= x0:
            return 1, []
        frames_per_px = (x1 - x0) / px
        step = step_for(self.thumb_height * self.aspect * frames_per_px)
        k0 = max(0, int(math.floor(x0 / step)))
        k1 = min(int(math.ceil(x1 / step)), -(-self.frames // step))
        return step, [k * step for k in range(k0, k1)]

    def slots(self) -> list[tuple[int, float, float, bool]]:
        """The visible slots: (frame shown, x0, x1 in view coordinates, thumbnail ready)."""
        step, frames = self._layout()
        h = self.device_height()
        return [(f, float(f), float(min(f + step, self.frames)), (f, h) in self.cache)
                for f in frames]

    def x_to_frame(self, x: float) -> int:
        return min(max(int(math.floor(x)), 0), max(0, self.frames - 1))

    def seek_to_x(self, x: float) -> None:
        if self.frames:
            self.sigSeek.emit(self.x_to_frame(x))

    # ---------------------------------------------------------------- requests
    def _schedule(self, *_) -> None:
        if not self._request_timer.isActive():
            self._request_timer.start()

    def _request(self) -> None:
        if self.path is None or not self._shown:
            return
        step, visible = self._layout()
        if not visible:
            return
        h = self.device_height()
        span = visible[-1] - visible[0] + step
        ahead = range(visible[-1] + step, min(self.frames, visible[-1] + step + span), step)
        behind = range(max(0, visible[0] - span), visible[0], step)
        wanted = [f for f in (*visible, *ahead, *behind) if (f, h) not in self.cache]
        key = (self._gen, h, tuple(wanted))
        if key == self._last_request:
            return
        self._last_request = key
        if not wanted:
            if self._source is not None:
                self._source.cancel()  # whatever it was making is not wanted any more
            return
        if self._source is None:
            from ...workers.thumbnails import ThumbnailSource

            self._source = ThumbnailSource.start(self.reader_factory)
            self._source.sigThumbnail.connect(self._on_thumbnail)
            self._source.set_throttle(PLAYING_THROTTLE_S if self._playing else 0.0)
        self._source.request(self._gen, self.decode_path or self.path, wanted, h,
                             self.disk_cache)

    def _on_thumbnail(self, gen: int, frame: int, height: int, image: QtGui.QImage) -> None:
        if gen != self._gen:
            return  # of a trailer shown before
        self.cache.put(frame, height, image)
        self.item.update()

    # ---------------------------------------------------------------- drawing
    def paint_slots(self, p: QtGui.QPainter) -> None:
        step, frames = self._layout()
        if not frames:
            return
        h = self.device_height()
        to_device = p.transform()
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        for f in frames:
            r = to_device.mapRect(QtCore.QRectF(f, 0, min(step, self.frames - f), 1))
            inner = QtCore.QRectF(r.left() + 1, r.top() + PAD, max(1.0, r.width() - 2),
                                  max(1.0, r.height() - 2 * PAD))
            image = self.cache.get(f, h)
            if image is None or image.isNull():
                p.setPen(PLACEHOLDER_EDGE)
                p.setBrush(PLACEHOLDER)
                natural = inner.height() * self.aspect
                p.drawRect(QtCore.QRectF(inner.left(), inner.top(),
                                         min(inner.width(), natural), inner.height()))
                continue
            natural = inner.height() * image.width() / max(1, image.height())
            if inner.width() >= natural:
                target = QtCore.QRectF(inner.left(), inner.top(), natural, inner.height())
                source = QtCore.QRectF(image.rect())
            else:  # a narrow slot: the middle of the picture
                target = inner
                keep = image.width() * inner.width() / natural
                source = QtCore.QRectF((image.width() - keep) / 2, 0, keep, image.height())
            p.drawImage(target, image, source)
        p.restore()
