"""The Model dock: Start/Stop/Retrain and progress over three tabs: Training (the live
curves and per-genre metrics), Runs (the project's runs and their predictions) and Settings.

A thin view: it shows what it is given and emits what the user asks for; the
``ModelController`` owns the project, the jobs and the overlay. Its parts have their own
modules: ``training_curves``, ``metrics_table``, ``run_picker``, ``settings_form``
(``job_status`` is the status bar's view of a job). Nothing here imports TensorFlow or the
``model`` package.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from .job_status import JobStatus, describe_event, format_eta
from .metrics_table import MetricsTable
from .run_picker import RunPicker, RunRow
from .settings_form import SETTING_KEYS, SettingsForm
from .training_curves import TrainingCurves

PANEL_WIDTH = 380  # px the dock asks for at first (the metrics table alone would ask ~620)


class TrainingPanel(QtWidgets.QWidget):
    sigStart = Signal()
    sigStop = Signal()
    sigRetrain = Signal()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        # The metrics table alone would squeeze the player and timeline; start narrow (the
        # table scrolls), the user can widen the dock.
        return QtCore.QSize(PANEL_WIDTH, super().sizeHint().height())

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")

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

        self.metrics_view = MetricsTable()
        self.curves = TrainingCurves(self.metrics_view.set_metrics)
        self.run_picker = RunPicker()
        self.settings = SettingsForm()
        train_tab = QtWidgets.QWidget()
        tl = QtWidgets.QVBoxLayout(train_tab)
        tl.setContentsMargins(4, 4, 4, 4)
        tl.addWidget(self.curves, 5)
        tl.addWidget(self.metrics_view, 3)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("modelTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(train_tab, "Training")
        self.tabs.addTab(self.run_picker, "Runs")
        self.tabs.addTab(self.settings, "Settings")

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)

        # The parts' widgets, by the names the controller and tests use.
        self.fields, self.resume = self.settings.fields, self.settings.resume
        self.metrics, self.metrics_title = self.metrics_view.table, self.metrics_view.title
        self.batch_curve, self.loss_curve = self.curves.batch_curve, self.curves.loss_curve
        self.val_curve = self.curves.val_curve
        self.f1_curve, self.ap_curve = self.curves.f1_curve, self.curves.ap_curve
        self.runs, self.runs_hint = self.run_picker.runs, self.run_picker.hint
        self.add_event, self.redraw = self.curves.add_event, self.curves.redraw
        self.clear_curves, self.set_metrics = self.curves.clear, self.metrics_view.set_metrics
        self.run_names, self.choose_run = self.run_picker.run_names, self.run_picker.choose_run

    # ---- jobs ----------------------------------------------------------------------------
    def set_busy(self, kind: str | None, can_train: bool = True, can_predict: bool = True) -> None:
        """``kind``: None (idle), "train", "predict" or "retrain"."""
        idle = kind is None
        self.start_button.setEnabled(idle and can_train)
        self.retrain_button.setEnabled(idle and can_train)
        self.run_picker.set_can_predict(idle and can_predict)
        self.stop_button.setEnabled(not idle)
        self.stop_button.setText("Cancel" if kind in ("predict", "retrain") else "Stop")
        self.stop_button.setToolTip(
            "End training after this batch and keep the best model so far" if kind == "train"
            else "Stop now; the previous model and predictions stay as they were")
        self.settings.set_editable(idle)

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

    def show_history(self, history: list, metrics: dict | None, title: str = "",
                     keep_batches: bool = False, dominant: dict | None = None) -> None:
        """A finished run's curves (one point per epoch) and its best epoch's metrics;
        ``keep_batches``: keep the per-batch curve of the run just trained."""
        self.curves.show_history(history, keep_batches)
        self.metrics_view.set_metrics(metrics or {}, title or "Validation metrics", dominant)


__all__ = ["JobStatus", "RunRow", "SETTING_KEYS", "TrainingPanel", "describe_event", "format_eta"]
