"""Locate…: a trailer whose video moved or was replaced is never shown under its old
timeline; the user locates the file and keeps every label."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from trailer_gui.core.store import Project

from ...core.conftest import write_mp4v
from ..conftest import messages

TASK_TIMEOUT_MS = 30_000


def button(box, text):
    return next(b for b in box.buttons() if b.text() == text)


def labels(folder, vid, annotator):
    with Project.open(folder) as p:
        return p.load_labels(vid, annotator)


def test_a_moved_video_is_located_and_keeps_its_labels(make_window, demo_project, qtbot, tmp_path):
    window = make_window(demo_project)
    window.files.select_video(1)
    who = window.state.annotator
    before = labels(demo_project, 0, who)
    assert before.any()
    moved = tmp_path / "archive" / "renamed.mp4"
    moved.parent.mkdir()
    shutil.move(demo_project / "videos" / "demo_trailer_00.mp4", moved)
    window.files.refresh_list()
    assert window.video_list.row(0).problem.startswith("file not found")

    assert not window.files.select_video(0)
    assert window.state.video is None  # not shown under its old timeline
    [box] = messages(window)
    assert "demo_trailer_00.mp4: file not found" in box.text() and "labels" in box.text()
    window.relinker.ask_path = lambda video: str(moved)
    button(box, "Locate…").click()
    qtbot.waitUntil(lambda: window.state.video is not None and window.state.video.id == 0,
                    timeout=TASK_TIMEOUT_MS)
    assert window.video_list.row(0).problem == ""
    assert np.array_equal(window.editor.array, before)
    assert "labels kept" in window.statusBar().currentMessage()
    assert np.array_equal(labels(demo_project, 0, who), before)


def test_a_replaced_video_of_another_length_asks_then_fits_the_labels(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    window.files.select_video(1)
    who = window.state.annotator
    before = labels(demo_project, 0, who)
    old_frames = before.shape[0]
    path = demo_project / "videos" / "demo_trailer_00.mp4"
    write_mp4v(path, frames=20)  # replaced by a shorter file
    window.files.refresh_list()
    assert window.video_list.row(0).problem.startswith("changed on disk")

    assert not window.files.select_video(0) and window.state.video is None
    [box] = messages(window)
    assert "changed on disk" in box.text()
    button(box, "Use the changed file").click()
    qtbot.waitUntil(lambda: window.relinker.task is None and len(messages(window)) == 1,
                    timeout=TASK_TIMEOUT_MS)
    [question] = messages(window)
    assert "has 20 frames" in question.text() and f"were made for {old_frames}" in question.text()
    assert np.array_equal(labels(demo_project, 0, who), before)  # nothing changed yet
    button(question, "Relink anyway").click()
    qtbot.waitUntil(lambda: window.state.video is not None and window.state.video.id == 0,
                    timeout=TASK_TIMEOUT_MS)
    assert window.editor.array.shape[0] == 20
    assert np.array_equal(window.editor.array, before[:20])
    assert list((demo_project / "backups").glob("*relink-0*.sqlite"))


def test_locate_in_the_file_menu_relinks_the_open_trailer(make_window, demo_project, qtbot, tmp_path):
    window = make_window(demo_project)
    assert window.files.select_video(2)
    assert window.actions.locate_video.isEnabled()
    assert window.actions.locate_video in window.video_list.view.actions()  # right-click
    copy = tmp_path / "moved.mp4"
    shutil.copy(demo_project / "videos" / "demo_trailer_02.mp4", copy)
    window.relinker.ask_path = lambda video: str(copy)
    window.actions.locate_video.trigger()
    qtbot.waitUntil(lambda: window.relinker.task is None and window.state.video is not None,
                    timeout=TASK_TIMEOUT_MS)
    with Project.open(demo_project) as p:
        assert p.video(2).path == copy.resolve()


@pytest.mark.slow
def test_ctrl_r_trains_on_the_other_trailers_and_names_the_missing_one(make_window, demo_project, qtbot):
    from trailer_gui.services import training as T

    with Project.open(demo_project) as p:
        for key, value in {"size": "16x16", "window": "8", "batch": "2", "epochs": "1",
                           "stride": "2"}.items():
            T.set_config(p, key, value)
    (demo_project / "videos" / "demo_trailer_02.mp4").unlink()
    window = make_window(demo_project)
    ctl = window.model_ctl
    ctl.train_overrides = {"steps_per_epoch": 2}
    with qtbot.waitSignal(ctl.sigJobFinished, timeout=180_000) as done:
        window.actions.retrain.trigger()
    kind, result = done.args
    assert kind == "retrain" and result is not None
    assert result.predicted == [0, 1]
    assert any(w.startswith("video 2 left out") and "demo_trailer_02.mp4" in w for w in result.warnings)
    status = window.statusBar().currentMessage()
    assert status.startswith("Retrained") and "Warning: video 2 left out" in status
    assert not messages(window)  # no error dialog: the job went on
