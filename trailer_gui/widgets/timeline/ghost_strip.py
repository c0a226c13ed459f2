"""Another annotator's labels as a thin "ghost" strip at the bottom of each timeline lane.

One ``ImageItem`` draws the strips of all lanes (as :class:`LaneImage` draws the lanes): the
image has ``ROWS_PER_LANE`` rows per lane, transparent but for the last ``STRIP_ROWS`` (the
strip) and a thin dark edge row above them. With the item's rect spanning the lanes (lane ``i``
is y in ``[i, i + 1)``), the strip of lane ``i`` covers y in ``[i + 1 - STRIP, i + 1)``: the
bottom fifth of the lane. Labelled frames show the genre's colour (lightened; the edge keeps
it apart from a labelled lane); unlabelled ones a dark translucent band, so that a
disagreement is visible either way.

Columns are pooled like the lanes' (``timeline.frames_per_column``, any label in the block), so
a labelled frame never vanishes when zoomed out and a long trailer stays one small image.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from .timeline_items import Z_OVERLAY

ROWS_PER_LANE = 20
STRIP_ROWS = 4  # the bottom rows of each lane's block
STRIP = STRIP_ROWS / ROWS_PER_LANE  # fraction of the lane height: 0.2
EMPTY_RGBA = (12, 12, 14, 120)
EDGE_RGBA = (12, 12, 14, 170)


def _strip_rgba(color: str) -> np.ndarray:
    c = QtGui.QColor(color).lighter(135)
    return np.array([c.red(), c.green(), c.blue(), 235], dtype=np.uint8)


class GhostStrip:
    """Draws ``labels`` (frames, lanes) bool at the bottom of the timeline's lanes."""

    def __init__(self, timeline):
        self.timeline = timeline
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setZValue(Z_OVERLAY)
        self.item.setAutoDownsample(False)
        self.item.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)  # lanes keep the mouse
        self.item.setVisible(False)
        timeline.view_box().addItem(self.item, ignoreBounds=True)
        self.labels: np.ndarray | None = None
        self.name = ""
        self._fg = np.zeros((0, 4), np.uint8)
        self.ds = 1
        self.pooled = np.zeros((0, 0), bool)  # (lanes, columns): what the strips show
        # the lanes' pooling changes with the zoom and with the width (connected after the
        # timeline's own handlers, so frames_per_column is already the new one)
        timeline.sigRangeChanged.connect(self._on_range)
        timeline.view_box().sigResized.connect(self._on_range)

    def set_labels(self, labels: np.ndarray | None, colors: list[str], name: str = "") -> None:
        """Show ``labels`` (None hides the strips), drawn in the lanes' ``colors``."""
        if labels is not None:
            labels = np.asarray(labels, dtype=bool)
            if labels.ndim != 2 or labels.shape[1] != len(colors):
                raise ValueError(f"ghost labels {labels.shape} do not fit {len(colors)} lanes")
        self.labels = labels
        self.name = name
        self._fg = np.array([_strip_rgba(c) for c in colors], np.uint8).reshape(len(colors), 4)
        self.item.setToolTip(f"{name}'s labels" if name else "")
        self.rebuild()

    @property
    def visible(self) -> bool:
        return self.labels is not None and self.item.isVisible()

    def rebuild(self) -> None:
        labels = self.labels
        if labels is None or not len(labels) or not len(self._fg):
            self.pooled = np.zeros((0, 0), bool)
            self.item.clear()
            self.item.setVisible(False)
            return
        ds = self.ds = max(1, int(self.timeline.frames_per_column))
        if ds > 1:
            labels = np.logical_or.reduceat(labels, np.arange(0, len(labels), ds), axis=0)
        self.pooled = np.ascontiguousarray(labels.T)  # (lanes, columns)
        lanes, columns = self.pooled.shape
        rgba = np.zeros((lanes, ROWS_PER_LANE, columns, 4), np.uint8)
        strip = np.where(self.pooled[:, :, None], self._fg[:, None], np.array(EMPTY_RGBA, np.uint8))
        rgba[:, ROWS_PER_LANE - STRIP_ROWS :] = strip[:, None]
        rgba[:, ROWS_PER_LANE - STRIP_ROWS - 1] = EDGE_RGBA
        self.item.setImage(rgba.reshape(lanes * ROWS_PER_LANE, columns, 4), autoLevels=False, levels=None)
        self.item.setRect(QtCore.QRectF(0, 0, columns * ds, lanes))
        self.item.setVisible(True)

    def _on_range(self, *_) -> None:
        if self.labels is not None and self.timeline.frames_per_column != self.ds:
            self.rebuild()
