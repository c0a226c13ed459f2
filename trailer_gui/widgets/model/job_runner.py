"""At most one model job at a time: Start (train), Retrain (the one-click chain of
``services.retrain``), Predict this trailer / all, with one Stop/Cancel.

``ModelJobRunner`` starts the job (``workers.model_jobs.ModelJob``, a thread), shows its
progress in the Model dock and the status bar, and says how it ended: in the dock, in the
status bar, or in a dialog for an error. What a finished job changes for the rest of the
window (the shown run, the runs list) is the ``ModelController``'s: it listens to
``sigEndedHere``. TensorFlow is imported by the first job, in its worker thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from PySide6 import QtCore
from PySide6.QtCore import Signal

from ...core.errors import TrailerError
from ...services import retrain as R
from ...services import training as T
from ...workers.model_jobs import ModelJob
from ..messages import show_error
from ..workspace import WorkspaceState
from .job_status import JobStatus, describe_event
from .training_panel import TrainingPanel

JOB_TITLES = {"train": "Training", "predict": "Prediction", "retrain": "Retrain"}
CANCELLED_TEXTS = {"train": "Training cancelled before it started",
                   "predict": "Prediction cancelled: the earlier predictions are unchanged",
                   "retrain": "Retrain cancelled: the previous model and predictions are unchanged"}
REDRAW_MS = 250  # the curves redraw at most this often while batches stream in: each redraw
# is a repaint of two plots (~8 ms of the GUI thread, more while a worker holds the GIL)


def error_text(exc: BaseException) -> str:
    """The reason, in a line or a few: our errors carry it; TensorFlow's OpError keeps it in
    ``.message``; others get their type name in front."""
    message = getattr(exc, "message", None)
    text = message if isinstance(message, str) and message else str(exc)
    lines = [ln for ln in text.strip().splitlines() if ln.strip()][:6]
    text = "\n".join(lines) or type(exc).__name__
    if isinstance(exc, (TrailerError, ValueError)) and type(exc).__module__.split(".")[0] in (
            "trailer_gui", "model"):
        return text
    return f"{type(exc).__name__}: {text}"


def is_explained(exc: BaseException) -> bool:
    """Our own errors (and the operating system's) say what is wrong in their message: the
    user gets no traceback for them. Anything else is a bug, and its traceback helps."""
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in ("trailer_gui", "model")


def finished_text(result: R.JobResult) -> str:
    """What the dock and the status bar say when a job finished (without its duration)."""
    if result.kind == "train":
        return (f"Stopped: run {result.run} kept (best epoch {result.best_epoch})"
                if result.stopped else f"Trained run {result.run} (best epoch {result.best_epoch})")
    if result.kind == "predict":
        return f"Predicted {len(result.predicted)} trailer(s) with run {result.run}"
    return (f"Retrained: run {result.run}, {len(result.predicted)} trailer(s) predicted"
            + (f", continued from {result.init_from}" if result.init_from else
               ", trained from scratch" if any(w.startswith("run ") for w in result.warnings)
               else ""))


class ModelJobRunner(QtCore.QObject):
    sigBusyChanged = Signal()  # a job started or ended: actions enable/disable
    sigContinuing = Signal(str)  # training continues from this run (its curves come first)
    # the job's project is still open: kind, and its JobResult, None (cancelled) or the error
    sigEndedHere = Signal(str, object)
    sigFinished = Signal(str, object)  # kind, JobResult (or None when it failed/cancelled)

    def __init__(self, state: WorkspaceState, panel: TrainingPanel, job_status: JobStatus,
                 report: Callable[[str, int], None], save_labels: Callable[[], bool],
                 export_running: Callable[[], bool], parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.panel, self.job_status, self.report = state, panel, job_status, report
        self.save_labels, self.export_running = save_labels, export_running
        self.job: ModelJob | None = None
        self.job_kind: str | None = None
        self._job_folder: Path | None = None
        self._job_stage = ""
        self._job_started = 0.0
        self.train_overrides: dict = {}  # e.g. {"steps_per_epoch": 3} (tests, benchmarks)
        self.last_result: R.JobResult | None = None
        self.retrain_pressed_at: float | None = None
        self.last_retrain_s: float | None = None  # Retrain pressed -> overlays updated
        self._redraw_timer = QtCore.QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw_timer.timeout.connect(panel.redraw)
        job_status.sigCancel.connect(self.stop)

    # ---- starting ------------------------------------------------------------------------
    def _can_start(self) -> bool:
        if self.state.project is None:
            return False
        if self.job is not None:
            self.report(f"{JOB_TITLES.get(self.job_kind, 'A job')} is still running", 4000)
            return False
        if self.export_running():
            # Training and prediction read the dataset the export is rewriting.
            self.report("An export is running: wait for it to finish, or cancel it", 5000)
            return False
        return True

    def _save_labels(self) -> bool:
        self.panel.show_progress("Saving labels", 0, 0)
        if not self.save_labels():
            show_error(self.panel, "Labels not saved",
                       "The latest label changes could not be saved, so they cannot be trained "
                       "on. Nothing was started.")
            self.panel.show_idle("Idle")
            return False
        return True

    def _start(self, kind: str, fn, *args, **kwargs) -> ModelJob:
        job = ModelJob(fn, *args, name=kind, **kwargs)
        job.sigEvent.connect(self._on_event)
        job.sigProgress.connect(self._on_progress)
        job.sigFinished.connect(self._on_finished)
        job.sigErrored.connect(self._on_errored)
        job.sigCancelled.connect(self._on_cancelled)
        job.sigDone.connect(self._on_done)
        self.job, self.job_kind = job, kind
        self._job_folder = self.state.project.folder
        self._job_stage = ""
        self._job_started = time.monotonic()
        self.panel.set_busy(kind)
        self.job_status.show_progress(f"{JOB_TITLES[kind]}: starting", 0, 0)
        self.sigBusyChanged.emit()
        return job.start()

    def _train(self, kind: str, fn) -> ModelJob:
        self.panel.clear_curves()
        self.panel.tabs.setCurrentIndex(0)  # the curves
        return self._start(kind, fn, self.state.project.folder, self.state.annotator,
                           dict(self.train_overrides), self.panel.resume.isChecked())

    def start_training(self) -> ModelJob | None:
        """The panel's Start: export what changed and train a new run."""
        if not self._can_start() or not self._save_labels():
            return None
        return self._train("train", R.train_job)

    def retrain(self) -> ModelJob | None:
        """Ctrl+R: save, export, train (continuing from the latest run), predict all, refresh."""
        if not self._can_start():
            return None
        if not self.state.project.videos():
            self.report("Add trailers first", 4000)
            return None
        self.retrain_pressed_at = time.perf_counter()
        if not self._save_labels():
            return None
        return self._train("retrain", R.retrain_job)

    def predict(self, ids: list[int] | None) -> ModelJob | None:
        """Predict ``ids`` (None: every trailer) with the shown run (or the newest readable)."""
        if not self._can_start():
            return None
        runs = T.list_runs(self.state.project)
        if not runs:
            self.report("No trained model yet: Retrain or Start first", 5000)
            return None
        run = self.state.run if self.state.run in {r.name for r in runs} else None
        return self._start("predict", R.predict_job, self.state.project.folder, run, ids,
                           self.state.annotator)

    def stop(self) -> None:
        """Stop (train: within one batch, keeping the best model) or cancel (the rest)."""
        if self.job is None:
            return
        self.job.cancel()
        text = "Stopping after this batch…" if self.job_kind == "train" else "Cancelling…"
        self.panel.show_progress(text, 0, 0)
        self.panel.stop_button.setEnabled(False)
        self.job_status.show_progress(text, 0, 0)
        self.job_status.cancel.setEnabled(False)

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Cancel the job and wait for its thread (the window is closing)."""
        job = self.job
        if job is None:
            return True
        job.cancel()
        return job.wait(timeout_ms)

    def runs_here(self) -> bool:
        """A job of the open project runs (its curves own the dock)."""
        return self.job is not None and self._same_project()

    def _same_project(self) -> bool:
        p = self.state.project
        return p is not None and p.folder == self._job_folder

    # ---- the job's signals (GUI thread) --------------------------------------------------
    def _show(self, text: str, done: int, total: int) -> None:
        if self.job is not None and self.job.progress.cancelled:
            return  # "Stopping…" stays until the job ends
        self.panel.show_progress(text, done, total)
        self.job_status.show_progress(f"{JOB_TITLES.get(self.job_kind or '', '')}: {text}",
                                      done, total)

    def _on_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "warning":  # a video left out, an unreadable run skipped: the job goes on
            self.report(f"Warning: {event.get('message', '')}", 15_000)
            return
        if kind == "job":
            self._job_stage = event.get("stage", "")
            step = f" ({event['step']}/{event['steps']})" if self.job_kind == "retrain" else ""
            self._show(f"{self._job_stage}{step}", 0, 0)
            init = event.get("init_from")
            if self._job_stage == "Training" and init:
                self.sigContinuing.emit(init)
            return
        self.panel.add_event(event)
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()
        shown = describe_event(event)
        if shown is not None:
            self._show(*shown)

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        if self._job_stage == "Training":
            return  # training reports through its events
        self._show(stage or self._job_stage, done, total)

    def _on_finished(self, result: R.JobResult) -> None:
        self.last_result = result
        self.panel.redraw()
        if not self._same_project():
            self.sigFinished.emit(self.job_kind or "", result)
            return
        took = time.monotonic() - self._job_started
        self.sigEndedHere.emit(result.kind, result)  # the shown run, overlays, notes, runs
        if result.kind == "retrain" and self.retrain_pressed_at is not None:
            self.last_retrain_s = time.perf_counter() - self.retrain_pressed_at
        text = finished_text(result) + f" in {took:.0f} s"
        if result.warnings:  # name what was left out, e.g. a video whose file is missing
            text += ". Warning: " + "; ".join(result.warnings)
        self.panel.show_idle(text)
        self.report(text, 10_000)
        self.sigFinished.emit(result.kind, result)

    def _on_errored(self, exc: BaseException) -> None:
        title = f"{JOB_TITLES.get(self.job_kind or '', 'Model job')} failed"
        reason = error_text(exc)
        self.panel.show_idle(f"{title}: {reason.splitlines()[0]}")
        details = self.job.traceback if self.job is not None and not is_explained(exc) else None
        show_error(self.panel, title,
                   f"{reason}\n\nYour labels are unchanged; the previous model and predictions "
                   "were kept.", details)
        if self._same_project():
            self.sigEndedHere.emit(self.job_kind or "", exc)
        self.sigFinished.emit(self.job_kind or "", None)

    def _on_cancelled(self) -> None:
        text = CANCELLED_TEXTS.get(self.job_kind or "", "Cancelled")
        self.panel.show_idle(text)
        self.report(text, 8000)
        if self._same_project():
            self.sigEndedHere.emit(self.job_kind or "", None)
        self.sigFinished.emit(self.job_kind or "", None)

    def _on_done(self) -> None:
        self.job, self.job_kind = None, None
        self._job_stage = ""
        self.panel.set_busy(None)
        self.job_status.setVisible(False)
        self.job_status.cancel.setEnabled(True)
        self.sigBusyChanged.emit()


__all__ = ["JOB_TITLES", "ModelJobRunner", "error_text", "is_explained"]
