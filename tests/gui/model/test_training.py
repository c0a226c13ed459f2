"""The Model dock, predictions on the timeline and one-click retrain (issue #5), as a user.

Training tests use a tiny configuration (16x16 frames, windows of 8, batches of 2, one epoch
of a few steps) on the 3 x 2 s demo, so a real run takes seconds; TensorFlow is imported by
the first one, in its worker thread. The overlay and navigation tests write prediction files
by hand and need no model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from trailer_gui.services import training as T
from trailer_gui.core.store import Project

from ..conftest import messages, wait_shown

TINY = {"size": "16x16", "window": "8", "batch": "2", "epochs": "1"}
JOB_TIMEOUT_MS = 180_000


def configure(folder, **extra):
    with Project.open(folder) as p:
        for key, value in {**TINY, **extra}.items():
            T.set_config(p, key, value)


def key(qtbot, window, k, modifier=Qt.NoModifier):
    target = QtWidgets.QApplication.focusWidget() or window
    qtbot.keyClick(target, k, modifier)


def snapshot(folder):
    """Every file under models/ and predictions/ with its bytes (what Cancel must keep)."""
    out = {}
    for sub in ("models", "predictions"):
        base = folder / sub
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    out[str(path.relative_to(folder))] = path.read_bytes()
    return out


def wait_job(qtbot, ctl, timeout=JOB_TIMEOUT_MS):
    with qtbot.waitSignal(ctl.sigJobFinished, timeout=timeout) as blocker:
        pass
    qtbot.waitUntil(lambda: ctl.job is None, timeout=20000)
    return blocker.args


def write_prediction(folder, vid, probs, run="fake"):
    d = folder / "predictions"
    d.mkdir(exist_ok=True)
    np.save(d / f"pred_{vid}.npy", np.asarray(probs, np.float32))
    (d / f"pred_{vid}.json").write_text(json.dumps({"run": run, "video_id": vid}))


# ---- one-click retrain ---------------------------------------------------------------------
@pytest.mark.slow
def test_one_click_retrain_shows_curves_then_cancel_keeps_everything(make_window, demo_project, qtbot):
    configure(demo_project, stride="2")  # predictions map back to every source frame
    window = make_window(demo_project)
    ctl = window.model_ctl
    ctl.train_overrides = {"steps_per_epoch": 3}
    assert not ctl.overlay.has_prediction() and window.actions.retrain.isEnabled()

    with qtbot.waitSignal(ctl.sigJobFinished, timeout=JOB_TIMEOUT_MS) as done:
        key(qtbot, window, Qt.Key_R, Qt.ControlModifier)
        assert ctl.job_kind == "retrain" and not window.actions.retrain.isEnabled()
    kind, result = done.args
    assert kind == "retrain" and result is not None and result.predicted == [0, 1, 2]
    run = result.run
    qtbot.waitUntil(lambda: ctl.job is None, timeout=20000)

    # every trailer predicted, under the run and as the latest; the overlay shows the run
    for vid in (0, 1, 2):
        for path in (demo_project / "predictions" / f"pred_{vid}.json",
                     demo_project / "predictions" / run / f"pred_{vid}.json"):
            assert json.loads(path.read_text())["run"] == run
    assert ctl.shown_run == run
    frames, genres = window.editor.frames, len(window.state.genres)
    assert ctl.overlay.probs.shape == (frames, genres)
    for lane in range(genres):
        x, y = ctl.overlay.curve_data(lane)
        assert len(x) == len(y) == frames  # one point per source frame despite stride 2
        assert x[0] == 0.5 and x[-1] == frames - 0.5  # frame f at the middle of its column
        y0, y1 = window.timeline.lane_rect(lane)
        assert np.all((y > y0) & (y < y1))  # inside its own lane
        assert ctl.overlay.curves[lane].isVisible()
    assert ctl.panel.run_names()[0] == run and "●" in ctl.panel.runs.topLevelItem(0).text(0)
    assert ctl.last_retrain_s is not None and ctl.last_retrain_s > 0
    assert ctl.panel.batch_curve.getData()[0] is not None  # live curve was drawn

    # the curves follow the trailer
    window.files.select_video(1)
    wait_shown(qtbot, window, 0)
    assert ctl.overlay.has_prediction() and ctl.overlay.run == run

    # Retrain again, cancelled while training: the previous model and predictions stay
    before = snapshot(demo_project)
    ctl.train_overrides = {"steps_per_epoch": 500}
    window.model_ctl.retrain()
    qtbot.waitUntil(lambda: "batch" in ctl.job.last_events, timeout=JOB_TIMEOUT_MS)
    ctl.panel.stop_button.click()
    kind, result = wait_job(qtbot, ctl)
    assert kind == "retrain" and result is None
    assert snapshot(demo_project) == before
    assert [r.name for r in T.list_runs(Project.open(demo_project))] == [run]
    assert ctl.shown_run == run and ctl.overlay.has_prediction()
    assert "cancelled" in ctl.panel.status.text()
    assert not messages(window)

    # Predict this trailer again: a new file for it alone, the curves reloaded
    stamp = (demo_project / "predictions" / "pred_1.npy").stat().st_mtime_ns
    other = (demo_project / "predictions" / "pred_0.npy").read_bytes()
    window.actions.predict_current.trigger()
    kind, result = wait_job(qtbot, ctl)
    assert kind == "predict" and result.predicted == [1] and result.run == run
    assert (demo_project / "predictions" / "pred_1.npy").stat().st_mtime_ns != stamp
    assert (demo_project / "predictions" / "pred_0.npy").read_bytes() == other
    assert ctl.overlay.has_prediction() and ctl.overlay.run == run


# ---- training from the panel ----------------------------------------------------------------
@pytest.mark.slow
def test_stop_during_training_keeps_the_best_model_and_the_gui_goes_on(make_window, demo_project, qtbot):
    configure(demo_project, epochs="3")
    window = make_window(demo_project)
    ctl = window.model_ctl
    ctl.train_overrides = {"steps_per_epoch": 500}
    batches = []
    ctl.panel.start_button.click()
    job = ctl.job
    assert job is not None and ctl.panel.stop_button.text() == "Stop"
    job.sigEvent.connect(lambda e: batches.append(e) if e.get("event") == "batch" else None)
    qtbot.waitUntil(lambda: len(batches) >= 1, timeout=JOB_TIMEOUT_MS)

    # the GUI is usable while it trains: seek, paint (undoably), step
    key(qtbot, window, Qt.Key_Right)
    wait_shown(qtbot, window, 1)
    before = window.editor.array[1].copy()
    key(qtbot, window, Qt.Key_1)
    qtbot.waitUntil(lambda: window.editor.array[1, 0] != before[0], timeout=20000)
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert (window.editor.array[1] == before).all()
    assert "Training" in ctl.panel.status.text() and ctl.panel.progress.maximum() == 500

    seen = len(batches)
    ctl.panel.stop_button.click()
    kind, result = wait_job(qtbot, ctl)
    assert kind == "train" and result.stopped
    assert len(batches) <= seen + 2  # honoured within a batch (one may have been in flight)
    run_dir = demo_project / "models" / result.run
    assert (run_dir / "model.keras").is_file()
    history = json.loads((run_dir / "history.json").read_text())
    assert len(history) == 1 and history[0]["partial"]
    assert ctl.panel.run_names() == [result.run]
    assert "Stopped" in ctl.panel.status.text()
    assert window.actions.predict_all.isEnabled()
    assert not messages(window)


@pytest.mark.slow
def test_an_error_in_training_shows_a_dialog_and_the_app_goes_on(make_window, demo_project, qtbot,
                                                                  fresh_settings):
    configure(demo_project)
    fresh_settings.annotator = "nobody"  # has labelled nothing: there is nothing to train on
    window = make_window(demo_project)
    assert window.state.annotator == "nobody"
    ctl = window.model_ctl
    window.files.select_video(0)
    labels_before = window.editor.array.copy()
    ctl.panel.start_button.click()
    kind, result = wait_job(qtbot, ctl)
    assert kind == "train" and result is None
    [box] = messages(window)
    assert "Training failed" in box.windowTitle() and "no labelled trailer" in box.text()
    box.close()
    assert not (demo_project / "models").exists() or not any((demo_project / "models").iterdir())
    assert (window.editor.array == labels_before).all()
    # the app goes on
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window, timeout=20000)
    key(qtbot, window, Qt.Key_Right)
    wait_shown(qtbot, window, 1)
    assert ctl.panel.start_button.isEnabled()


# ---- predictions over labels (files written by hand) ---------------------------------------
@pytest.fixture
def predicted_demo(demo_project):
    """Trailer 0 (48 frames, labelled) with a prediction that agrees with the labels except on
    frames 10-13 (genre 0 flipped) and 30 (every genre flipped); frame 40 genre 5 at 0.49."""
    with Project.open(demo_project) as p:
        labels = p.load_labels(0)
    probs = np.where(labels, 0.9, 0.1).astype(np.float32)
    probs[10:14, 0] = 1 - probs[10:14, 0]
    probs[30] = 1 - probs[30]
    probs[40, 5] = 0.49 if not labels[40, 5] else 0.51
    write_prediction(demo_project, 0, probs)
    return demo_project, labels, probs


def test_next_disagreement_and_most_uncertain(make_window, predicted_demo, qtbot):
    folder, labels, probs = predicted_demo
    window = make_window(folder)
    ctl = window.model_ctl
    assert ctl.shown_run == "fake" and ctl.overlay.has_prediction()
    mask = ctl.overlay.disagreement()
    assert np.flatnonzero(mask.any(axis=1)).tolist() == [10, 11, 12, 13, 30]

    key(qtbot, window, Qt.Key_N)
    wait_shown(qtbot, window, 10)
    key(qtbot, window, Qt.Key_N)
    wait_shown(qtbot, window, 30)
    assert window.timeline.frame() == 30
    key(qtbot, window, Qt.Key_N)  # none after: stays
    assert window.player.frame() == 30
    assert "No disagreement" in window.statusBar().currentMessage()
    key(qtbot, window, Qt.Key_N, Qt.ShiftModifier)
    wait_shown(qtbot, window, 10)
    key(qtbot, window, Qt.Key_U)
    wait_shown(qtbot, window, 40)  # 0.49 against 0.5: the most uncertain place
    assert window.statusBar().currentMessage().startswith("Uncertain place 1/1")
    key(qtbot, window, Qt.Key_U)  # the only place: U stays there
    assert window.player.frame() == 40

    # fixing the labels where they disagree removes the mark
    window.timeline.set_selection(10, 14)
    key(qtbot, window, Qt.Key_1)  # fills comedy over the range (or clears it)
    assert not ctl.overlay.disagreement()[10:14].any()

    # the toggle hides and shows the curves
    window.actions.toggle_predictions.trigger()
    assert not ctl.overlay.curves[0].isVisible() and not ctl.overlay.marks.isVisible()
    window.actions.toggle_predictions.trigger()
    assert ctl.overlay.curves[0].isVisible()


def test_accept_predictions_over_a_range_then_undo(make_window, predicted_demo, qtbot):
    folder, labels, probs = predicted_demo
    window = make_window(folder)
    ed = window.editor
    window.timeline.set_selection(5, 35)
    key(qtbot, window, Qt.Key_A, Qt.ControlModifier | Qt.ShiftModifier)
    expected = labels.copy()
    expected[5:35] = probs[5:35] >= 0.5
    assert (ed.array == expected).all()
    assert ed.undo_name == "Accept predictions 5-34"
    assert not window.model_ctl.overlay.disagreement()[5:35].any()
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert (ed.array == labels).all()
    assert window.model_ctl.overlay.disagreement()[30].all()

    # no range: the whole trailer, one step
    window.timeline.set_selection(None, None)
    window.model_ctl.accept_predictions()
    assert (ed.array == (probs >= 0.5)).all()
    window.labels.undo()
    assert (ed.array == labels).all()
    window.autosaver.flush()
    with Project.open(folder) as p:
        assert (p.load_labels(0) == labels).all()


def test_choosing_a_run_without_predictions_offers_to_predict(make_window, predicted_demo, qtbot):
    folder, labels, probs = predicted_demo
    run = folder / "models" / "20200101-000000"
    run.mkdir(parents=True)
    (run / "model.keras").write_bytes(b"not read here")
    (run / "history.json").write_text(json.dumps([{"epoch": 1, "loss": 0.5, "val_loss": 0.6,
                                                   "macro_f1": 0.4, "macro_ap": 0.5}]))
    (run / "metrics.json").write_text(json.dumps({"best_epoch": 1, "validation": {
        "comedy": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "ap": 0.5, "support": 3},
        "macro": {"precision": 0.5, "recall": 0.5, "f1": 0.4, "ap": 0.5}}}))
    window = make_window(folder)
    ctl = window.model_ctl
    assert ctl.overlay.run == "fake"
    ctl.panel.choose_run("20200101-000000")
    assert ctl.shown_run == "20200101-000000" and not ctl.overlay.has_prediction()
    assert "Predict" in ctl.panel.runs_hint.text()
    assert window.actions.predict_current.isEnabled() and window.actions.predict_all.isEnabled()
    assert ctl.panel.metrics.rowCount() == 2  # comedy + macro of the chosen run
    assert ctl.panel.val_curve.getData()[1].tolist() == [0.6]
    # the choice is kept in the project
    window.close()
    again = make_window(folder)
    assert again.model_ctl.shown_run == "20200101-000000"


def test_settings_in_the_panel_are_the_projects(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    panel = window.model_ctl.panel
    panel.fields["epochs"].setValue(7)
    size = panel.fields["size"]
    size.setText("3")  # refused: too small
    size.editingFinished.emit()
    assert "border" in size.styleSheet()
    size.setText("24x32")
    size.editingFinished.emit()
    mix = panel.fields["mix"]
    assert mix.text() == "0.5"
    mix.setText("2")  # refused: a share of windows
    mix.editingFinished.emit()
    assert "border" in mix.styleSheet()
    mix.setText("0")  # genres tied to a place in the frame: no mixing
    mix.editingFinished.emit()
    assert "border" not in mix.styleSheet()
    precision = panel.fields["precision"]
    assert precision.currentText() == "auto"
    precision.setCurrentText("float32")  # a machine whose bfloat16 is slow: pin float32
    with Project.open(demo_project) as p:
        config = T.get_config(p)
    assert config["epochs"] == 7 and config["size"] == "24x32" and config["mix"] == 0.0
    assert config["precision"] == "float32"


def test_the_trailer_list_says_where_the_model_agrees_and_where_it_is_unsure(
        make_window, predicted_demo, qtbot):
    """What to label next, at a glance: labelled trailers show how often the model agrees,
    unlabelled ones how many places it is unsure about; fixing labels updates the line."""
    folder, labels, probs = predicted_demo
    unlabelled = np.full((48, 6), 0.1, np.float32)
    unlabelled[20:25, 2] = 0.55  # one unsure place
    write_prediction(folder, 2, unlabelled)
    window = make_window(folder)
    rows = window.video_list
    assert rows.row(0).model_note == "model agrees 90%"  # frames 10-13 and 30 of 48 differ
    assert rows.row(1).model_note == ""  # no prediction
    assert rows.row(2).model_note == "1 place to check"
    assert "model agrees 90%" in rows.row(0).tooltip(window.state.genres)

    window.timeline.set_selection(10, 14)
    key(qtbot, window, Qt.Key_1)  # fix where they differ
    window.autosaver.flush()
    qtbot.waitUntil(lambda: rows.row(0).model_note == "model agrees 98%", timeout=20000)

    window.actions.toggle_predictions.trigger()  # predictions hidden: no notes
    assert rows.row(0).model_note == "" and rows.row(2).model_note == ""


# ---- decoded segments (issue #12) ----------------------------------------------------------
def test_decoded_segments_drive_bars_navigation_and_accept(make_window, predicted_demo, qtbot):
    """The run decoded its curves into segments: the 1-frame flip at frame 30 is gone from
    them, frames 10-13 stay.  The lanes show the curves AND the segments' bars; N, the note
    and Accept follow the segments, not the thresholded curve."""
    from trailer_gui.widgets.model.prediction_overlay import BAND_ROWS, SEGMENT, SEGMENT_ROWS

    folder, labels, probs = predicted_demo
    decoded = (probs >= 0.5).astype(np.float32)
    decoded[30] = labels[30]
    d = folder / "predictions"
    np.save(d / "labels_0.npy", decoded)
    meta = json.loads((d / "pred_0.json").read_text())
    meta["decoding"] = {"threshold": 0.5, "switch_cost": 20.0, "min_frames": 3}
    (d / "pred_0.json").write_text(json.dumps(meta))

    window = make_window(folder)
    ctl = window.model_ctl
    assert np.array_equal(ctl.overlay.decided(), decoded > 0.5)
    assert np.flatnonzero(ctl.overlay.disagreement().any(axis=1)).tolist() == [10, 11, 12, 13]
    assert ctl.overlay.curves[0].isVisible()  # the raw curve is still drawn
    # The bar of a lane where the segments say "present" (image rows of lane g, column 0 at
    # one frame per column or more).
    rgba = ctl.overlay._rgba
    frame, genre = map(int, np.argwhere(decoded > 0.5)[0])
    column = frame // ctl.overlay._ds
    lane_rows = rgba[genre * BAND_ROWS:(genre + 1) * BAND_ROWS, column]
    assert tuple(lane_rows[SEGMENT_ROWS][0]) == SEGMENT

    key(qtbot, window, Qt.Key_N)
    wait_shown(qtbot, window, 10)
    key(qtbot, window, Qt.Key_N)  # frame 30's flip is not a disagreement of the segments
    assert window.player.frame() == 10
    assert "No disagreement" in window.statusBar().currentMessage()

    window.timeline.set_selection(None, None)
    window.model_ctl.accept_predictions()
    assert (window.editor.array == (decoded > 0.5)).all()
    window.labels.undo()


def test_dock_table_shows_segment_figures_of_the_decoded_run(make_window, predicted_demo, qtbot):
    folder, labels, probs = predicted_demo
    run = folder / "models" / "20200101-000000"
    run.mkdir(parents=True)
    (run / "model.keras").write_bytes(b"not read here")
    (run / "history.json").write_text(json.dumps([{"epoch": 1, "loss": 0.5, "val_loss": 0.6}]))
    seg = {"edit": 93.75, "f1@10": 96.0, "f1@25": 96.0, "f1@50": 90.5}
    genre = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "ap": 0.5, "support": 3, "segments": seg}
    (run / "metrics.json").write_text(json.dumps({"best_epoch": 1, "validation": {
        "comedy": {k: v for k, v in genre.items() if k != "segments"},
        "macro": {"precision": 0.5, "recall": 0.5, "f1": 0.4, "ap": 0.5}},
        "decoded": {"metrics": {"comedy": genre, "macro": {**genre, "f1": 0.45}},
                    "dominant": {"accuracy": 0.96, "segments": {**seg, "edit": 88.0}},
                    "all_genres_right": 0.87, "decoding": {"min_frames": 3}}}))
    window = make_window(folder)
    ctl = window.model_ctl
    ctl.panel.choose_run("20200101-000000")
    table = ctl.panel.metrics
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert rows == ["comedy", "macro", "dominant"]
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert table.item(1, headers.index("F1")).text() == "0.450"  # the decoded figures
    assert table.item(0, headers.index("Edit")).text() == "93.8"
    assert table.item(2, headers.index("Edit")).text() == "88.0"
    assert table.item(2, headers.index("F1@50")).text() == "90.5"
    assert "every genre right on 87%" in ctl.panel.metrics_title.text()
