"""The shown run, as a user sees it follow (issue #11): whoever changes it (a click in the
Model dock's runs list, a finished Retrain or Predict) only sets ``WorkspaceState.run``; the
overlay, the trailer list's notes, the dock and the Model actions follow ``sigRunChanged``.

Runs and prediction files are written by hand (no model); jobs are stand-ins that write what
the real ones publish, so nothing here imports TensorFlow.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from trailer_gui.core.store import Project
from trailer_gui.services import predictions as P
from trailer_gui.services import retrain as R

from .test_training import wait_job

LONG_TITLE_METRICS = {
    "best_epoch": 3, "validation": {},
    "decoded": {"metrics": {"comedy": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "ap": 0.5,
                                       "support": 3},
                            "macro": {"precision": 0.5, "recall": 0.5, "f1": 0.45, "ap": 0.5}},
                "dominant": {"accuracy": 0.96, "segments": {"edit": 88.0, "f1@50": 90.5}},
                "all_genres_right": 0.87}}


def add_run(folder, name, metrics=None):
    run = folder / "models" / name
    run.mkdir(parents=True)
    (run / "model.keras").write_bytes(b"not read here")
    (run / "history.json").write_text(json.dumps([{"epoch": 1, "loss": 0.5, "val_loss": 0.6}]))
    (run / "metrics.json").write_text(json.dumps(metrics or {"best_epoch": 1, "validation": {}}))


def publish(folder, run, vid, probs):
    """What a prediction job leaves: the run's copy and the latest file."""
    for d in (folder / "predictions" / run, folder / "predictions"):
        d.mkdir(parents=True, exist_ok=True)
        np.save(d / f"pred_{vid}.npy", np.asarray(probs, np.float32))
        (d / f"pred_{vid}.json").write_text(json.dumps({"run": run, "video_id": vid}))


@pytest.fixture
def two_runs(demo_project):
    """Run "a" agrees with trailer 0's labels everywhere; run "b" (published last, so shown
    at start) differs on frames 0-23 of every genre."""
    with Project.open(demo_project) as p:
        labels = p.load_labels(0)
    agrees = np.where(labels, 0.9, 0.1).astype(np.float32)
    differs = agrees.copy()
    differs[:24] = 1 - differs[:24]
    for name, probs in (("a", agrees), ("b", differs)):
        add_run(demo_project, name)
        publish(demo_project, name, 0, probs)
    return demo_project, agrees, differs


def click_run(qtbot, panel, name):
    tree = panel.runs
    [item] = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
              if tree.topLevelItem(i).data(0, Qt.UserRole) == name]
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.LeftButton, pos=rect.center())


def test_choosing_another_run_in_the_dock_updates_the_overlay_notes_and_dock(
        make_window, two_runs, qtbot):
    folder, agrees, differs = two_runs
    window = make_window(folder)
    ctl, rows = window.model_ctl, window.video_list
    assert window.state.run == "b" and ctl.overlay.run == "b"
    assert rows.row(0).model_note == "model agrees 50%"
    assert ctl.panel.run_picker.marked_run() == "b"

    ctl.panel.tabs.setCurrentWidget(ctl.panel.run_picker)
    click_run(qtbot, ctl.panel, "a")
    assert window.state.run == "a"
    assert ctl.overlay.run == "a" and np.array_equal(ctl.overlay.probs, agrees)
    assert not ctl.overlay.disagreement().any()
    assert rows.row(0).model_note == "model agrees 100%"
    assert ctl.panel.run_picker.marked_run() == "a"
    assert ctl.panel.runs_hint.text() == "Showing the predictions of run a."
    assert window.actions.accept_predictions.isEnabled()  # nothing to fix, but it can be taken
    with Project.open(folder) as p:
        assert p.setting("predictions.run") == "a"  # kept for the next time


def test_the_run_views_listen_to_the_state_not_to_whoever_changed_it(make_window, two_runs):
    """Any writer of the shown run (here the state itself) is followed by every view."""
    folder, agrees, differs = two_runs
    window = make_window(folder)
    ctl = window.model_ctl
    window.state.set_run("a")
    assert ctl.overlay.run == "a" and window.video_list.row(0).model_note == "model agrees 100%"
    assert ctl.panel.run_picker.marked_run() == "a"
    window.state.set_run(None)  # no run: nothing shown, nothing to toggle
    assert not ctl.overlay.has_prediction() and window.video_list.row(0).model_note == ""
    assert ctl.panel.run_picker.marked_run() is None
    assert not window.actions.toggle_predictions.isEnabled()
    assert not window.actions.accept_predictions.isEnabled()
    window.state.set_run("b")
    assert np.array_equal(ctl.overlay.probs, differs)
    assert window.actions.toggle_predictions.isEnabled() and window.actions.accept_predictions.isEnabled()


