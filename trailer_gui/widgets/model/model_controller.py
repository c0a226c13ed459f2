"""The model side of the window: the Model dock, the prediction overlay, model jobs.

``ModelController`` puts the parts together and owns the Model menu's actions
(``actions.Actions.bind``):

* the Model dock (``training_panel.TrainingPanel``) and its toolbar, for the window to place
  (``dock``, ``toolbar``);
* the shown run, ``WorkspaceState.run``: it only *sets* it (a run chosen in the dock, a job
  that predicted, a project opened: ``predictions.run`` in the project remembers it); the views
  that depend on it listen to ``sigRunChanged`` (``shown_run.ShownRunViews``: the overlay, the
  trailer list's notes, the dock; and ``update_actions`` here);
* the jobs (``job_runner.ModelJobRunner``): Start, Retrain, Predict, Stop;
* N / U / Accept over the shown prediction (``prediction_navigation.PredictionNavigator``);
* the settings the dock edits (training settings, threshold, Show predictions).

It is given what it uses, never the window: the ``WorkspaceState``, the action table, the
timeline (the overlay draws over it), the trailer list (its notes), the ``Autosaver`` (labels
are saved before a job; a save updates the note), the status bar (its messages, and the job's
progress at its right) and a few callbacks (seek, the frame on screen, release held genre
keys, whether an export runs).
TensorFlow is imported by the first job, in its worker thread; nothing here imports it or the
``model`` package.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from ...core.errors import TrailerError
from ...services import predictions as P
from ...services import retrain as R
from ...services import training as T
from ..workspace import WorkspaceState
from .job_runner import ModelJobRunner
from .job_status import JobStatus
from .prediction_navigation import PredictionNavigator
from .prediction_overlay import PredictionOverlay
from .shown_run import ShownRunViews
from .training_panel import TrainingPanel

LOCK_WAIT_S = 0.1  # the GUI thread waits at most this long for another program's write lock
THRESHOLD_SETTING = "predictions.threshold"
RUN_SETTING = "predictions.run"
PANEL_MIN_WIDTH = 300


class ModelController(QtCore.QObject):
    sigJobFinished = Signal(str, object)  # kind, JobResult (or None when it failed/cancelled)

    def __init__(self, state: WorkspaceState, actions, timeline, trailer_list, autosaver,
                 status_bar: QtWidgets.QStatusBar, seek: Callable[[int], None],
                 current_frame: Callable[[], int], release_held_keys: Callable[[], None],
                 export_running: Callable[[], bool], parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.actions = state, actions
        self.report = report = status_bar.showMessage  # (text, ms): the one way it speaks up
        self._project = None
        self.threshold = P.DEFAULT_THRESHOLD

        self.overlay = PredictionOverlay(timeline, self)
        self.panel = TrainingPanel()
        self.panel.setMinimumWidth(PANEL_MIN_WIDTH)
        self.dock = QtWidgets.QDockWidget("Model")
        self.dock.setObjectName("modelDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QtWidgets.QDockWidget.DockWidgetClosable
                              | QtWidgets.QDockWidget.DockWidgetMovable
                              | QtWidgets.QDockWidget.DockWidgetFloatable)
        self.job_status = JobStatus()
        status_bar.addPermanentWidget(self.job_status)
        self.jobs = ModelJobRunner(state, self.panel, self.job_status, report, autosaver.flush,
                                   export_running, self)
        self.views = ShownRunViews(state, self.overlay, self.panel, trailer_list,
                                   self.jobs.runs_here, self)
        self.navigator = PredictionNavigator(
            state, self.overlay, seek=seek, current_frame=current_frame,
            selection=timeline.selection, release_held_keys=release_held_keys, report=report,
            parent=self)
        self.toolbar = self._bind_actions(actions)

        p, picker = self.panel, self.panel.run_picker
        p.sigStart.connect(self.jobs.start_training)
        p.sigStop.connect(self.jobs.stop)
        p.sigRetrain.connect(self.retrain)
        picker.sigPredictCurrent.connect(self.predict_current)
        picker.sigPredictAll.connect(self.predict_all)
        picker.sigRunChosen.connect(self.choose_run)
        picker.sigThresholdChanged.connect(self.set_threshold)
        picker.sigShowPredictions.connect(self.set_shown)
        p.settings.sigSettingEdited.connect(self._setting_edited)
        self.jobs.sigBusyChanged.connect(self.update_actions)
        self.jobs.sigContinuing.connect(self._continuing_from)
        self.jobs.sigEndedHere.connect(self._job_ended)
        self.jobs.sigFinished.connect(self.sigJobFinished)
        self.overlay.sigChanged.connect(self.update_actions)
        state.sigRunChanged.connect(self.update_actions)  # after the views (connected first)
        state.sigAnnotatorChanged.connect(self.refresh_config)  # whose labels it trains on
        # after the overlay's own slot (it drops the old video's prediction first)
        timeline.sigLanesChanged.connect(self._on_lanes_changed)
        autosaver.sigSaved.connect(self.views.refresh_note)
        self.update_actions()

    def _bind_actions(self, a) -> QtWidgets.QToolBar:
        """The Model menu's callbacks, Model ▸ Model panel, and the Model toolbar."""
        a.toggle_predictions.setCheckable(True)
        a.toggle_predictions.setChecked(True)
        nav = self.navigator
        a.bind({"retrain": self.retrain, "predict_current": self.predict_current,
                "predict_all": self.predict_all, "next_disagreement": nav.next_disagreement,
                "previous_disagreement": nav.previous_disagreement,
                "most_uncertain": nav.most_uncertain,
                "accept_predictions": self.accept_predictions,
                "toggle_predictions": self.toggle_predictions})
        view = self.dock.toggleViewAction()
        view.setText("Model &panel")
        view.setObjectName("action_model_panel")
        model_menu = a.menus.get("Model")
        if model_menu is not None:
            model_menu.addSeparator()
            model_menu.addAction(view)
        toolbar = QtWidgets.QToolBar("Model")
        toolbar.setObjectName("modelToolBar")
        toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        toolbar.addAction(a.retrain)
        toolbar.addAction(a.predict_all)
        toolbar.addSeparator()
        toolbar.addAction(a.toggle_predictions)
        toolbar.addAction(view)
        return toolbar

    # ==== project and trailer ==============================================================
    @property
    def project(self):
        return self.state.project

    @property
    def shown_run(self) -> str | None:
        """The run whose predictions are shown: ``WorkspaceState.run`` (announced)."""
        return self.state.run

    @shown_run.setter
    def shown_run(self, run: str | None) -> None:
        self.state.set_run(run)

    def _show_run(self, run: str | None) -> None:
        """Make ``run`` the shown one; its views follow, also when it was shown already (a
        project just opened, new prediction files of the same run)."""
        if run != self.state.run:
            self.state.set_run(run)  # the views and the actions listen
        else:
            self.views.show_all()
            self.update_actions()

    def project_changed(self) -> None:
        """Call after a project was opened or closed (idempotent)."""
        p = self.project
        if p is self._project:
            return
        self._project = p
        if self.jobs.job is not None and p is None:
            self.jobs.job.cancel()  # train: stops and keeps its model; others: keep what was there
        self.panel.clear_curves()
        self.panel.set_metrics({}, "Validation metrics")
        if p is None:
            self.panel.settings.set_label_source("")
            self.panel.show_idle("No project open")
            self._show_run(None)
            return
        self.refresh_config()
        try:
            self.threshold = min(0.99, max(0.01, float(p.setting(THRESHOLD_SETTING) or P.DEFAULT_THRESHOLD)))
        except ValueError:
            self.threshold = P.DEFAULT_THRESHOLD
        self.overlay.set_threshold(self.threshold)
        self.panel.show_idle("Idle")
        stored = p.setting(RUN_SETTING)
        self._show_run(stored if stored in {r.name for r in T.list_runs(p)}
                       else P.latest_predicted_run(p))

    def refresh_config(self, *_) -> None:
        p = self.project
        if p is None:
            return
        try:
            self.panel.settings.set_config(T.get_config(p))
        except (TrailerError, ValueError) as exc:
            self.report(f"Training settings: {exc}", 8000)
        self.panel.settings.set_label_source(R.label_source(p, self.state.annotator))

    def _on_lanes_changed(self) -> None:
        if self.project is not self._project:
            self.project_changed()
            return
        self.views.reload_prediction()

    def refresh_notes(self) -> None:
        """The trailer list's notes (after its rows were remade)."""
        self.views.refresh_notes()

    def refresh_note(self, video_id: int) -> None:
        self.views.refresh_note(video_id)

    # ==== runs =============================================================================
    def choose_run(self, name: str) -> None:
        """Show ``name``'s predictions (and its curves and metrics when idle)."""
        if self.project is None:
            return
        self._remember(RUN_SETTING, name)
        self._show_run(name)
        if self.overlay.prediction is None and self.state.video is not None:
            self.report(
                f"No predictions of run {name} for this trailer: Predict this trailer or Predict all", 8000)

    def _continuing_from(self, run: str) -> None:
        self.views.show_run_history(run, keep_batches=True)
        self.panel.set_metrics({}, f"Continuing from run {run}")

    def _job_ended(self, kind: str, result) -> None:
        """A job of the open project ended: what it made becomes visible."""
        if not isinstance(result, R.JobResult):  # failed or cancelled: all as it was
            self.views.refresh_runs()
            if result is None:  # cancelled: the shown run's curves again (a failed job's stay)
                self.views.show_run_history(self.shown_run)
            return
        if result.kind in ("predict", "retrain") and result.predicted:
            self._remember(RUN_SETTING, result.run)
        self.refresh_config()
        if result.kind in ("train", "retrain"):
            self.views.show_run_history(result.run, keep_batches=True)
        predicted = result.run if result.kind in ("predict", "retrain") and result.predicted else self.shown_run
        self._show_run(predicted)  # new files of the shown run show too

    # ==== settings and display =============================================================
    def _setting_edited(self, key: str, text: str) -> None:
        p, form = self.project, self.panel.settings
        if p is None:
            return
        try:
            with p.busy_timeout(LOCK_WAIT_S):
                T.set_config(p, key, text or None)
        except sqlite3.OperationalError as exc:  # another program holds the database
            form.set_setting_error(key, f"not saved: {exc} (another program is writing)")
            self.report(f"Training setting {key} not saved: the project is busy in another "
                        "program; try again", 8000)
            return
        except TrailerError as exc:
            form.set_setting_error(key, str(exc))
            self.report(str(exc), 8000)
            return
        form.set_setting_error(key, None)
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
        self.update_actions()
        self.views.refresh_notes()

    def set_shown(self, shown: bool) -> None:
        self.overlay.set_shown(shown)
        self.update_actions()
        self.views.refresh_notes()

    def toggle_predictions(self) -> None:
        self.set_shown(self.actions.toggle_predictions.isChecked())

    # ==== jobs =============================================================================
    def busy(self) -> bool:
        return self.jobs.job is not None

    def retrain(self):
        return self.jobs.retrain()

    def predict_current(self):
        video = self.state.video
        return None if video is None else self.jobs.predict([video.id])

    def predict_all(self):
        return self.jobs.predict(None)

    def accept_predictions(self) -> bool:
        return self.navigator.accept_predictions()

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        return self.jobs.shutdown(timeout_ms)

    # The runner's state, by the names the tests and benchmarks use.
    job = property(lambda self: self.jobs.job, lambda self, job: setattr(self.jobs, "job", job))
    job_kind = property(lambda self: self.jobs.job_kind)
    train_overrides = property(lambda self: self.jobs.train_overrides,
                               lambda self, o: setattr(self.jobs, "train_overrides", o))
    last_result = property(lambda self: self.jobs.last_result)
    last_retrain_s = property(lambda self: self.jobs.last_retrain_s)

    # ==== actions ==========================================================================
    def update_actions(self, *_) -> None:
        """What needs a project, a trained model, a shown run or a shown prediction."""
        a, p = self.actions, self.project
        idle = self.jobs.job is None
        has_runs = p is not None and T.models_dir(p).is_dir() and any(
            (f / T.MODEL_FILE).is_file() for f in T.models_dir(p).iterdir())
        has_run = p is not None and self.state.run is not None
        has_pred = self.overlay.has_prediction() and self.state.editor is not None
        a.retrain.setEnabled(p is not None and idle)
        a.predict_current.setEnabled(idle and has_runs and self.state.video is not None)
        a.predict_all.setEnabled(idle and has_runs)
        for act in (a.next_disagreement, a.previous_disagreement, a.most_uncertain,
                    a.accept_predictions):
            act.setEnabled(has_pred)
        # Nothing to show without a run: off and disabled (the user's choice returns with one).
        a.toggle_predictions.setEnabled(has_run)
        a.toggle_predictions.setChecked(self.overlay.shown and has_run)
        self.panel.run_picker.set_shown_options(self.overlay.shown, self.threshold, has_run)
        if idle:
            self.panel.set_busy(None, can_train=p is not None, can_predict=has_runs)


__all__ = ["ModelController"]
