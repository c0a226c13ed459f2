"""Export from the GUI: a dialog, a worker with progress, Cancel that leaves nothing behind."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore

from trailer_gui.core import video_reader

from ..conftest import messages


def open_export(window):
    window.actions.export_dataset.trigger()
    dialog = window.files.export_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def leftovers(folder):
    return sorted(p.name for p in (folder / "dataset").iterdir()
                  if p.name.startswith("scene_") or ".part" in p.name)


@pytest.fixture
def slow_decoding(monkeypatch):
    """Each exported frame takes ~8 ms to decode, so there is time to cancel mid-trailer
    (the export's decoding thread reads ``iter_decoded``)."""
    original = video_reader.VideoReader.iter_decoded

    def slow(self, *args, **kwargs):
        for frame in original(self, *args, **kwargs):
            time.sleep(0.008)
            yield frame

    monkeypatch.setattr(video_reader.VideoReader, "iter_decoded", slow)


def test_export_runs_in_a_worker_with_progress(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    dialog = open_export(window)
    assert (dialog.rows.value(), dialog.cols.value(), dialog.stride.value()) == (64, 64, 1)
    assert dialog.checked_ids() == [0, 1, 2]
    dialog.rows.setValue(32)
    dialog.cols.setValue(48)
    dialog.stride.setValue(2)
    dialog.trailers.item(2).setCheckState(QtCore.Qt.Unchecked)
    progress = []
    task = dialog.start()
    task.sigProgress.connect(lambda d, t, s: progress.append((d, t)))
    with qtbot.waitSignal(task.sigDone, timeout=20_000):
        pass
    assert dialog.report is not None and sorted(dialog.report.written) == [0, 1]
    scene = np.load(demo_project / "dataset" / "scene_0.npy")
    assert scene.shape == (24, 3, 32, 48) and scene.dtype == np.uint8
    category = np.load(demo_project / "dataset" / "category_0.npy")
    assert category.shape == (6, 1, 24, 1)
    assert not (demo_project / "dataset" / "scene_2.npy").exists()
    assert progress and progress[-1][0] == progress[-1][1]
    assert dialog.progress.value() == dialog.progress.maximum()
    assert "2 exported" in dialog.status.text()
    dialog.reject()

    # the next export starts from the last one's settings
    dialog = open_export(window)
    assert (dialog.rows.value(), dialog.cols.value(), dialog.stride.value()) == (32, 48, 2)
    dialog.reject()


def test_shrinking_while_decoding_is_offered_and_exports(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    dialog = open_export(window)
    assert not dialog.scale_in_decoder.isChecked() and not dialog.settings().scale_in_decoder
    dialog.scale_in_decoder.setChecked(True)
    dialog.trailers.item(1).setCheckState(QtCore.Qt.Unchecked)
    dialog.trailers.item(2).setCheckState(QtCore.Qt.Unchecked)
    task = dialog.start()
    assert not dialog.scale_in_decoder.isEnabled()  # not changed under a running export
    with qtbot.waitSignal(task.sigDone, timeout=20_000):
        pass
    assert dialog.report is not None and dialog.report.written == [0]
    scene = np.load(demo_project / "dataset" / "scene_0.npy", allow_pickle=False)
    assert scene.shape[1:] == (3, 64, 64) and scene.dtype == np.uint8 and scene.any()
    qtbot.waitUntil(lambda: dialog.scale_in_decoder.isEnabled(), timeout=5_000)


def test_export_saves_pending_labels_first(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    window.files.select_video(1)
    window.autosaver.delay_ms = 60_000
    window.editor.paint(0, 0, 10)
    dialog = open_export(window)
    dialog.trailers.item(0).setCheckState(QtCore.Qt.Unchecked)
    dialog.trailers.item(2).setCheckState(QtCore.Qt.Unchecked)
    with qtbot.waitSignal(dialog.start().sigDone, timeout=20_000):
        pass
    # The demo's project annotator is "ground-truth", and so are the GUI's labels here.
    category = np.load(demo_project / "dataset" / "category_1.npy")
    assert category[0, 0, :10, 0].all() and not category[0, 0, 10:, 0].any()
    dialog.reject()


def test_cancel_leaves_no_half_written_files_and_the_gui_stays_responsive(
        make_window, demo_project, qtbot, slow_decoding):
    window = make_window(demo_project)
    dialog = open_export(window)
    ticks = []
    timer = QtCore.QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    task = dialog.start()
    assert dialog.cancel_button.text() == "Cancel" and not dialog.export_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 16, timeout=10_000)
    assert any(p.name.startswith(".scene_0") for p in (demo_project / "dataset").iterdir())
    with qtbot.waitSignal(task.sigCancelled, timeout=10_000):
        dialog.cancel_button.click()
    timer.stop()
    assert leftovers(demo_project) == []
    assert "cancelled" in dialog.status.text()
    assert dialog.cancel_button.text() == "Close"
    gaps = np.diff(ticks)
    assert len(ticks) > 5 and gaps.max() < 0.5  # the event loop kept running
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: window.files.export_dialog is None)


def test_a_missing_video_is_named_and_the_others_exported(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    (demo_project / "videos" / "demo_trailer_01.mp4").unlink()
    dialog = open_export(window)
    with qtbot.waitSignal(dialog.start().sigDone, timeout=20_000):
        pass
    [box] = messages(window)
    assert "demo_trailer_01.mp4" in box.text() and "file not found" in box.text()
    assert "Locate video" in box.text()
    box.close()
    assert "1 left out" in dialog.status.text()
    assert (demo_project / "dataset" / "scene_0.npy").is_file()
    assert not (demo_project / "dataset" / "scene_1.npy").exists()
    assert dialog.export_button.isEnabled()
    dialog.reject()
    assert window.files.select_video(2)


def test_export_and_model_jobs_do_not_run_at_once(make_window, demo_project, qtbot, slow_decoding):
    """Both write the dataset: while one runs, the other is refused with a message."""
    window = make_window(demo_project)
    dialog = open_export(window)
    task = dialog.start()
    qtbot.waitUntil(dialog.running, timeout=5_000)
    assert window.model_ctl.retrain() is None
    assert window.model_ctl.job is None
    assert "export is running" in window.statusBar().currentMessage()
    with qtbot.waitSignal(task.sigCancelled, timeout=10_000):
        dialog.cancel_button.click()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: window.files.export_dialog is None)

    window.model_ctl.job = object()  # a model job is running
    try:
        window.actions.export_dataset.trigger()
        assert window.files.export_dialog is None
        assert "model job is running" in window.statusBar().currentMessage()
    finally:
        window.model_ctl.job = None


def test_a_full_disk_is_a_message_and_the_window_stays(make_window, demo_project, qtbot, monkeypatch):
    """On a full disk the export used to die of SIGBUS, taking the window with it."""
    import errno
    import os

    window = make_window(demo_project)
    real = os.posix_fallocate

    def full_for_trailer_1(fd, offset, length):
        if "scene_1.npy" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, offset, length)

    monkeypatch.setattr(os, "posix_fallocate", full_for_trailer_1)
    dialog = open_export(window)
    with qtbot.waitSignal(dialog.start().sigDone, timeout=20_000):
        pass
    [box] = messages(window)
    assert "scene_1.npy: not enough disk space" in box.text() and "MB needed" in box.text()
    assert not box.detailedText()  # a message, not a traceback
    box.close()
    assert leftovers(demo_project) == ["scene_0.npy"]  # finished work kept, no .part
    assert window.isVisible() and window.files.select_video(1)
    dialog.reject()
