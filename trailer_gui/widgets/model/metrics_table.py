"""The Model dock's per-genre validation metrics: a title saying whose figures they are (run,
epoch, decoded segments) over a table of precision, recall, F1, AP and segment scores."""

from __future__ import annotations

import math

from PySide6 import QtWidgets
from PySide6.QtCore import Qt

METRIC_KEYS = ("precision", "recall", "f1", "ap")
SEGMENT_COLUMNS = ("edit", "f1@50")  # model.segments figures (0-100) shown in the table
METRIC_COLUMNS = ["Precision", "Recall", "F1", "AP", "Edit", "F1@50", "Frames"]
METRIC_TIPS = [
    "Of the frames predicted with the genre, the share that carry it",
    "Of the frames that carry the genre, the share predicted",
    "Per-frame F1 (harmonic mean of precision and recall)",
    "Average precision of the raw probabilities (ranking quality)",
    "Segmental Edit score (0-100): 100 = the predicted scenes come in the right order with no "
    "extra slivers; each sliver or missed scene lowers it",
    "Segment F1 at 50% overlap (0-100): predicted scenes that overlap a true one by at least "
    "half, against extra and missed ones",
    "Frames that carry the genre",
]
NO_METRICS = "Validation metrics (none: no validation trailer, or no run chosen)"
SUMMARY_ROWS = ("macro", "dominant")  # bold, no frame count


def figure(value, digits=3) -> str:
    """A metric as the dock shows it: fixed digits, '–' for none or not a number."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


class MetricsTable(QtWidgets.QWidget):
    """``title`` wraps (a long one, e.g. a decoded run's summary, is never cut off by the
    dock's width) and carries the whole text as its tooltip too."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QtWidgets.QLabel("Validation metrics")
        self.title.setObjectName("metricsTitle")
        self.title.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, len(METRIC_COLUMNS))
        self.table.setObjectName("metricsTable")
        self.table.setHorizontalHeaderLabels(METRIC_COLUMNS)
        for c, tip in enumerate(METRIC_TIPS):
            self.table.horizontalHeaderItem(c).setToolTip(tip)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.table.setFocusPolicy(Qt.NoFocus)
        # Each column as wide as its name and figures (stretched columns clipped "Precision"
        # in the dock's first width); a narrow dock scrolls sideways instead.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setMinimumHeight(80)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)

    def set_metrics(self, metrics: dict, title: str = "Validation metrics",
                    dominant: dict | None = None) -> None:
        """Per-genre rows, "macro", and with `dominant` (`model.evaluate` report's
        "dominant") a row for the dominant-genre sequence."""
        names = [n for n in metrics if n != "macro" and isinstance(metrics[n], dict)]
        if "macro" in metrics:
            names.append("macro")
        rows = [(name, metrics[name]) for name in names]
        if dominant:
            rows.append(("dominant", {"segments": dominant.get("segments") or {}}))
        # Columns fit their contents once, after the fill: with ResizeToContents on, every
        # new item re-measured its column (~0.5 ms each, 30 ms a table, per epoch).
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.Fixed)
        try:
            self._fill(rows)
        finally:
            header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
        text = title if rows else NO_METRICS
        self.title.setText(text)
        self.title.setToolTip(text)

    def _fill(self, rows: list[tuple[str, dict]]) -> None:
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([name for name, _ in rows])
        for r, (name, m) in enumerate(rows):
            segments = m.get("segments") or {}
            values = [figure(m.get(k)) for k in METRIC_KEYS] + [
                figure(segments.get(k), 1) for k in SEGMENT_COLUMNS] + [
                "" if name in SUMMARY_ROWS else str(m.get("support", ""))]
            for c, text in enumerate(values):
                item = QtWidgets.QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if name in SUMMARY_ROWS:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)


__all__ = ["METRIC_KEYS", "MetricsTable", "figure"]