def test_without_a_run_show_predictions_looks_neither_pressed_nor_enabled(
        make_window, demo_project, qtbot):
    window = make_window(demo_project)
    action, check = window.actions.toggle_predictions, window.model_ctl.panel.run_picker.show_check
    assert window.state.run is None
    assert not action.isChecked() and not action.isEnabled()
    assert not check.isChecked() and not check.isEnabled()
    button = window.model_ctl.toolbar.widgetForAction(action)
    assert not button.isChecked() and not button.isEnabled()  # what the user sees pressed

    # a run appears: the predictions show, and the toggle says so
    with Project.open(demo_project) as p:
        labels = p.load_labels(0)
    add_run(demo_project, "a")
    publish(demo_project, "a", 0, np.where(labels, 0.8, 0.2))
    window.model_ctl.panel.choose_run("a")
    assert action.isChecked() and action.isEnabled() and check.isChecked() and check.isEnabled()
    assert window.model_ctl.overlay.curves[0].isVisible()

    # hidden by the user, then no run, then a run again: still hidden (the user's choice)
    action.trigger()
    assert not action.isChecked() and not window.model_ctl.overlay.curves[0].isVisible()
    window.state.set_run(None)
    assert not action.isChecked() and not action.isEnabled()
    window.state.set_run("a")
    assert action.isEnabled() and not action.isChecked() and not check.isChecked()
    assert not window.model_ctl.overlay.curves[0].isVisible()


@pytest.fixture
def no_tensorflow(monkeypatch):
    """Stand-in jobs need no TensorFlow: the job thread runs them as they are."""
    from trailer_gui.workers import model_jobs

    monkeypatch.setattr(model_jobs, "_quietly_loading_tensorflow", lambda fn: fn)


def test_a_retrain_finishing_shows_its_run_on_the_overlay_and_in_the_notes(
        make_window, two_runs, qtbot, monkeypatch, no_tensorflow):
    folder, agrees, differs = two_runs
    fixed = agrees.copy()
    fixed[:4] = 1 - fixed[:4]  # the new run differs on 4 frames of 48

    def retrain(progress, project_folder, annotator=None, overrides=None, resume=True,
                listener=None):
        add_run(project_folder, "c")
        publish(project_folder, "c", 0, fixed)
        return R.JobResult("retrain", run="c", predicted=[0], init_from="b")

    monkeypatch.setattr(R, "retrain_job", retrain)
    window = make_window(folder)
    ctl = window.model_ctl
    heard = []
    window.state.sigRunChanged.connect(heard.append)
    window.actions.retrain.trigger()
    kind, result = wait_job(qtbot, ctl, timeout=30_000)
    assert kind == "retrain" and result.run == "c" and heard == ["c"]
    assert ctl.overlay.run == "c" and np.array_equal(ctl.overlay.probs, fixed)
    assert window.video_list.row(0).model_note == "model agrees 92%"
    assert ctl.panel.run_picker.marked_run() == "c" and ctl.panel.run_names()[0] == "c"
    assert window.statusBar().currentMessage().startswith("Retrained: run c")

    # Predict again with the shown run: new files of the same run show (no change of run)
    def predict(progress, project_folder, run=None, ids=None, annotator=None, listener=None):
        publish(project_folder, run, 0, agrees)
        return R.JobResult("predict", run=run, predicted=[0])

    monkeypatch.setattr(R, "predict_job", predict)
    window.actions.predict_current.trigger()
    kind, result = wait_job(qtbot, ctl, timeout=30_000)
    assert kind == "predict" and result.run == "c" and heard == ["c"]
    assert np.array_equal(ctl.overlay.probs, agrees)
    assert window.video_list.row(0).model_note == "model agrees 100%"
    assert P.latest_predicted_run(Project.open(folder)) == "c"


def test_the_metrics_title_is_never_cut_off(make_window, demo_project, qtbot):
    """A decoded run's title is long; in the dock's first width it wraps, whole."""
    add_run(demo_project, "20200101-000000", LONG_TITLE_METRICS)
    window = make_window(demo_project)
    panel = window.model_ctl.panel
    panel.tabs.setCurrentIndex(0)
    panel.choose_run("20200101-000000")
    title = panel.metrics_title
    assert "dominant genre on 96%" in title.text()
    qtbot.waitUntil(lambda: title.isVisible() and title.width() > 0, timeout=20000)
    qtbot.wait(50)  # the layout settles
    # Qt's own word on the least room that shows the whole text: it has it (one line of
    # this title would need about twice the dock's width), on as many lines as it takes
    assert title.minimumSizeHint().width() <= title.width()
    assert title.width() <= title.parentWidget().contentsRect().width()
    assert title.height() >= title.heightForWidth(title.width()) > title.fontMetrics().height()
    assert title.toolTip() == title.text()
    # and every column's name is whole (a narrow dock scrolls the table sideways)
    table = panel.metrics
    header = table.horizontalHeader()
    for c in range(table.columnCount()):
        name = table.horizontalHeaderItem(c).text()
        assert header.sectionSize(c) >= header.fontMetrics().horizontalAdvance(name), name


def test_the_settings_tab_names_whose_labels_it_trains_on_after_a_switch(make_window, demo_project):
    window = make_window(demo_project)
    source = window.model_ctl.panel.settings.source_label
    assert source.text().endswith(window.state.annotator)
    assert window.files.switch_annotator("bob")
    assert source.text() == "Trains on the labels of: bob"
