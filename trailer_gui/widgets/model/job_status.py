"""How a model job's progress reads: the status text of a training event, the ETA, and the
status bar's small view of the job (stage text, bar, Cancel)."""

from __future__ import annotations

import math

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from .metrics_table import figure

JOB_STATUS_WIDTH = 420  # px of stage text in the status bar (the rest is elided, in the tip)


def format_eta(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(max(0.0, seconds)))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


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
                f"{event['batch']}/{event['batches']} · loss {figure(event.get('loss'))} · "
                f"ETA {format_eta(event.get('eta_s'))}")
        return text, int(event["batch"]), int(event["batches"])
    if kind == "epoch":
        macro = (event.get("metrics") or {}).get("macro", {})
        text = (f"Epoch {event['epoch']}/{event['epochs']} done · val loss "
                f"{figure(event.get('val_loss'))} · F1 {figure(macro.get('f1'), 2)}"
                + (" (best)" if event.get("best") else ""))
        return text, 1, 1
    return None


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
        self.label.setText(metrics.elidedText(text, Qt.ElideRight, JOB_STATUS_WIDTH))
        self.label.setToolTip(text)
        if total <= 0:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.setVisible(True)


__all__ = ["JobStatus", "describe_event", "format_eta"]
