"""The model side of the main window: the Model dock, the prediction overlay, model jobs.

``ModelController`` owns

* the Model dock (:class:`training_panel.TrainingPanel`): settings stored in the project (the
  same keys as ``trailer config``), Start / Stop, Retrain, progress, curves, metrics, runs;
* the timeline overlay (:class:`prediction_overlay.PredictionOverlay`) of the *shown run*: an
  explicit run name, kept in the project setting ``predictions.run``; choosing a run in the
  list shows its predictions (``services.predictions`` finds them per run);
* at most one model job at a time (``workers.model_jobs.ModelJob``: train, predict or the
  one-click retrain chain of ``services.retrain``), with one Cancel.

It binds the Model menu's actions to its own methods (``actions.Actions.bind``) and follows the
shown run through ``WorkspaceState.run`` (``shown_run``).

TensorFlow is imported by the first job, in its worker thread; nothing here imports it or the
``model`` package.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...services import predictions as P
from ...services import retrain as R
from ...services import training as T
from ...core.errors import TrailerError
from ...workers.model_jobs import ModelJob
from ..messages import show_error
from .prediction_overlay import PredictionOverlay
from .training_panel import JobStatus, RunRow, TrainingPanel, describe_event

LOCK_WAIT_S = 0.1  # the GUI thread waits at most this long for another program's write lock

THRESHOLD_SETTING = "predictions.threshold"
RUN_SETTING = "predictions.run"
JOB_TITLES = {"train": "Training", "predict": "Prediction", "retrain": "Retrain"}
REDRAW_MS = 100


def _percent(share) -> str:
    return "–" if not isinstance(share, (int, float)) or share != share else f"{100 * share:.0f}%"


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


class ModelController(QtCore.QObject):
    sigJobFinished = Signal(str, object)  # kind, JobResult (or None when it failed/cancelled)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: ModelJob | None = None
        self.job_kind: str | None = None
        self._job_folder: Path | None = None
        self._job_stage = ""
        self._job_started = 0.0
        self._project = None
        self.threshold = P.DEFAULT_THRESHOLD
        # U's ranking of uncertain places, kept while (prediction, trailer, threshold) stay.
        self._uncertain_key: tuple | None = None
        self._uncertain: list[tuple[int, int]] = []
        self._uncertain_next = 0
        self.train_overrides: dict = {}  # e.g. {"steps_per_epoch": 3} (tests, benchmarks)
        self.last_result: R.JobResult | None = None
        self.retrain_pressed_at: float | None = None
        self.last_retrain_s: float | None = None  # Retrain pressed -> overlays updated

        self.overlay = PredictionOverlay(window.timeline, self)
        self.panel = TrainingPanel()
        self.dock = QtWidgets.QDockWidget("Model", window)
        self.dock.setObjectName("modelDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QtWidgets.QDockWidget.DockWidgetClosable
                              | QtWidgets.QDockWidget.DockWidgetMovable
                              | QtWidgets.QDockWidget.DockWidgetFloatable)
        self.panel.setMinimumWidth(300)
        window.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.report = window.statusBar().showMessage  # (text, ms): the one way it speaks up
        self.job_status = JobStatus()
        window.statusBar().addPermanentWidget(self.job_status)
        self.job_status.sigCancel.connect(self.stop)

        a = window.actions
        a.toggle_predictions.setCheckable(True)
        a.toggle_predictions.setChecked(True)
        a.bind({"retrain": self.retrain, "predict_current": self.predict_current,
                "predict_all": self.predict_all, "next_disagreement": self.next_disagreement,
                "previous_disagreement": self.previous_disagreement,
                "most_uncertain": self.most_uncertain,
                "accept_predictions": self.accept_predictions,
                "toggle_predictions": self.toggle_predictions})
        view = self.dock.toggleViewAction()
        view.setText("Model &panel")
        view.setObjectName("action_model_panel")
        model_menu = a.menus.get("Model")
        if model_menu is not None:
            model_menu.addSeparator()
            model_menu.addAction(view)
        self.toolbar = QtWidgets.QToolBar("Model", window)
        self.toolbar.setObjectName("modelToolBar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.toolbar.addAction(a.retrain)
        self.toolbar.addAction(a.predict_all)
        self.toolbar.addSeparator()
        self.toolbar.addAction(a.toggle_predictions)
        self.toolbar.addAction(view)
        window.addToolBar(Qt.TopToolBarArea, self.toolbar)

        p = self.panel
        p.sigStart.connect(self.start_training)
        p.sigStop.connect(self.stop)
        p.sigRetrain.connect(self.retrain)
        p.sigPredictCurrent.connect(self.predict_current)
        p.sigPredictAll.connect(self.predict_all)
        p.sigRunChosen.connect(self.choose_run)
        p.sigSettingEdited.connect(self._setting_edited)
        p.sigThresholdChanged.connect(self.set_threshold)
        p.sigShowPredictions.connect(self.set_shown)
        self.overlay.sigChanged.connect(self.update_actions)
        # after the overlay's own slot (it drops the old video's prediction first)
        window.timeline.sigLanesChanged.connect(self._on_lanes_changed)

        self._redraw_timer = QtCore.QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw_timer.timeout.connect(self.panel.redraw)
        self.update_actions()

    # ==== project and trailer ==============================================================
    @property
    def project(self):
        return self.window.project

    @property
    def shown_run(self) -> str | None:
        """The run whose predictions are shown: ``WorkspaceState.run`` (announced)."""
        return self.window.state.run

    @shown_run.setter
    def shown_run(self, run: str | None) -> None:
        self.window.state.set_run(run)

    def project_changed(self) -> None:
        """Call after a project was opened or closed (idempotent)."""
        p = self.project
        if p is self._project:
            return
        self._project = p
        if self.job is not None and p is None:
            self.job.cancel()  # train: stops and keeps its model; others: keep what was there
        self.panel.clear_curves()
        self.panel.set_metrics({}, "Validation metrics")
        if p is None:
            self.shown_run = None
            self.panel.set_runs([], None)
            self.panel.set_label_source("")
            self.panel.show_idle("No project open")
            self.update_actions()
            return
        self.refresh_config()
        try:
            self.threshold = min(0.99, max(0.01, float(p.setting(THRESHOLD_SETTING) or P.DEFAULT_THRESHOLD)))
        except ValueError:
            self.threshold = P.DEFAULT_THRESHOLD
        self.overlay.set_threshold(self.threshold)
        run_names = {r.name for r in T.list_runs(p)}
        stored = p.setting(RUN_SETTING)
        self.shown_run = stored if stored in run_names else P.latest_predicted_run(p)
        self.panel.set_shown_options(self.overlay.shown, self.threshold)
        self.refresh_runs()
        self.panel.show_idle("Idle")
        self._show_run_history(self.shown_run)
        self.reload_prediction()
        self.refresh_notes()

    def refresh_config(self) -> None:
        p = self.project
        if p is None:
            return
        try:
            self.panel.set_config(T.get_config(p))
        except (TrailerError, ValueError) as exc:
            self.report(f"Training settings: {exc}", 8000)
        self.panel.set_label_source(R.label_source(p, self.window.state.annotator))

    def _on_lanes_changed(self) -> None:
        if self.project is not self._project:
            self.project_changed()
            return
        self.reload_prediction()

    def reload_prediction(self) -> None:
        """Show the shown run's prediction of the current trailer (or nothing)."""
        tl, p, video = self.window.timeline, self.project, self.window.state.video
        pred = None
        if p is not None and video is not None and tl.editor is not None and self.shown_run:
            pred = P.load_run_prediction(p, video.id, self.shown_run, tl.frames, len(tl.genres))
        self.overlay.set_prediction(pred)
        self._update_hint()
        self.update_actions()

    def refresh_notes(self) -> None:
        """The trailer list's model notes ("model agrees 94%", "model unsure at 7 places")
        from the shown run's predictions and the labels being edited."""
        p, window = self.project, self.window
        notes: dict[int, str] = {}
        if p is not None and self.shown_run and self.overlay.shown:
            genres = len(window.state.genres)
            for v in p.videos():
                pred = P.load_run_prediction(p, v.id, self.shown_run, v.frames, genres)
                if pred is not None:
                    labels = p.load_labels(v.id, window.state.annotator)
                    notes[v.id] = P.trailer_note(pred.probs, labels, self.threshold,
                                                 pred.decided(self.threshold))
        window.video_list.set_model_notes(notes)

    def refresh_note(self, video_id: int) -> None:
        """The current trailer's note after its labels changed (from what is on screen)."""
        ed, pred = self.window.editor, self.overlay.prediction
        if ed is None or pred is None or pred.video_id != video_id or not self.overlay.shown:
            return
        self.window.video_list.set_model_note(
            video_id, P.trailer_note(pred.probs, ed.array, self.threshold,
                                     pred.decided(self.threshold)))

    def _update_hint(self) -> None:
        hint = ""
        if self.project is not None and self.window.state.video is not None:
            if self.shown_run is None:
                hint = "No predictions yet: Retrain (Ctrl+R), or train and then Predict."
            elif self.overlay.prediction is None:
                hint = (f"Run {self.shown_run} has no prediction for this trailer yet: "
                        "Predict this trailer, or Predict all.")
            else:
                hint = f"Showing the predictions of run {self.shown_run}."
        self.panel.runs_hint.setText(hint)

    # ==== runs =============================================================================
    def refresh_runs(self) -> None:
        p = self.project
        if p is None:
            self.panel.set_runs([], None)
            return
        videos = len(p.videos())
        rows = [RunRow(r.name, r.created, r.epochs, r.macro, len(P.predicted_ids(p, r.name)), videos,
                       T.run_precision(r.folder))
                for r in T.list_runs(p)]
        self.panel.set_runs(rows, self.shown_run)

    def choose_run(self, name: str) -> None:
        """Show ``name``'s predictions (and its curves and metrics when idle)."""
        p = self.project
        if p is None:
            return
        self.shown_run = name
        self._remember(RUN_SETTING, name)
        self.refresh_runs()
        if self.job is None:
            self._show_run_history(name)
        self.reload_prediction()
        self.refresh_notes()
        if self.overlay.prediction is None and self.window.state.video is not None:
            self.report(
                f"No predictions of run {name} for this trailer: Predict this trailer or Predict all", 8000)

    def _show_run_history(self, name: str | None, keep_batches: bool = False) -> None:
        if name is None or self.project is None:
            return
        folder = T.models_dir(self.project) / name
        try:
            history = json.loads((folder / T.HISTORY_FILE).read_text())
            metrics = json.loads((folder / T.METRICS_FILE).read_text())
        except (OSError, ValueError):
            return
        metrics = metrics if isinstance(metrics, dict) else {}
        validation = metrics.get("validation") or {}
        best = metrics.get("best_epoch")
        title = f"Validation metrics of run {name}, best epoch {best}"
        # Runs since segment decoding: the decoded labels' figures (model.evaluate report).
        decoded = metrics.get("decoded") if isinstance(metrics.get("decoded"), dict) else {}
        dominant = None
        if isinstance(decoded.get("metrics"), dict):
            validation, dominant = decoded["metrics"], decoded.get("dominant") or {}
            title += (f" · decoded segments · every genre right on "
                      f"{_percent(decoded.get('all_genres_right'))} of frames, dominant genre "
                      f"on {_percent(dominant.get('accuracy'))}")
        self.panel.show_history(history if isinstance(history, list) else [], validation,
                                title, keep_batches, dominant)

    # ==== settings and display =============================================================
    def _setting_edited(self, key: str, text: str) -> None:
        p = self.project
        if p is None:
            return
        try:
            with p.busy_timeout(LOCK_WAIT_S):
                T.set_config(p, key, text or None)
        except sqlite3.OperationalError as exc:  # another program holds the database
            self.panel.set_setting_error(key, f"not saved: {exc} (another program is writing)")
            self.report(f"Training setting {key} not saved: the project is busy in another "
                        "program; try again", 8000)
            return
        except TrailerError as exc:
            self.panel.set_setting_error(key, str(exc))
            self.report(str(exc), 8000)
            return
        self.panel.set_setting_error(key, None)
        self.refresh_config()
        self.report(f"Training setting {key} = {T.get_config(p)[key]}", 4000)

    def _remember(self, key: str, value: str) -> bool:
        """Store a display choice (shown run, threshold) without ever waiting on another
        program's write lock on the GUI thread, and not at all in a read-only project."""
        p = self.project
        if p is None or p.read_only:
            return False
        try:
            with p.busy_timeout(LOCK_WAIT_S):
                p.set_setting(key, value)
        except (sqlite3.Error, TrailerError) as exc:
            self.report(f"Not remembered ({key}): {exc}", 5000)
            return False
        return True

    def set_threshold(self, value: float) -> None:
        self.threshold = float(value)
        self.overlay.set_threshold(self.threshold)
        self._remember(THRESHOLD_SETTING, f"{self.threshold:g}")
        self.panel.set_shown_options(self.overlay.shown, self.threshold)
        self.refresh_notes()

    def set_shown(self, shown: bool) -> None:
        self.overlay.set_shown(shown)
        a = self.window.actions.toggle_predictions
        if a.isChecked() != shown:
            a.setChecked(shown)
        self.panel.set_shown_options(shown, self.threshold)
        self.refresh_notes()

    # ==== jobs =============================================================================
    def busy(self) -> bool:
        return self.job is not None

    def _can_start(self) -> bool:
        if self.project is None:
            return False
        if self.job is not None:
            self.report(
                f"{JOB_TITLES.get(self.job_kind, 'A job')} is still running", 4000)
            return False
        dialog = self.window.files.export_dialog
        if dialog is not None and dialog.running():
            # Training and prediction read the dataset the export is rewriting.
            self.report(
                "An export is running: wait for it to finish, or cancel it", 5000)
            return False
        return True

    def _save_labels(self) -> bool:
        self.panel.show_progress("Saving labels", 0, 0)
        if not self.window.autosaver.flush():
            show_error(self.window, "Labels not saved",
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
        self._job_folder = self.project.folder
        self._job_stage = ""
        self._job_started = time.monotonic()
        self.panel.set_busy(kind)
        self.job_status.show_progress(f"{JOB_TITLES[kind]}: starting", 0, 0)
        self.update_actions()
        return job.start()

    def start_training(self) -> ModelJob | None:
        """The panel's Start: export what changed and train a new run."""
        if not self._can_start() or not self._save_labels():
            return None
        self.panel.clear_curves()
        self.panel.tabs.setCurrentIndex(0)
        return self._start("train", R.train_job, self.project.folder, self.window.state.annotator,
                           dict(self.train_overrides), self.panel.resume.isChecked())

    def retrain(self) -> ModelJob | None:
        """Ctrl+R: save, export, train (continuing from the latest run), predict all, refresh."""
        if not self._can_start():
            return None
        if not self.project.videos():
            self.report("Add trailers first", 4000)
            return None
        self.retrain_pressed_at = time.perf_counter()
        if not self._save_labels():
            return None
        self.panel.clear_curves()
        self.panel.tabs.setCurrentIndex(0)
        return self._start("retrain", R.retrain_job, self.project.folder,
                           self.window.state.annotator, dict(self.train_overrides),
                           self.panel.resume.isChecked())

    def predict(self, ids: list[int] | None) -> ModelJob | None:
        if not self._can_start():
            return None
        runs = T.list_runs(self.project)
        if not runs:
            self.report("No trained model yet: Retrain or Start first", 5000)
            return None
        names = {r.name for r in runs}
        run = self.shown_run if self.shown_run in names else None  # None: newest readable
        return self._start("predict", R.predict_job, self.project.folder, run, ids,
                           self.window.state.annotator)

    def predict_current(self) -> ModelJob | None:
        video = self.window.state.video
        if video is None:
            return None
        return self.predict([video.id])

    def predict_all(self) -> ModelJob | None:
        return self.predict(None)

    def stop(self) -> None:
        """Stop (train: within one batch, keeping the best model) or cancel (the rest)."""
        if self.job is None:
            return
        self.job.cancel()
        text = ("Stopping after this batch…" if self.job_kind == "train" else "Cancelling…")
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

    # ---- job signals (GUI thread) --------------------------------------------------------
    def _prefix(self) -> str:
        return JOB_TITLES.get(self.job_kind or "", "")

    def _show(self, text: str, done: int, total: int) -> None:
        if self.job is not None and self.job.progress.cancelled:
            return  # "Stopping…" stays until the job ends
        self.panel.show_progress(text, done, total)
        self.job_status.show_progress(f"{self._prefix()}: {text}", done, total)

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
                self._show_run_history(init, keep_batches=True)
                self.panel.set_metrics({}, f"Continuing from run {init}")
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

    def _same_project(self) -> bool:
        return self.project is not None and self.project.folder == self._job_folder

    def _on_finished(self, result: R.JobResult) -> None:
        self.last_result = result
        self.panel.redraw()
        if not self._same_project():
            self.sigJobFinished.emit(self.job_kind or "", result)
            return
        took = time.monotonic() - self._job_started
        if result.kind in ("predict", "retrain") and result.predicted:
            self.shown_run = result.run
            self._remember(RUN_SETTING, result.run)
        self.refresh_runs()
        self.refresh_config()
        if result.kind in ("train", "retrain"):
            self._show_run_history(result.run, keep_batches=True)
        self.reload_prediction()
        self.refresh_notes()
        if result.kind == "retrain" and self.retrain_pressed_at is not None:
            self.last_retrain_s = time.perf_counter() - self.retrain_pressed_at
        if result.kind == "train":
            text = (f"Stopped: run {result.run} kept (best epoch {result.best_epoch})"
                    if result.stopped else f"Trained run {result.run} (best epoch {result.best_epoch})")
        elif result.kind == "predict":
            text = f"Predicted {len(result.predicted)} trailer(s) with run {result.run}"
        else:
            text = (f"Retrained: run {result.run}, {len(result.predicted)} trailer(s) predicted"
                    + (f", continued from {result.init_from}" if result.init_from else
                       ", trained from scratch" if any(w.startswith("run ") for w in result.warnings)
                       else ""))
        text += f" in {took:.0f} s"
        if result.warnings:  # name what was left out, e.g. a video whose file is missing
            text += ". Warning: " + "; ".join(result.warnings)
        self.panel.show_idle(text)
        self.report(text, 10_000)
        self.sigJobFinished.emit(result.kind, result)

    def _on_errored(self, exc: BaseException) -> None:
        title = f"{JOB_TITLES.get(self.job_kind or '', 'Model job')} failed"
        reason = error_text(exc)
        self.panel.show_idle(f"{title}: {reason.splitlines()[0]}")
        details = self.job.traceback if self.job is not None and not is_explained(exc) else None
        show_error(self.window, title,
                   f"{reason}\n\nYour labels are unchanged; the previous model and predictions "
                   "were kept.", details)
        self.refresh_runs()
        self.sigJobFinished.emit(self.job_kind or "", None)

    def _on_cancelled(self) -> None:
        text = {"train": "Training cancelled before it started",
                "predict": "Prediction cancelled: the earlier predictions are unchanged",
                "retrain": "Retrain cancelled: the previous model and predictions are unchanged"
                }.get(self.job_kind or "", "Cancelled")
        self.panel.show_idle(text)
        self.report(text, 8000)
        if self._same_project():
            self.refresh_runs()
            self._show_run_history(self.shown_run)
        self.sigJobFinished.emit(self.job_kind or "", None)

    def _on_done(self) -> None:
        self.job, self.job_kind = None, None
        self._job_stage = ""
        self.panel.set_busy(None)
        self.job_status.setVisible(False)
        self.job_status.cancel.setEnabled(True)
        self.update_actions()

    # ==== actions ==========================================================================
    def update_actions(self) -> None:
        a = self.window.actions
        p = self.project
        idle = self.job is None
        has_runs = p is not None and (T.models_dir(p)).is_dir() and any(
            (f / T.MODEL_FILE).is_file() for f in T.models_dir(p).iterdir())
        has_pred = self.overlay.has_prediction() and self.window.editor is not None
        a.retrain.setEnabled(p is not None and idle)
        a.predict_current.setEnabled(idle and has_runs and self.window.state.video is not None)
        a.predict_all.setEnabled(idle and has_runs)
        for act in (a.next_disagreement, a.previous_disagreement, a.most_uncertain,
                    a.accept_predictions):
            act.setEnabled(has_pred)
        a.toggle_predictions.setEnabled(p is not None)
        if idle:
            self.panel.set_busy(None, can_train=p is not None, can_predict=has_runs)

    def _seek(self, frame: int) -> None:
        self.window.player.seek(frame)
        self.window.timeline.set_frame(frame)
        self.window.genre_bar.set_frame(frame)

    def next_disagreement(self) -> None:
        self._jump(self.overlay.next_disagreement, "after")

    def previous_disagreement(self) -> None:
        self._jump(self.overlay.previous_disagreement, "before")

    def _jump(self, find, where: str) -> None:
        if not self.overlay.has_prediction():
            self.report("No predictions shown for this trailer", 3000)
            return
        frame = find(self.window.current_frame())
        if frame is None:
            self.report(f"No disagreement {where} this frame", 3000)
            return
        self._seek(frame)
        genres = [g.name for g, d in zip(self.window.state.genres, self.overlay.disagreement()[frame]) if d]
        self.report(f"Frame {frame}: prediction and labels differ on "
                                            f"{', '.join(genres)}", 5000)

    def most_uncertain(self) -> None:
        """U: the most uncertain place, then the next most uncertain one, and so on (wrapping).

        The ranking is kept while the same prediction, trailer and threshold are shown, so
        repeated presses walk through the trailer's uncertain places instead of returning to
        the first one after each fix."""
        pred = self.overlay.prediction
        video = self.window.state.video
        key = (id(pred), video.id if video is not None else None, self.overlay.threshold)
        if key != self._uncertain_key:
            self._uncertain_key, self._uncertain = key, self.overlay.uncertain_places()
            self._uncertain_next = 0
        if not self._uncertain:
            self.report("No predictions shown for this trailer", 3000)
            return
        rank = self._uncertain_next % len(self._uncertain)
        self._uncertain_next = rank + 1
        frame, genre = self._uncertain[rank]
        self._seek(frame)
        p = float(self.overlay.probs[frame, genre])
        name = self.window.state.genres[genre].name
        self.report(
            f"Uncertain place {rank + 1}/{len(self._uncertain)}: frame {frame}, {name} "
            f"p={p:.2f} (threshold {self.threshold:.2f}) · U: the next one", 6000)

    def accept_predictions(self) -> bool:
        """Over the range (or the whole trailer): labels := the prediction's decoded segments
        (thresholded probabilities for runs without decoding), one undo step."""
        ed, pred = self.window.editor, self.overlay.prediction
        if ed is None or pred is None:
            self.report("No predictions shown for this trailer", 3000)
            return False
        self.window.labels.release_held_keys()
        lo, hi = self.window.timeline.selection() or (0, ed.frames)
        block = P.accepted_labels(pred.probs, self.threshold, lo, hi, pred.decided(self.threshold))
        name = f"Accept predictions {lo}-{max(lo, hi - 1)}"
        changed = ed.set_block(lo, block, name)  # Undo's text follows by itself
        self.report(name if changed else "The labels already match the "
                                            "predictions there", 4000)
        return changed

    def toggle_predictions(self) -> None:
        self.set_shown(self.window.actions.toggle_predictions.isChecked())


__all__ = ["ModelController", "error_text"]
