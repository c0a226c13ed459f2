"""The Model dock's live curves: training loss (per batch, smoothed, and per epoch),
validation loss, and the validation macro F1 and AP per epoch."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtWidgets

from .metrics_table import METRIC_KEYS

BATCH_SMOOTHING = 0.15  # weight of the newest batch in the plotted training loss
CURVE_BG = "#202124"
GRID_COLOUR = "#34353a"  # opaque: a faint line on CURVE_BG
LEFT_AXIS_WIDTH = 52  # pixels: the label and ticks such as "0.125" at the default font


def _curve_plot(name: str, min_height: int, left: str, legend_offset):
    """A dark, menu-less plot with a grid and a legend: (widget, its PlotItem)."""
    widget = pg.PlotWidget(background=CURVE_BG)
    widget.setObjectName(name)
    widget.setMinimumHeight(min_height)
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    # A grid item, not the axes' grid (showGrid): the axes draw theirs into their cached
    # pictures and replay it on every paint, ~6 ms a plot here; the grid item costs ~2 ms.
    grid = pg.GridItem(textPen=None)
    grid.setPen(pg.mkPen(GRID_COLOUR))
    grid.setZValue(-100)
    item.addItem(grid, ignoreBounds=True)
    item.setLabel("left", left)
    # A fixed width: fitted to its tick labels, the axis widened as the loss fell ("1" to
    # "0.25"), which moved the plot under the reader's eye and repainted it twice more.
    # The same for both plots, so their epochs line up.
    item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    legend = item.addLegend(offset=legend_offset, labelTextSize="8pt")
    legend.setBrush(pg.mkBrush(32, 33, 36, 200))
    return widget, item


class TrainingCurves(QtWidgets.QWidget):
    """Fed with a job's events (``add_event``, then ``redraw`` at most every few hundred ms)
    or a finished run's history (``show_history``). Epoch metrics go to ``on_epoch_metrics``
    (the metrics table) as they arrive."""

    def __init__(self, on_epoch_metrics=None, parent=None):
        super().__init__(parent)
        self.on_epoch_metrics = on_epoch_metrics or (lambda metrics, title: None)
        self.loss_plot, item = _curve_plot("lossPlot", 130, "loss", legend_offset=(-4, 4))
        item.setLabel("bottom", "epoch")
        self.batch_curve = item.plot([], [], pen=pg.mkPen((138, 180, 248, 150), width=1),
                                     name="train (batches, smoothed)")
        self.loss_curve = item.plot([], [], pen=pg.mkPen((138, 180, 248), width=2), symbol="o",
                                    symbolSize=5, symbolBrush=(138, 180, 248), name="train")
        self.val_curve = item.plot([], [], pen=pg.mkPen((253, 214, 99), width=2), symbol="t",
                                   symbolSize=6, symbolBrush=(253, 214, 99), name="validation")
        self.score_plot, item = _curve_plot("scorePlot", 90, "val. macro",
                                            legend_offset=(-4, -4))  # legend bottom right
        item.setYRange(0, 1, padding=0.02)
        self.f1_curve = item.plot([], [], pen=pg.mkPen((129, 201, 149), width=2), symbol="o",
                                  symbolSize=5, symbolBrush=(129, 201, 149), name="F1")
        self.ap_curve = item.plot([], [], pen=pg.mkPen((242, 139, 130), width=2), symbol="s",
                                  symbolSize=5, symbolBrush=(242, 139, 130), name="AP")
        self._batches: list[tuple[float, float]] = []
        self._epochs: dict[int, dict] = {}
        self._epochs_changed = False  # the per-epoch curves need new data at the next redraw
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.score_plot, 2)

    def clear(self) -> None:
        self._batches, self._epochs, self._epochs_changed = [], {}, True
        self.redraw()

    def add_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "batch" and event.get("batches"):
            x = event["epoch"] - 1 + event["batch"] / event["batches"]
            loss = event.get("batch_loss", event.get("loss"))
            if loss is not None and math.isfinite(loss):
                # Each batch's own loss, smoothed across epochs (an exponential moving
                # average): Keras' running mean restarts every epoch and made a saw-tooth.
                if self._batches:
                    loss = BATCH_SMOOTHING * loss + (1 - BATCH_SMOOTHING) * self._batches[-1][1]
                self._batches.append((x, loss))
        elif kind == "epoch":
            self._epochs_changed = True
            self._epochs[int(event["epoch"])] = {
                "loss": event.get("loss"), "val_loss": event.get("val_loss"),
                **{f"macro_{k}": (event.get("metrics") or {}).get("macro", {}).get(k)
                   for k in METRIC_KEYS},
            }
            if event.get("metrics"):
                self.on_epoch_metrics(event["metrics"], f"Validation metrics, epoch {event['epoch']}")

    def show_history(self, history: list, keep_batches: bool = False) -> None:
        """A finished run's curves (one point per epoch); ``keep_batches``: keep the
        per-batch curve of the run just trained."""
        if not keep_batches:
            self._batches = []
        self._epochs, self._epochs_changed = {}, True
        for entry in history or []:
            if isinstance(entry, dict) and entry.get("epoch") is not None:
                self._epochs[int(entry["epoch"])] = entry
        self.redraw()

    def redraw(self) -> None:
        def xy(key):
            pts = [(e, v[key]) for e, v in sorted(self._epochs.items())
                   if v.get(key) is not None and math.isfinite(v[key])]
            return [p[0] for p in pts], [p[1] for p in pts]

        if self._batches:
            xs, ys = zip(*self._batches)
            self.batch_curve.setData(list(xs), list(ys))
        else:
            self.batch_curve.setData([], [])
        if self._epochs_changed:  # (batches only: the epoch curves and symbols stay)
            self._epochs_changed = False
            self.loss_curve.setData(*xy("loss"))
            self.val_curve.setData(*xy("val_loss"))
            self.f1_curve.setData(*xy("macro_f1"))
            self.ap_curve.setData(*xy("macro_ap"))
        # Fit the axes to the new data now: left to the paint, the new range makes pyqtgraph
        # paint each plot twice (measured: 4 paints and ~50 ms per epoch's redraw, now 2).
        for plot in (self.loss_plot, self.score_plot):
            plot.scene().prepareForPaint()


__all__ = ["TrainingCurves"]
