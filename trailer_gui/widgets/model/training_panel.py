"""The Model dock: training settings, Start/Stop/Retrain, progress, live curves, per-genre
metrics, and the project's runs with their predictions.

A thin view: it shows what it is given and emits what the user asks for; the
``ModelController`` owns the project, the jobs and the overlay. Nothing here imports
TensorFlow or the ``model`` package.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...services.training import CONFIG_KEYS, PRECISIONS

SETTING_KEYS = tuple(CONFIG_KEYS)  # the service's settings, in its order: one home
PRECISION_CHOICES = PRECISIONS
SETTING_TIPS = {
    "epochs": "Epochs per training run (a continued run adds this many)",
    "window": "Frames per training sample",
    "batch": "Windows per training step",
    "lr": "Learning rate (Adam)",
    "augment": "Flip and colour-grade training windows: 0 = off, 1 = full strength",
    "mix": "Share of training windows shown together with another one and labelled with "
           "both windows' genres (0 = off)",
    "size": "Frame size of the exported dataset: 64 or ROWSxCOLS",
    "stride": "Export every Nth frame (predictions are mapped back to every frame)",
    "precision": "Compute precision of training and prediction: auto = float16 on GPUs, "
                 "bfloat16 on CPUs with AMX, else float32. Models are saved in float32 "
                 "either way",
}
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
BATCH_SMOOTHING = 0.15  # weight of the newest batch in the plotted training loss
CURVE_BG = "#202124"



def _curve_plot(name: str, min_height: int, left: str, legend_offset):
    """A dark, menu-less plot with a grid and a legend: (widget, its PlotItem)."""
    widget = pg.PlotWidget(background=CURVE_BG)
    widget.setObjectName(name)
    widget.setMinimumHeight(min_height)
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setLabel("left", left)
    legend = item.addLegend(offset=legend_offset, labelTextSize="8pt")
    legend.setBrush(pg.mkBrush(32, 33, 36, 200))
    return widget, item

@dataclass
class RunRow:
    name: str
    created: float
    epochs: int
    macro: dict
    predicted: int  # trailers with a prediction of this run
    videos: int
    precision: str = ""  # what it trained in ('bfloat16', ...)


def format_eta(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(max(0.0, seconds)))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _num(value, digits=3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


def describe_event(event: dict, job_stage: str = "") -> tuple[str, int, int] | None:
    """Progress text and (done, total) for a training event; None if it changes nothing."""
    kind = event.get("event")
    prefix = f"{job_stage} · " if job_stage and job_stage != "Training" else ""
    if kind == "stage":
        stage = event.get("stage", "")
        busy = {"checking data": "Checking the dataset", "building model": "Building the model",
                "tracing": "Preparing the first step (tracing the graph)",
                "training": "Training", "validating": "Validating", "saving": "Saving the model",
                "decoding": "Fitting the segment decoding on the validation trailers"}
        return f"{prefix}{busy.get(stage, stage)}", 0, 0
    if kind == "batch":
        text = (f"Training · epoch {event['epoch']}/{event['epochs']} · batch "
                f"{event['batch']}/{event['batches']} · loss {_num(event.get('loss'))} · "
                f"ETA {format_eta(event.get('eta_s'))}")
        return text, int(event["batch"]), int(event["batches"])
    if kind == "epoch":
        macro = (event.get("metrics") or {}).get("macro", {})
        text = (f"Epoch {event['epoch']}/{event['epochs']} done · val loss "
                f"{_num(event.get('val_loss'))} · F1 {_num(macro.get('f1'), 2)}"
                + (" (best)" if event.get("best") else ""))
        return text, 1, 1
    return None


class TrainingPanel(QtWidgets.QWidget):
    sigStart = Signal()
    sigStop = Signal()
    sigRetrain = Signal()
    sigPredictCurrent = Signal()
    sigPredictAll = Signal()
    sigRunChosen = Signal(str)
    sigSettingEdited = Signal(str, str)  # key, text
    sigThresholdChanged = Signal(float)
    sigShowPredictions = Signal(bool)


    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        # The metrics table alone would ask for ~620 px and squeeze the player and timeline;
        # start narrow (the table scrolls), the user can widen the dock.
        return QtCore.QSize(380, super().sizeHint().height())

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self._filling = False
        self._job_stage = ""

        # ---- settings ----
        self.fields: dict[str, QtWidgets.QWidget] = {}
        form = QtWidgets.QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        for n, key in enumerate(SETTING_KEYS):
            if key in ("epochs", "window", "batch", "stride"):
                w = QtWidgets.QSpinBox()
                w.setRange(1, 100_000)
                w.setKeyboardTracking(False)
                w.valueChanged.connect(lambda v, k=key: self._edited(k, str(v)))
            elif key == "precision":
                w = QtWidgets.QComboBox()
                w.addItems(PRECISION_CHOICES)
                w.currentTextChanged.connect(lambda text, k=key: self._edited(k, text))
            else:
                w = QtWidgets.QLineEdit()
                w.editingFinished.connect(lambda k=key, w=w: self._edited(k, w.text().strip()))
            w.setObjectName(f"setting_{key}")
            w.setToolTip(SETTING_TIPS[key])
            label = QtWidgets.QLabel(key)
            label.setToolTip(SETTING_TIPS[key])
            form.addWidget(label, n // 2, (n % 2) * 2)
            form.addWidget(w, n // 2, (n % 2) * 2 + 1)
            self.fields[key] = w
        self.resume = QtWidgets.QCheckBox("Continue from the latest run")
        self.resume.setObjectName("resumeCheck")
        self.resume.setChecked(True)
        self.resume.setToolTip("Start from the latest run's model (when its genres and frame "
                               "size fit); otherwise a new model is trained")
        self.source_label = QtWidgets.QLabel("")
        self.source_label.setObjectName("labelSource")
        self.source_label.setStyleSheet("color: #9aa0a6")

        # ---- buttons, progress ----
        self.start_button = QtWidgets.QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Export what changed and train a new run")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.retrain_button = QtWidgets.QPushButton("Retrain")
        self.retrain_button.setObjectName("retrainButton")
        self.retrain_button.setToolTip("Save, export, train, predict every trailer, update the "
                                       "curves (Ctrl+R)")
        for b in (self.start_button, self.stop_button, self.retrain_button):
            b.setAutoDefault(False)
            b.setFocusPolicy(Qt.NoFocus)
        self.start_button.clicked.connect(self.sigStart.emit)
        self.stop_button.clicked.connect(self.sigStop.emit)
        self.retrain_button.clicked.connect(self.sigRetrain.emit)
        self.stop_button.setEnabled(False)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retrain_button)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.status = QtWidgets.QLabel("Idle")
        self.status.setObjectName("trainingStatus")
        self.status.setWordWrap(True)

        # ---- curves ----
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

        # ---- metrics ----
        self.metrics = QtWidgets.QTableWidget(0, len(METRIC_COLUMNS))
        self.metrics.setObjectName("metricsTable")
        self.metrics.setHorizontalHeaderLabels(METRIC_COLUMNS)
        for c, tip in enumerate(METRIC_TIPS):
            self.metrics.horizontalHeaderItem(c).setToolTip(tip)
        self.metrics.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.metrics.setSelectionMode(QtWidgets.QAbstractItemView.NoSelection)
        self.metrics.setFocusPolicy(Qt.NoFocus)
        self.metrics.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.Stretch)
        self.metrics.verticalHeader().setDefaultSectionSize(20)
        self.metrics.setMinimumHeight(80)
        self.metrics_title = QtWidgets.QLabel("Validation metrics")

        # ---- runs & predictions ----
        self.runs = QtWidgets.QTreeWidget()
        self.runs.setObjectName("runsList")
        self.runs.setColumnCount(5)
        self.runs.setHeaderLabels(["Run", "Date", "Epochs", "F1", "Predicted"])
        self.runs.setRootIsDecorated(False)
        self.runs.setUniformRowHeights(True)
        self.runs.setFocusPolicy(Qt.NoFocus)
        self.runs.header().setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
        self.runs.itemClicked.connect(self._run_clicked)
        self.runs.setMinimumHeight(90)
        self.runs_hint = QtWidgets.QLabel("")
        self.runs_hint.setObjectName("runsHint")
        self.runs_hint.setWordWrap(True)
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

        # ---- layout: always-visible head, then tabs ----
        train_tab = QtWidgets.QWidget()
        tl = QtWidgets.QVBoxLayout(train_tab)
        tl.setContentsMargins(4, 4, 4, 4)
        tl.addWidget(self.loss_plot, 3)
        tl.addWidget(self.score_plot, 2)
        tl.addWidget(self.metrics_title)
        tl.addWidget(self.metrics, 3)
        runs_tab = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(runs_tab)
        rl.setContentsMargins(4, 4, 4, 4)
        rl.addWidget(self.runs, 1)
        rl.addWidget(self.runs_hint)
        rl.addLayout(pred_row)
        rl.addLayout(show_row)
        settings_tab = QtWidgets.QWidget()
        sl = QtWidgets.QVBoxLayout(settings_tab)
        sl.setContentsMargins(4, 4, 4, 4)
        sl.addLayout(form)
        sl.addWidget(self.resume)
        sl.addWidget(self.source_label)
        hint = QtWidgets.QLabel("Stored in the project: <code>trailer config PROJECT</code> shows "
                                "and sets the same values.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #9aa0a6")
        sl.addWidget(hint)
        sl.addStretch(1)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("modelTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(train_tab, "Training")
        self.tabs.addTab(runs_tab, "Runs")
        self.tabs.addTab(settings_tab, "Settings")

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)

    # ---- settings ------------------------------------------------------------------------
    def set_config(self, config: dict) -> None:
        self._filling = True
        try:
            for key in SETTING_KEYS:
                w = self.fields[key]
                value = config.get(key)
                if isinstance(w, QtWidgets.QSpinBox):
                    w.setValue(int(value) if value is not None else 1)
                elif isinstance(w, QtWidgets.QComboBox):
                    w.setCurrentText(str(value or w.itemText(0)))
                else:
                    w.setText("" if value is None else f"{value:g}" if isinstance(value, float) else str(value))
                w.setStyleSheet("")
        finally:
            self._filling = False

    def set_setting_error(self, key: str, message: str | None) -> None:
        w = self.fields[key]
        w.setStyleSheet("border: 1px solid #f28b82" if message else "")
        w.setToolTip(message or SETTING_TIPS[key])

    def _edited(self, key: str, text: str) -> None:
        if not self._filling:
            self.sigSettingEdited.emit(key, text)

    def set_label_source(self, source: str) -> None:
        self.source_label.setText(f"Trains on the labels of: {source}" if source else "")

    # ---- jobs ----------------------------------------------------------------------------
    def set_busy(self, kind: str | None, can_train: bool = True, can_predict: bool = True) -> None:
        """``kind``: None (idle), "train", "predict" or "retrain"."""
        idle = kind is None
        self.start_button.setEnabled(idle and can_train)
        self.retrain_button.setEnabled(idle and can_train)
        self.predict_current_button.setEnabled(idle and can_predict)
        self.predict_all_button.setEnabled(idle and can_predict)
        self.stop_button.setEnabled(not idle)
        self.stop_button.setText("Cancel" if kind in ("predict", "retrain") else "Stop")
        self.stop_button.setToolTip(
            "End training after this batch and keep the best model so far" if kind == "train"
            else "Stop now; the previous model and predictions stay as they were")
        for w in self.fields.values():
            w.setEnabled(idle)
        self.resume.setEnabled(idle)

    def show_progress(self, text: str, done: int, total: int) -> None:
        self.status.setText(text)
        if total <= 0:
            self.progress.setRange(0, 0)  # busy
        else:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def show_idle(self, text: str) -> None:
        self.status.setText(text)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)

    # ---- curves & metrics ----------------------------------------------------------------
    def clear_curves(self) -> None:
        self._batches, self._epochs = [], {}
        self._redraw()

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
            self._epochs[int(event["epoch"])] = {
                "loss": event.get("loss"), "val_loss": event.get("val_loss"),
                **{f"macro_{k}": (event.get("metrics") or {}).get("macro", {}).get(k)
                   for k in METRIC_KEYS},
            }
            if event.get("metrics"):
                self.set_metrics(event["metrics"], f"Validation metrics, epoch {event['epoch']}")

    def redraw(self) -> None:
        self._redraw()

    def show_history(self, history: list, metrics: dict | None, title: str = "",
                     keep_batches: bool = False, dominant: dict | None = None) -> None:
        """A finished run's curves (one point per epoch) and its best epoch's metrics;
        ``keep_batches``: keep the per-batch curve of the run just trained."""
        if not keep_batches:
            self._batches = []
        self._epochs = {}
        for entry in history or []:
            if isinstance(entry, dict) and entry.get("epoch") is not None:
                self._epochs[int(entry["epoch"])] = entry
        self._redraw()
        self.set_metrics(metrics or {}, title or "Validation metrics", dominant)

    def _redraw(self) -> None:
        def xy(key):
            pts = [(e, v[key]) for e, v in sorted(self._epochs.items())
                   if v.get(key) is not None and math.isfinite(v[key])]
            return [p[0] for p in pts], [p[1] for p in pts]

        if self._batches:
            xs, ys = zip(*self._batches)
            self.batch_curve.setData(list(xs), list(ys))
        else:
            self.batch_curve.setData([], [])
        self.loss_curve.setData(*xy("loss"))
        self.val_curve.setData(*xy("val_loss"))
        self.f1_curve.setData(*xy("macro_f1"))
        self.ap_curve.setData(*xy("macro_ap"))

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
        self.metrics.setRowCount(len(rows))
        self.metrics.setVerticalHeaderLabels([name for name, _ in rows])
        for r, (name, m) in enumerate(rows):
            segments = m.get("segments") or {}
            values = [_num(m.get(k)) for k in METRIC_KEYS] + [
                _num(segments.get(k), 1) for k in SEGMENT_COLUMNS] + [
                "" if name in ("macro", "dominant") else str(m.get("support", ""))]
            for c, text in enumerate(values):
                item = QtWidgets.QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if name in ("macro", "dominant"):
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.metrics.setItem(r, c, item)
        self.metrics_title.setText(title if rows else "Validation metrics (none: no validation "
                                                        "trailer, or no run chosen)")

    # ---- runs ----------------------------------------------------------------------------
    def set_runs(self, rows: list[RunRow], shown: str | None) -> None:
        self.runs.clear()
        for row in reversed(rows):  # newest first
            f1 = row.macro.get("f1") if row.macro else None
            predicted = ("all" if row.predicted >= row.videos and row.videos else
                         f"{row.predicted}/{row.videos}" if row.predicted else "–")
            item = QtWidgets.QTreeWidgetItem([
                ("● " if row.name == shown else "") + row.name,
                time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created)),
                str(row.epochs), _num(f1, 2), predicted])
            item.setData(0, Qt.UserRole, row.name)
            item.setToolTip(0, "Shown on the timeline" if row.name == shown
                            else "Click to show this run's predictions")
            if row.precision:
                item.setToolTip(1, f"Trained in {row.precision}")
            if row.name == shown:
                for c in range(5):
                    font = item.font(c)
                    font.setBold(True)
                    item.setFont(c, font)
            self.runs.addTopLevelItem(item)

    def run_names(self) -> list[str]:
        return [self.runs.topLevelItem(i).data(0, Qt.UserRole) for i in range(self.runs.topLevelItemCount())]

    def choose_run(self, name: str) -> None:
        """As if the user clicked the run."""
        self.sigRunChosen.emit(name)

    def _run_clicked(self, item: QtWidgets.QTreeWidgetItem, _column: int) -> None:
        name = item.data(0, Qt.UserRole)
        if name:
            self.sigRunChosen.emit(str(name))

    def set_shown_options(self, shown: bool, threshold: float) -> None:
        for w, setter, value in ((self.show_check, "setChecked", shown),
                                 (self.threshold, "setValue", threshold)):
            w.blockSignals(True)
            getattr(w, setter)(value)
            w.blockSignals(False)


class JobStatus(QtWidgets.QWidget):
    """The status bar's view of a model job: stage text, a small bar and Cancel."""

    sigCancel = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("jobStatus")
        self.label = QtWidgets.QLabel("")
        self.label.setObjectName("jobStatusLabel")
        self.bar = QtWidgets.QProgressBar()
        self.bar.setMaximumWidth(140)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel = QtWidgets.QToolButton()
        self.cancel.setObjectName("jobCancel")
        self.cancel.setText("Cancel")
        self.cancel.setAutoRaise(True)
        self.cancel.setFocusPolicy(Qt.NoFocus)
        self.cancel.clicked.connect(self.sigCancel.emit)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.setVisible(False)

    def show_progress(self, text: str, done: int, total: int) -> None:
        metrics = QtGui.QFontMetrics(self.label.font())
        self.label.setText(metrics.elidedText(text, Qt.ElideRight, 420))
        self.label.setToolTip(text)
        if total <= 0:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.setVisible(True)


__all__ = ["JobStatus", "RunRow", "TrainingPanel", "describe_event", "format_eta"]
