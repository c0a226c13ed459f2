"""The window with damaged, read-only and backed-up projects (#10), and where the keys go."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from trailer_gui.app import open_at_start, start_project
from trailer_gui.core import backup
from trailer_gui.core.store import DB_NAME, Project
from trailer_gui.widgets.prefs import Prefs

from ..conftest import wait_shown


def damage(db: Path, seed: int = 0) -> None:
    data = bytearray(db.read_bytes())
    mid = len(data) // 2 // 4096 * 4096
    data[mid:mid + 8192] = np.random.default_rng(seed).integers(0, 256, 8192, np.uint8).tobytes()
    db.write_bytes(bytes(data))


def dialogs(window):
    return [d for d in window.findChildren(QtWidgets.QMessageBox, "damagedProject") if d.isVisible()]


def all_labels(folder):
    with Project.open(folder) as p:
        return {v.id: p.load_labels(v.id) for v in p.videos()}


@pytest.fixture
def damaged_recent(demo_project, fresh_settings):
    """The demo project, backed up, then damaged, and the most recent project in the prefs."""
    labels = all_labels(demo_project)
    backup.take_backup(demo_project)
    damage(demo_project / DB_NAME)
    fresh_settings.add_recent(demo_project)
    return demo_project, labels


def test_start_with_a_damaged_recent_project_offers_restore_and_stays_up(
        make_window, damaged_recent, qtbot):
    folder, labels = damaged_recent
    db = folder / DB_NAME
    before = db.read_bytes(), db.stat().st_mtime_ns
    window = make_window(None)
    assert start_project(Prefs()) == str(folder.resolve())
    assert open_at_start(window, start_project(Prefs())) is False

    qtbot.waitUntil(lambda: len(dialogs(window)) == 1)
    (dialog,) = dialogs(window)
    assert "damaged" in dialog.text() and DB_NAME in dialog.text()
    assert "Nothing was changed" in dialog.text()
    assert window.isVisible() and window.pages.currentWidget() is window.start_page
    assert window.project is None
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before  # never rewritten

    qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.project is not None)
    assert window.pages.currentWidget() is window.editor_page
    assert "Restored the backup" in window.statusBar().currentMessage()
    window.close()
    restored = all_labels(folder)
    assert restored.keys() == labels.keys()
    assert all(np.array_equal(restored[k], labels[k]) for k in labels)
    (aside,) = [p for p in folder.glob(f"{DB_NAME}.damaged-*") if "-wal" not in p.name
                and "-shm" not in p.name]
    assert aside.read_bytes() == before[0]


def test_a_damaged_project_without_backup_offers_to_open_another(make_window, demo_project,
                                                                  qtbot, monkeypatch):
    (demo_project / DB_NAME).write_bytes(b"")
    window = make_window(None)
    asked = []
    monkeypatch.setattr(window.files, "open_project", lambda: asked.append(True))
    assert window.files.open_project_path(demo_project) is False
    qtbot.waitUntil(lambda: len(dialogs(window)) == 1)
    (dialog,) = dialogs(window)
    assert dialog.restore_button is None and "no good backup" in dialog.text()
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: asked == [True])
    assert (demo_project / DB_NAME).stat().st_size == 0


def test_whatever_is_in_the_recent_list_the_start_page_comes_up(make_window, demo_project,
                                                                 tmp_path, qtbot, monkeypatch,
                                                                 fresh_settings):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / DB_NAME).write_bytes(b"SQLite format 3\x00" + os.urandom(5000))
    locked = tmp_path / "locked" / "project"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a project")
    fresh_settings.qs.setValue("recent/projects", [str(locked), str(damaged), str(a_file),
                                                   str(tmp_path / "gone"), str(demo_project)])
    real_exists = Path.exists

    def exists(self, *a, **kw):  # a folder this user may not look into (tests run as root)
        if str(self).startswith(str(locked.parent)):
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self, *a, **kw)

    monkeypatch.setattr(Path, "exists", exists)
    assert start_project(Prefs()) is None  # the first one cannot even be looked at
    window = make_window(None)
    assert window.start_page.recent.count() == 5
    window.files.fill_recent_menu()
    enabled = [a.isEnabled() for a in window.actions.recent_menu.actions()][:5]
    assert enabled == [False, True, True, False, True]
    for path in (damaged, a_file, tmp_path / "gone"):
        assert open_at_start(window, path) is False
        assert window.isVisible()
    assert len(dialogs(window)) == 1  # the damaged store; the others are plain messages
    assert open_at_start(window, demo_project) is True

    fresh_settings.qs.setValue("recent/projects", 42)  # a damaged settings file
    assert Prefs().recent_projects() == [] and start_project(Prefs()) is None


def test_the_app_starts_on_a_damaged_recent_project_every_time(damaged_recent, tmp_path):
    """The real entry point in a fresh process, twice: it shows its window and quits."""
    folder, _ = damaged_recent
    before = (folder / DB_NAME).read_bytes()
    script = textwrap.dedent(
        """
        import sys
        from trailer_gui import app
        from trailer_gui.widgets.prefs import Prefs
        prefs = Prefs()
        prefs.add_recent(sys.argv[1])
        prefs.sync()
        print("rc", app.main([]))
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAILER_GUI_EXIT_AFTER_SHOW="1",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", script, str(folder)], env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "first window shown" in out.stdout and "rc 0" in out.stdout
        assert "Traceback" not in out.stderr
    assert (folder / DB_NAME).read_bytes() == before


