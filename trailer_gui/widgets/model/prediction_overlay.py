"""Predictions drawn over the timeline's lanes: probability curves, thresholds, disagreements.

Added to the timeline's view box (``Timeline.view_box()``) in view coordinates, between the
lanes and the selection (``Z_OVERLAY``):

* one ``PlotDataItem`` per lane: frame ``f``'s probability at x = f + 0.5 (the middle of its
  column, so curves and label blocks line up frame for frame), y inside the lane with 1 at the
  top (the view's y is inverted): ``y = lane + PAD + (1 - p) * (1 - 2 * PAD)``. Zoomed out,
  pyqtgraph clips to the view and keeps each pixel's min and max ("peak" downsampling), so a
  one-frame spike never vanishes and 20,000 frames draw quickly;
* a dashed threshold line per lane;
* the prediction an annotator would accept (``Prediction.decided``: the run's decoded
  segments, or the thresholded curve for runs without decoding) as a thin bar near the top
  of each lane, so the raw curve and the clean segments are seen together;
* disagreements (that prediction != label) as a thin band at the top of each lane (the
  bottom belongs to the annotators' ghost strip) and a faint tint over the rest.
  Bars and disagreements are ONE ``ImageItem``, pooled like the lanes (a column is marked if
  any of its frames is), and updated only where labels change.

The overlay holds the prediction it shows (``probs``, source frames x genres) and reads the
labels from the timeline's editor; it never edits.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore
from shiboken6 import isValid

from ...services import predictions as P
from ..timeline.timeline import Timeline

Qt = QtCore.Qt

PAD = 0.12  # of a lane's height, above and below the curve's range
BAND_ROWS = 10  # image rows per lane: disagreement band, gap, segment bar (2), tint
SEGMENT_ROWS = slice(2, 4)
CURVE_PEN = (255, 255, 255, 230)
THRESHOLD_PEN = (253, 214, 99, 170)
MARK = (255, 82, 82, 255)  # the band
TINT = (255, 82, 82, 46)  # the rest of the lane where it disagrees
SEGMENT = (120, 200, 255, 235)  # the decoded prediction's bar


def lane_y(lane: int, p) -> np.ndarray:
    """View y of probability ``p`` in ``lane`` (1 at the top of the lane's inner band)."""
    return lane + PAD + (1.0 - np.asarray(p, dtype=np.float64)) * (1.0 - 2 * PAD)


class PredictionOverlay(QtCore.QObject):
    sigChanged = QtCore.Signal()  # prediction, threshold or disagreements changed

    def __init__(self, timeline: Timeline, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self.vb = timeline.view_box()
        self.prediction: P.Prediction | None = None
        self.threshold = P.DEFAULT_THRESHOLD
        self.shown = True
        self.curves: list[pg.PlotDataItem] = []
        self.threshold_lines: list[pg.InfiniteLine] = []
        self.marks = pg.ImageItem(axisOrder="row-major")
        self.marks.setZValue(Timeline.Z_OVERLAY)
        self.marks.setAutoDownsample(False)
        self.marks.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.vb.addItem(self.marks, ignoreBounds=True)
        self._mask = np.zeros((0, 0), bool)  # (frames, genres) disagreement
        self._decided = np.zeros((0, 0), bool)  # (frames, genres) the accepted prediction
        self._rgba = np.zeros((0, 0, 4), np.uint8)
        self._ds = 1
        self._editor = None
        timeline.sigLanesChanged.connect(self._on_lanes_changed)
        timeline.sigRangeChanged.connect(self._on_range)
        self.vb.sigResized.connect(self._on_range)
        self._on_lanes_changed()

    # ---- public --------------------------------------------------------------------------
    @property
    def probs(self) -> np.ndarray | None:
        return None if self.prediction is None else self.prediction.probs

    @property
    def run(self) -> str | None:
        return None if self.prediction is None else self.prediction.run

    def has_prediction(self) -> bool:
        return self.prediction is not None

    def set_prediction(self, prediction: P.Prediction | None) -> None:
        """Show ``prediction`` (its frames and genres must match the timeline's), or nothing."""
        if prediction is not None:
            frames, genres = self.timeline.frames, len(self.timeline.genres)
            if prediction.probs.shape != (frames, genres):
                raise ValueError(f"prediction {prediction.probs.shape} does not fit the timeline "
                                 f"({frames} frames, {genres} genres)")
        self.prediction = prediction
        self._rebuild()

    def set_threshold(self, threshold: float) -> None:
        threshold = float(threshold)
        if threshold == self.threshold:
            return
        self.threshold = threshold
        self._rebuild()

    def set_shown(self, shown: bool) -> None:
        self.shown = bool(shown)
        self._apply_visibility()

    def disagreement(self) -> np.ndarray:
        """(frames, genres) bool; empty without a prediction."""
        return self._mask

    def decided(self) -> np.ndarray:
        """(frames, genres) bool: what accepting the shown prediction gives (the decoded
        segments, or the curves thresholded); empty without a prediction."""
        return self._decided

    def curve_data(self, lane: int) -> tuple[np.ndarray, np.ndarray]:
        """The original (x, y) of a lane's curve (not the downsampled one on screen)."""
        return self.curves[lane].getOriginalDataset()

    # ---- building ------------------------------------------------------------------------
    def _clear_items(self) -> None:
        for item in self.curves + self.threshold_lines:
            self.vb.removeItem(item)
        self.curves, self.threshold_lines = [], []

    def _on_lanes_changed(self) -> None:
        """A new video or editor: the prediction no longer applies (the owner sets the new
        one); follow the new editor's label changes."""
        editor = self.timeline.editor
        if self._editor is not None and self._editor is not editor:
            self._editor.remove_listener(self._on_labels_changed)
        if editor is not None and editor is not self._editor:
            editor.add_listener(self._on_labels_changed)
        self._editor = editor
        self.prediction = None
        self._rebuild()

    def _rebuild(self) -> None:
        self._clear_items()
        pred = self.prediction
        if pred is None or not self.timeline.genres:
            self._mask = np.zeros((0, 0), bool)
            self._decided = np.zeros((0, 0), bool)
            self._rgba = np.zeros((0, 0, 4), np.uint8)
            self.marks.clear()
            self.marks.setVisible(False)
            self.sigChanged.emit()
            return
        frames, genres = pred.probs.shape
        x = np.arange(frames, dtype=np.float64) + 0.5
        pen = pg.mkPen(CURVE_PEN, width=1.5)
        thr_pen = pg.mkPen(THRESHOLD_PEN, width=1, style=Qt.PenStyle.DashLine)
        for lane in range(genres):
            curve = pg.PlotDataItem(pen=pen, antialias=True, skipFiniteCheck=True)
            curve.setZValue(Timeline.Z_OVERLAY + 2)
            curve.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            curve.curve.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            # In the view box first: while being added, pyqtgraph's clip-to-view would ask the
            # graphics view (not a ViewBox here) for its auto-range state.
            self.vb.addItem(curve, ignoreBounds=True)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            curve.setData(x, lane_y(lane, pred.probs[:, lane]))
            self.curves.append(curve)
            line = pg.InfiniteLine(float(lane_y(lane, self.threshold)), angle=0, movable=False,
                                   pen=thr_pen)
            line.setZValue(Timeline.Z_OVERLAY + 1)
            line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self.vb.addItem(line, ignoreBounds=True)
            self.threshold_lines.append(line)
        labels = self.timeline.editor.array if self.timeline.editor is not None else np.zeros_like(pred.probs, bool)
        self._decided = pred.decided(self.threshold)
        self._mask = P.disagreement(pred.probs, labels, self.threshold, self._decided)
        self._ds = self.timeline.frames_per_column
        self._rebuild_marks()
        self._apply_visibility()
        self.sigChanged.emit()

    def _apply_visibility(self) -> None:
        on = self.shown and self.prediction is not None
        for item in self.curves + self.threshold_lines:
            item.setVisible(on)
        self.marks.setVisible(on and self._rgba.size > 0)

    # ---- disagreement marks --------------------------------------------------------------
    def _rebuild_marks(self) -> None:
        frames, genres = self._mask.shape
        if not frames:
            self.marks.clear()
            return
        columns = -(-frames // self._ds)
        self._rgba = np.zeros((genres * BAND_ROWS, columns, 4), np.uint8)
        self._fill_marks(0, columns)
        self.marks.setImage(self._rgba, autoLevels=False, levels=None)
        self.marks.setRect(QtCore.QRectF(0, 0, columns * self._ds, genres))

    def _fill_marks(self, c0: int, c1: int) -> None:
        ds = self._ds

        def pooled(mask):
            block = mask[c0 * ds: min(len(mask), c1 * ds)]
            if ds > 1 and len(block):
                block = np.logical_or.reduceat(block, np.arange(0, len(block), ds), axis=0)
            return block.T[:, None, :, None]  # (genres, 1, columns, 1)

        genres = self._mask.shape[1]
        view = self._rgba[:, c0:c1].reshape(genres, BAND_ROWS, c1 - c0, 4)
        on, bar = pooled(self._mask), pooled(self._decided)
        view[:, :1] = np.where(on, np.array(MARK, np.uint8), 0)
        view[:, 1:] = np.where(on, np.array(TINT, np.uint8), 0)
        view[:, SEGMENT_ROWS] = np.where(bar, np.array(SEGMENT, np.uint8), view[:, SEGMENT_ROWS])

    def _on_labels_changed(self, start: int, stop: int) -> None:
        if not isValid(self.marks):
            if self._editor is not None:
                self._editor.remove_listener(self._on_labels_changed)
            return
        pred, editor = self.prediction, self._editor
        if pred is None or editor is None or not self._mask.size:
            return
        start, stop = max(0, start), min(len(self._mask), stop)
        if stop <= start:
            return
        self._mask[start:stop] = P.disagreement(pred.probs[start:stop], editor.array[start:stop],
                                                self.threshold, self._decided[start:stop])
        if self._rgba.size:
            self._fill_marks(start // self._ds, (stop - 1) // self._ds + 1)
            self.marks.updateImage()
        self.sigChanged.emit()

    def _on_range(self, *_) -> None:
        ds = self.timeline.frames_per_column
        if ds != self._ds and self._mask.size:
            self._ds = ds
            self._rebuild_marks()
            self._apply_visibility()
        else:
            self._ds = ds

    # ---- navigation ----------------------------------------------------------------------
    def next_disagreement(self, frame: int) -> int | None:
        return P.next_disagreement(self._mask, frame) if self._mask.size else None

    def previous_disagreement(self, frame: int) -> int | None:
        return P.previous_disagreement(self._mask, frame) if self._mask.size else None

    def most_uncertain(self) -> tuple[int, int] | None:
        return P.most_uncertain(self.probs, self.threshold) if self.prediction is not None else None

    def uncertain_places(self) -> list[tuple[int, int]]:
        """Uncertain places of the shown prediction, most uncertain first (see core)."""
        return P.uncertain_places(self.probs, self.threshold) if self.prediction is not None else []
