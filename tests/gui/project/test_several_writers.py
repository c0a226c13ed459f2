"""The window shares its project with other programs and never loses or hides their labels.

A user has a trailer open while ``trailer labels import`` (or a second window) writes the same
labels: the window shows the change within the poll interval and says who made it; unsaved
edits of the user's own stay and win where both changed the same cells. A database locked by
another program never freezes the window: it says it is waiting, keeps the ``*``, and saves
once the lock is gone. A second window on the project is told that another one is open.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PySide6 import QtGui

import trailer_gui
from trailer_gui.core.labels_io import write_labels
from trailer_gui.core.sessions import SESSIONS_DIR, SessionFile
from trailer_gui.core.store import DB_NAME, Project

GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]
REPO = Path(trailer_gui.__file__).resolve().parents[1]


def stored(folder, video_id, annotator):
    with Project.open(folder) as p:
        return p.load_labels(video_id, annotator)


def unlabel(folder) -> None:
    """Start from an unlabelled first trailer (the demo labels it)."""
    with Project.open(folder) as p:
        p.save_labels(0, np.zeros_like(p.load_labels(0)))


def status(window) -> str:
    return window.statusBar().currentMessage()


def test_a_cli_import_shows_in_the_open_window_within_the_poll_interval(make_window, demo_project,
                                                                         qtbot, tmp_path):
    window = make_window(demo_project)
    who = window.state.annotator
    before = window.editor.array.copy()
    imported = before.copy()
    imported[0:11, 0] = True  # comedy 0-10
    imported[20:30] = False
    csv = tmp_path / "in.csv"
    write_labels(csv, imported, GENRES)
    done = subprocess.run(
        [sys.executable, "-m", "trailer_gui.cli", "labels", "import", str(demo_project), "0",
         str(csv), "--annotator", who],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: np.array_equal(window.editor.array, imported), timeout=20000)
    tl = window.timeline  # the lanes are redrawn
    comedy = QtGui.QColor(window.state.genres[0].color)
    assert tl.frames_per_column == 1
    assert tl.image_item.image[0, 5].tolist() == [comedy.red(), comedy.green(), comedy.blue(), 255]
    assert status(window).startswith("Labels changed by trailer labels import (pid ")
    assert "comedy 0-10" in status(window)
    assert not window.isWindowModified()  # nothing of ours to save: the store has it
    window.labels.undo()  # the import is not an undo step of this window
    assert np.array_equal(window.editor.array, imported)
    window.close()
    assert np.array_equal(stored(demo_project, 0, who), imported)


def test_unsaved_edits_survive_another_programs_write_and_win_their_own_cells(make_window,
                                                                               demo_project, qtbot):
    unlabel(demo_project)
    window = make_window(demo_project)
    window.autosaver.delay_ms = 60_000  # the user's edit stays unsaved while the other writes
    who = window.state.annotator
    ed = window.editor
    ed.paint("musical", 0, 10)
    assert window.isWindowModified()
    theirs = stored(demo_project, 0, who)
    theirs[0:20, 4] = False  # they erase musical where the user just painted it...
    theirs[5:25, 5] = True  # ...and paint "other" 5-24
    theirs[0:5, 4] = True
    with Project.open(demo_project) as other:
        other.save_labels(0, theirs, who)
    qtbot.waitUntil(lambda: ed.array[5:25, 5].all(), timeout=20000)
    assert ed.array[0:10, 4].all() and window.isWindowModified()
    assert "Labels changed by" in status(window) and "other 5-24" in status(window)
    assert window.autosaver.flush()
    after = stored(demo_project, 0, who)
    assert after[0:10, 4].all() and not after[10:20, 4].any() and after[5:25, 5].all()
    assert not window.isWindowModified()


def test_a_locked_database_never_freezes_the_window_and_nothing_is_lost(make_window,
                                                                       demo_project, qtbot):
    unlabel(demo_project)
    window = make_window(demo_project)
    who = window.state.annotator
    holder = sqlite3.connect(Path(demo_project) / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, for as long as it likes
    try:
        started = time.monotonic()
        window.editor.paint("horror", 30, 40)
        assert not window.autosaver.flush()
        assert window.autosaver.waiting and window.isWindowModified()
        assert window.saved_label.text() == "● waiting for another program"
        assert "waiting for another program" in status(window)
        assert window.files.select_video(1)  # leaving the trailer keeps its edits pending
        assert window.autosaver.pending == 1 and window.isWindowModified()
        assert window.files.select_video(0)  # and coming back resumes them, undo history too
        assert window.editor.array[30:40, 2].all()
        assert window.editor.undo_name == "Paint horror 30-39"
        assert time.monotonic() - started < 15  # each write used to wait 30 s for the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: not window.isWindowModified(), timeout=20000)
    assert not window.autosaver.waiting and window.saved_label.text() == "✓ saved"
    assert stored(demo_project, 0, who)[30:40, 2].all()


def test_a_second_window_is_told_that_another_one_is_open(make_window, demo_project, qtbot):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a crashed window's entry: its process is gone
    stale = SessionFile(demo_project)
    stale.path = stale.path.with_name(f"{stale.host}-{dead.pid}-dead.json")
    stale.register()
    stale.path.write_text(stale.path.read_text().replace(str(os.getpid()), str(dead.pid)))
    first = make_window(demo_project)
    assert not first.writers.others_label.isVisible()
    assert not stale.path.exists()  # stale entries are ignored and cleaned away
    second = make_window(demo_project)
    label = second.writers.others_label
    assert label.isVisible() and label.text() == "⚠ also open in another window"
    assert f"pid {os.getpid()}" in label.toolTip()
    assert status(second).startswith("This project is also open in trailer-gui")
    # both still edit, and each sees the other's labels
    second.editor.paint("thriller", 0, 5)
    assert second.autosaver.flush()
    qtbot.waitUntil(lambda: first.editor.array[0:5, 3].all(), timeout=20000)
    first.close()
    second.writers.beat()
    assert not label.isVisible()
    assert not list((Path(demo_project) / SESSIONS_DIR).glob("*-dead.json"))


def test_the_compared_annotators_strip_follows_their_window(make_window, demo_project, qtbot):
    window = make_window(demo_project)
    window.files.switch_annotator("alice")  # alice labels while ground-truth works in another window
    tools = window.annotator_tools
    tools.compare_menu.aboutToShow.emit()
    actions = tools.compare_menu.actions()
    [compare] = [a for a in actions if a.text().replace("&", "") == "ground-truth"]
    compare.trigger()
    truth = stored(demo_project, 0, "ground-truth")
    assert np.array_equal(tools.ghost.pooled, truth.T)
    truth[:, :] = False
    truth[10:20, 3] = True
    with Project.open(demo_project) as other:
        other.save_labels(0, truth, "ground-truth")
    qtbot.waitUntil(lambda: np.array_equal(tools.ghost.pooled, truth.T), timeout=20000)


def test_model_display_choices_never_wait_on_another_program(make_window, demo_project, qtbot):
    """While another program holds the database, moving the threshold, choosing a run or
    editing a training setting neither hangs the window (the default wait is 30 s) nor
    raises: each says it could not be stored, and the setting is stored once it is free."""
    window = make_window(demo_project)
    ctl = window.model_ctl
    holder = sqlite3.connect(Path(demo_project) / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        ctl.set_threshold(0.4)
        assert "Not remembered (predictions.threshold)" in status(window)
        assert ctl.threshold == 0.4  # the display follows even if the store cannot
        ctl.panel.fields["epochs"].setValue(3)
        assert "not saved" in ctl.panel.fields["epochs"].toolTip()
        assert "busy in another program" in status(window)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    ctl.panel.fields["epochs"].setValue(4)
    ctl.set_threshold(0.45)
    with Project.open(demo_project) as p:
        assert p.setting("train.epochs") == "4"
        assert p.setting("predictions.threshold") == "0.45"
