"""The Model dock's Runs tab: the project's runs (newest first, the shown one marked ●),
a hint about what is shown, Predict this trailer / Predict all, Show predictions and the
threshold."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from .metrics_table import figure

SHOWN_MARK = "● "
RUN_COLUMNS = ["Run", "Date", "Epochs", "F1", "Predicted"]


@dataclass
class RunRow:
    name: str
    created: float
    epochs: int
    macro: dict
    predicted: int  # trailers with a prediction of this run
    videos: int
    precision: str = ""  # what it trained in ('bfloat16', ...)


class RunPicker(QtWidgets.QWidget):
    sigRunChosen = Signal(str)
    sigPredictCurrent = Signal()
    sigPredictAll = Signal()
    sigThresholdChanged = Signal(float)
    sigShowPredictions = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs = QtWidgets.QTreeWidget()
        self.runs.setObjectName("runsList")
        self.runs.setColumnCount(len(RUN_COLUMNS))
        self.runs.setHeaderLabels(RUN_COLUMNS)
        self.runs.setRootIsDecorated(False)
        self.runs.setUniformRowHeights(True)
        self.runs.setFocusPolicy(Qt.NoFocus)
        self.runs.header().setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
        self.runs.itemClicked.connect(self._run_clicked)
        self.runs.setMinimumHeight(90)
        self.hint = QtWidgets.QLabel("")
        self.hint.setObjectName("runsHint")
        self.hint.setWordWrap(True)
        self.predict_current_button = QtWidgets.QPushButton("Predict this trailer")
        self.predict_current_button.setObjectName("predictCurrentButton")
        self.predict_all_button = QtWidgets.QPushButton("Predict all")
        self.predict_all_button.setObjectName("predictAllButton")
        for b in (self.predict_current_button, self.predict_all_button):
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.NoFocus)
        self.predict_current_button.clicked.connect(self.sigPredictCurrent.emit)
        self.predict_all_button.clicked.connect(self.sigPredictAll.emit)
        self.show_check = QtWidgets.QCheckBox("Show predictions")
        self.show_check.setObjectName("showPredictions")
        self.show_check.setChecked(True)
        self.show_check.toggled.connect(self.sigShowPredictions.emit)
        self.threshold = QtWidgets.QDoubleSpinBox()
        self.threshold.setObjectName("thresholdSpin")
        self.threshold.setRange(0.01, 0.99)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(0.5)
        self.threshold.setKeyboardTracking(False)
        self.threshold.setToolTip("A frame counts as the genre when its probability reaches this")
        self.threshold.valueChanged.connect(self.sigThresholdChanged.emit)

        pred_row = QtWidgets.QHBoxLayout()
        pred_row.addWidget(self.predict_current_button)
        pred_row.addWidget(self.predict_all_button)
        pred_row.addStretch(1)
        show_row = QtWidgets.QHBoxLayout()
        show_row.addWidget(self.show_check)
        show_row.addStretch(1)
        show_row.addWidget(QtWidgets.QLabel("Threshold"))
        show_row.addWidget(self.threshold)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.runs, 1)
        layout.addWidget(self.hint)
        layout.addLayout(pred_row)
        layout.addLayout(show_row)

    def set_runs(self, rows: list[RunRow], shown: str | None) -> None:
        self.runs.clear()
        for row in reversed(rows):  # newest first
            f1 = row.macro.get("f1") if row.macro else None
            predicted = ("all" if row.predicted >= row.videos and row.videos else
                         f"{row.predicted}/{row.videos}" if row.predicted else "–")
            item = QtWidgets.QTreeWidgetItem([
                (SHOWN_MARK if row.name == shown else "") + row.name,
                time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created)),
                str(row.epochs), figure(f1, 2), predicted])
            item.setData(0, Qt.UserRole, row.name)
            item.setToolTip(0, "Shown on the timeline" if row.name == shown
                            else "Click to show this run's predictions")
            if row.precision:
                item.setToolTip(1, f"Trained in {row.precision}")
            if row.name == shown:
                for c in range(len(RUN_COLUMNS)):
                    font = item.font(c)
                    font.setBold(True)
                    item.setFont(c, font)
            self.runs.addTopLevelItem(item)

    def run_names(self) -> list[str]:
        return [self.runs.topLevelItem(i).data(0, Qt.UserRole) for i in range(self.runs.topLevelItemCount())]

    def marked_run(self) -> str | None:
        """The run marked as shown (●), or None."""
        for i in range(self.runs.topLevelItemCount()):
            item = self.runs.topLevelItem(i)
            if item.text(0).startswith(SHOWN_MARK):
                return item.data(0, Qt.UserRole)
        return None

    def choose_run(self, name: str) -> None:
        """As if the user clicked the run."""
        self.sigRunChosen.emit(name)

    def _run_clicked(self, item: QtWidgets.QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, Qt.UserRole)
        if name:
            self.sigRunChosen.emit(str(name))

    def set_shown_options(self, shown: bool, threshold: float, has_run: bool = True) -> None:
        """Without a run there is nothing to show: the box is off and disabled (the user's
        choice comes back with the next run)."""
        for w, setter, value in ((self.show_check, "setChecked", shown and has_run),
                                 (self.threshold, "setValue", threshold)):
            w.blockSignals(True)
            getattr(w, setter)(value)
            w.blockSignals(False)
        self.show_check.setEnabled(has_run)

    def set_can_predict(self, can: bool) -> None:
        self.predict_current_button.setEnabled(can)
        self.predict_all_button.setEnabled(can)


__all__ = ["RunPicker", "RunRow"]
