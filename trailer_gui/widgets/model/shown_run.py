"""What follows the shown run (``WorkspaceState.run``, ``sigRunChanged``).

Whoever changes the run (a click in the dock's runs list, a finished Retrain or Predict, a
project opening) only sets it; each view that depends on it listens and updates itself:

* the overlay shows the shown run's prediction of the current trailer (``reload_prediction``;
  also when the trailer changes, through the controller);
* the trailer list's notes ("model agrees 94%", "3 places to check") compare the shown run's
  predictions with the labels (``refresh_notes``);
* the dock marks the run ● in its runs list, says what is shown (its hint) and, when no job
  of this project is drawing its curves, shows the run's curves and metrics
  (``show_in_dock``);
* (the Model actions that need a run enable or disable: ``ModelController.update_actions``.)
"""

from __future__ import annotations

import json
from typing import Callable

from PySide6 import QtCore

from ...services import predictions as P
from ...services import training as T
from ..workspace import WorkspaceState
from .prediction_overlay import PredictionOverlay
from .run_picker import RunRow
from .training_panel import TrainingPanel


def percent(share) -> str:
    return "–" if not isinstance(share, (int, float)) or share != share else f"{100 * share:.0f}%"


class ShownRunViews(QtCore.QObject):
    """``notes``: the trailer list (``set_model_notes``, ``set_model_note``);
    ``job_draws_curves()``: a job of this project owns the dock's curves now."""

    def __init__(self, state: WorkspaceState, overlay: PredictionOverlay, panel: TrainingPanel,
                 notes, job_draws_curves: Callable[[], bool], parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state, self.overlay, self.panel, self.notes = state, overlay, panel, notes
        self.job_draws_curves = job_draws_curves
        state.sigRunChanged.connect(self.reload_prediction)
        state.sigRunChanged.connect(self.refresh_notes)
        state.sigRunChanged.connect(self.show_in_dock)

    def show_all(self) -> None:
        """Every view at once (a project opened whose shown run is the one before: no news)."""
        self.reload_prediction()
        self.refresh_notes()
        self.show_in_dock()

    # ---- the overlay ---------------------------------------------------------------------
    def reload_prediction(self, *_) -> None:
        """Show the shown run's prediction of the current trailer (or nothing)."""
        st, tl = self.state, self.overlay.timeline
        pred = None
        if st.project is not None and st.video is not None and tl.editor is not None and st.run:
            pred = P.load_run_prediction(st.project, st.video.id, st.run, tl.frames, len(tl.genres))
        self.overlay.set_prediction(pred)
        self._update_hint()

    # ---- the trailer list ----------------------------------------------------------------
    def refresh_notes(self, *_) -> None:
        """The trailer list's model notes from the shown run's predictions and the labels
        being edited (none while predictions are hidden)."""
        st, threshold = self.state, self.overlay.threshold
        notes: dict[int, str] = {}
        if st.project is not None and st.run and self.overlay.shown:
            for v in st.project.videos():
                pred = P.load_run_prediction(st.project, v.id, st.run, v.frames, len(st.genres))
                if pred is not None:
                    labels = st.project.load_labels(v.id, st.annotator)
                    notes[v.id] = P.trailer_note(pred.probs, labels, threshold,
                                                 pred.decided(threshold))
        self.notes.set_model_notes(notes)

    def refresh_note(self, video_id: int) -> None:
        """The current trailer's note after its labels changed (from what is on screen)."""
        ed, pred, threshold = self.state.editor, self.overlay.prediction, self.overlay.threshold
        if ed is None or pred is None or pred.video_id != video_id or not self.overlay.shown:
            return
        self.notes.set_model_note(video_id, P.trailer_note(pred.probs, ed.array, threshold,
                                                           pred.decided(threshold)))

    # ---- the dock ------------------------------------------------------------------------
    def show_in_dock(self, *_) -> None:
        self.refresh_runs()
        self._update_hint()
        if not self.job_draws_curves():
            self.show_run_history(self.state.run)

    def refresh_runs(self) -> None:
        p = self.state.project
        if p is None:
            self.panel.run_picker.set_runs([], None)
            return
        videos = len(p.videos())
        rows = [RunRow(r.name, r.created, r.epochs, r.macro, len(P.predicted_ids(p, r.name)),
                       videos, T.run_precision(r.folder))
                for r in T.list_runs(p)]
        self.panel.run_picker.set_runs(rows, self.state.run)

    def _update_hint(self) -> None:
        hint, run = "", self.state.run
        if self.state.project is not None and self.state.video is not None:
            if run is None:
                hint = "No predictions yet: Retrain (Ctrl+R), or train and then Predict."
            elif self.overlay.prediction is None:
                hint = (f"Run {run} has no prediction for this trailer yet: "
                        "Predict this trailer, or Predict all.")
            else:
                hint = f"Showing the predictions of run {run}."
        self.panel.run_picker.hint.setText(hint)

    def show_run_history(self, name: str | None, keep_batches: bool = False) -> None:
        """``name``'s curves and best epoch's metrics (decoded-segment figures if it has
        them); nothing changes when its files cannot be read."""
        if name is None or self.state.project is None:
            return
        folder = T.models_dir(self.state.project) / name
        try:
            history = json.loads((folder / T.HISTORY_FILE).read_text())
            metrics = json.loads((folder / T.METRICS_FILE).read_text())
        except (OSError, ValueError):
            return
        metrics = metrics if isinstance(metrics, dict) else {}
        validation = metrics.get("validation") or {}
        title = f"Validation metrics of run {name}, best epoch {metrics.get('best_epoch')}"
        # Runs since segment decoding: the decoded labels' figures (model.evaluate report).
        decoded = metrics.get("decoded") if isinstance(metrics.get("decoded"), dict) else {}
        dominant = None
        if isinstance(decoded.get("metrics"), dict):
            validation, dominant = decoded["metrics"], decoded.get("dominant") or {}
            title += (f" · decoded segments · every genre right on "
                      f"{percent(decoded.get('all_genres_right'))} of frames, dominant genre "
                      f"on {percent(dominant.get('accuracy'))}")
        self.panel.show_history(history if isinstance(history, list) else [], validation,
                                title, keep_batches, dominant)


__all__ = ["ShownRunViews"]