# ---- backups while editing ---------------------------------------------------------------
def test_backups_are_taken_on_open_and_after_editing(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    qtbot.waitUntil(lambda: len(backup.list_backups(demo_project)) == 1, timeout=10_000)
    window.recovery.timer.setInterval(50)
    wait_shown(qtbot, window)
    window.editor.paint(0, 0, 10)  # comedy on frames 0..9
    assert window.autosaver.flush()
    qtbot.waitUntil(lambda: len(backup.list_backups(demo_project)) == 2, timeout=10_000)
    newest = backup.list_backups(demo_project)[0].path
    vid, annotator = window.state.video.id, window.state.annotator
    conn = sqlite3.connect(f"file:{newest}?mode=ro", uri=True)
    rows = conn.execute("SELECT genre FROM labels WHERE video_id = ? AND annotator = ?",
                        (vid, annotator)).fetchall()
    conn.close()
    assert ("comedy",) in rows
    # closing after more edits takes a last backup
    window.editor.paint(1, 20, 30)
    window.close()
    assert len(backup.list_backups(demo_project)) == 3


# ---- read-only ---------------------------------------------------------------------------
def test_a_read_only_project_plays_with_a_banner_and_refuses_edits(
        make_window, demo_project, qtbot, pretend_read_only):
    db = demo_project / DB_NAME
    before = db.read_bytes()
    pretend_read_only(demo_project)
    window = make_window(demo_project)
    assert window.project.read_only
    banner = window.recovery.banner
    assert banner.isVisible() and banner.text().startswith("Read-only: changes cannot be saved")
    assert window.saved_label.text() == "read-only"
    assert "(read-only)" in window.windowTitle()
    assert not window.actions.add_videos.isEnabled()

    window.player.seek(5)  # it plays and shows frames
    wait_shown(qtbot, window, 5)
    labels = window.editor.array.copy()
    window.labels.toggle_genre(0)
    qtbot.keyClick(QtWidgets.QApplication.focusWidget() or window, Qt.Key_3)
    window.timeline.set_selection(0, 10)
    window.labels.fill_selection(1)
    window.labels.delete_labels()
    assert np.array_equal(window.editor.array, labels)
    assert not window.editor.can_undo
    assert "Read-only project" in window.statusBar().currentMessage()
    window.close()
    assert db.read_bytes() == before
    assert not backup.list_backups(demo_project)  # nothing is written into the folder


def test_a_read_only_project_exports_into_a_folder_of_the_users(
        make_window, demo_project, qtbot, tmp_path, pretend_read_only):
    """The export dialog of a read-only project asks for a folder before it can export, and
    writes the dataset there, nothing into the project."""
    import json

    pretend_read_only(demo_project)
    window = make_window(demo_project)
    window.actions.export_dataset.trigger()
    dialog = window.files.export_dialog
    assert "read-only" in dialog.out_dir.placeholderText()
    assert not dialog.export_button.isEnabled()  # nowhere to write yet
    dialog.rows.setValue(16)
    dialog.cols.setValue(16)
    out = tmp_path / "my-export"
    dialog.out_dir.setText(str(out))
    assert dialog.export_button.isEnabled()
    task = dialog.start()
    with qtbot.waitSignal(task.sigDone, timeout=30_000):
        pass
    assert dialog.report is not None and sorted(dialog.report.written) == [0, 1, 2]
    assert np.load(out / "scene_0.npy", allow_pickle=False).shape[1:] == (3, 16, 16)
    assert len(json.loads((out / "manifest.json").read_text())["trailers"]) == 3
    assert not (demo_project / "dataset" / "scene_0.npy").exists()
    window.close()


# ---- focus -------------------------------------------------------------------------------
def test_arrow_keys_work_at_once_after_opening(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    focus = QtWidgets.QApplication.focusWidget()
    assert focus is window.player.view
    video = window.state.video.id
    for k in (Qt.Key_Right, Qt.Key_Right, Qt.Key_Down):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), k)
    wait_shown(qtbot, window, 2)
    assert window.state.video.id == video  # Down did not move the trailer list
