"""Several writers on one trailer lose nobody's labels (issue #10).

Two app windows, or the app and ``trailer labels import``, write the same trailer: each save
writes only the cells its editor changed, on top of what is stored now, and bumps the trailer's
revision; where two writers changed the same cell the later save wins for that cell only, and
says so. The two-writer stories run in two real processes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trailer_gui
from trailer_gui.core.editing import LabelEditor
from trailer_gui.core.label_sync import LabelSync, StoreBusy, describe_cells
from trailer_gui.core.labels_io import write_labels
from trailer_gui.core.store import DB_NAME, MIGRATIONS, Project

FRAMES = 200
GENRES = ["comedy", "action", "horror", "thriller", "musical", "other"]
REPO = Path(trailer_gui.__file__).resolve().parents[1]


def add_trailer(project: Project, frames: int = FRAMES) -> int:
    """A trailer row without a video file: labels need only its frame count."""
    with project.transaction() as db:
        (vid,) = db.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM videos").fetchone()
        db.execute(
            "INSERT INTO videos(id, path, frames, fps, width, height, duration, has_audio,"
            " fingerprint, added) VALUES (?, ?, ?, 24.0, 64, 48, ?, 0, 'none', 'now')",
            (vid, f"videos/t{vid}.mp4", frames, frames / 24.0),
        )
    return vid


@pytest.fixture
def trailer(tmp_path):
    project = Project.create(tmp_path / "proj")
    vid = add_trailer(project)
    yield project, vid
    project.close()


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO)}


# ---- the editor knows what it changed --------------------------------------------------------
def test_edits_undo_and_redo_mark_the_cells_they_change_as_unsynced():
    ed = LabelEditor(np.zeros((50, 6), bool), GENRES)
    assert not ed.has_unsynced
    ed.paint("action", 0, 10)
    assert np.argwhere(ed.unsynced).tolist() == [[f, 1] for f in range(10)]
    ed.mark_synced()
    ed.undo()  # the store has action 0-9: taking it back is a change to save
    assert ed.unsynced[:10, 1].all() and ed.unsynced.sum() == 10
    ed.mark_synced()
    ed.redo()
    assert ed.unsynced.sum() == 10 and ed.array[:10, 1].all()


def test_a_merge_keeps_unsynced_edits_and_undo_leaves_other_programs_changes_alone():
    ed = LabelEditor(np.zeros((50, 6), bool), GENRES)
    seen = []
    ed.add_listener(lambda a, b: seen.append((a, b)))
    ed.paint("action", 0, 10)
    stored = np.zeros((50, 6), bool)
    stored[5:20, 1] = False
    stored[0:30, 0] = True  # another program painted comedy over the same frames
    changed = ed.merge_stored(stored)
    assert changed[:30, 0].all() and changed.sum() == 30  # action 0-9 unsynced: kept
    assert ed.array[:10, 1].all() and ed.array[:30, 0].all()
    assert seen[-1] == (0, 30) and not ed.unsynced[:, 0].any()
    assert ed.undo_name == "Paint action 0-9"
    ed.undo()  # only the step's own cells go back: comedy stays
    assert not ed.array[:, 1].any() and ed.array[:30, 0].all()


def test_describe_cells_counts_frames_as_users_do():
    cells = np.zeros((100, 6), bool)
    cells[0:21, 1] = True
    cells[45, 1] = True
    cells[3:10, 0] = True
    assert describe_cells(cells, GENRES) == "comedy 3-9; action 0-20, 45"
    assert describe_cells(cells[:, 1:2], ["action"], by_genre=False) == "0-20, 45 (action)"


# ---- the store counts writes -------------------------------------------------------------------
def test_every_write_bumps_the_revision(trailer):
    project, vid = trailer
    assert project.label_revision(vid, "ann") == 0
    labels = np.zeros((FRAMES, 6), bool)
    labels[:5, 2] = True
    assert project.save_labels(vid, labels, "ann") == 1
    assert project.save_labels(vid, labels, "ann") == 2
    assert project.label_revision(vid, "bob") == 0
    stored = project.stored_labels(vid, "ann")
    assert stored.revision == 2 and np.array_equal(stored.labels, labels)
    project.remove_genre("horror")  # the labels changed: open editors must notice
    assert project.label_revisions("ann") == {vid: 3}


def test_a_schema_2_project_gets_revisions_for_the_labels_it_has(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    for migrate in MIGRATIONS[:2]:
        migrate(db)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO genres VALUES ('comedy', 0, '#ff0000', '1')")
    db.execute("INSERT INTO videos VALUES (0, 'a.mp4', 10, 24, 8, 8, 1, 0, 'x', 'now')")
    db.execute("INSERT INTO labels VALUES (0, 'ann', 'comedy', 10, ?, 'then')",
               (np.array([2, 5], "<i4").tobytes(),))
    db.close()
    with Project.open(folder) as project:
        stored = project.stored_labels(0, "ann")
        assert stored.revision == 1 and stored.labels[2:5, 0].all()


# ---- two editors in one process (two connections) ------------------------------------------------
def test_non_overlapping_edits_from_two_editors_are_all_kept(trailer):
    project, vid = trailer
    other = Project.open(project.folder)
    a = LabelSync.load(project, vid, "ann")
    b = LabelSync.load(other, vid, "ann")
    b.editor.paint("action", 0, 21)
    a.editor.paint("comedy", 0, 21)
    assert b.save().conflicts.sum() == 0
    report = a.save()
    assert report.conflicts.sum() == 0 and report.theirs[:21, 1].all()
    assert report.message(GENRES).startswith("Merged changes from ")
    assert a.editor.array[:21, 1].all()  # the window shows B's labels now
    stored = project.load_labels(vid, "ann")
    assert stored[:21, 0].all() and stored[:21, 1].all() and stored.sum() == 42
    assert b.pull().theirs[:21, 0].all() and np.array_equal(b.editor.array, stored)
    other.close()


def test_on_the_same_cells_the_later_save_wins_there_only_and_says_so(trailer):
    project, vid = trailer
    other = Project.open(project.folder)
    a = LabelSync.load(project, vid, "ann")
    b = LabelSync.load(other, vid, "ann")
    a.editor.paint("action", 0, 21)
    a.save()
    b.editor.paint("action", 10, 31)  # B paints, thinks better of it and erases
    b.editor.paint("action", 10, 31, on=False)
    b.editor.paint("horror", 50, 60)
    report = b.save()
    assert np.argwhere(report.conflicts).tolist() == [[f, 1] for f in range(10, 21)]
    assert report.message(GENRES).startswith("Merged changes from ")
    assert "your edits won on frames 10-20 (action)" in report.message(GENRES)
    stored = project.load_labels(vid, "ann")
    assert stored[:10, 1].all() and not stored[10:, 1].any() and stored[50:60, 2].all()
    other.close()


def test_a_save_waits_only_as_long_as_asked_when_another_program_holds_the_lock(trailer):
    project, vid = trailer
    sync = LabelSync.load(project, vid, "ann")
    sync.editor.paint("musical", 3, 8)
    holder = sqlite3.connect(project.folder / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusy, match="another program is writing"):
        sync.save(timeout=0.05)
    assert sync.has_unsynced and project.label_revision(vid, "ann") == 0
    assert project.db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000  # the CLI waits on
    holder.execute("ROLLBACK")
    holder.close()
    assert sync.save(timeout=0.05).revision == 1
    assert project.load_labels(vid, "ann")[3:8, 4].all() and not sync.has_unsynced


# ---- any interleaving of two editors ------------------------------------------------------------
_paint = st.tuples(st.just("paint"), st.integers(0, 2), st.integers(0, 39), st.integers(1, 15),
                   st.sampled_from([True, True, False]))
_op = st.one_of(_paint, _paint, st.sampled_from([("undo",), ("redo",), ("save",), ("pull",)]))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 1), _op), min_size=4, max_size=30))
def test_any_interleaving_of_two_editors_keeps_the_last_save_of_every_cell(tmp_path, steps):
    folder = tmp_path / "proj"
    if not folder.exists():
        Project.create(folder).close()
    projects = [Project.open(folder), Project.open(folder)]
    vid = add_trailer(projects[0], 40)
    syncs = [LabelSync.load(p, vid, "ann") for p in projects]
    expected = np.zeros((40, 6), bool)  # each cell as the last save that wrote it left it
    # what each user changed since their last save, seen from outside (array before/after)
    mine = [np.zeros((40, 6), bool) for _ in syncs]
    mine_values = [np.zeros((40, 6), bool) for _ in syncs]

    def save(who):
        syncs[who].save()
        expected[mine[who]] = mine_values[who][mine[who]]
        mine[who][:] = False

    for who, op in steps:
        ed = syncs[who].editor
        before = ed.array.copy()
        if op[0] == "paint":
            ed.paint(op[1], op[2], op[2] + op[3], op[4])
        elif op[0] == "undo":
            ed.undo()
        elif op[0] == "redo":
            ed.redo()
        elif op[0] == "save":
            save(who)
        else:
            syncs[who].pull()
            assert np.array_equal(ed.array[mine[who]], mine_values[who][mine[who]])  # kept
        if op[0] in ("paint", "undo", "redo"):
            diff = before != ed.array
            mine[who] |= diff
            mine_values[who][diff] = ed.array[diff]
    for who in (0, 1):
        save(who)
    final = projects[0].load_labels(vid, "ann")
    assert np.array_equal(final, expected)
    for sync in syncs:
        sync.pull()
        assert np.array_equal(sync.editor.array, final) and not sync.has_unsynced
    for p in projects:
        p.close()


# ---- two real processes --------------------------------------------------------------------
class EditorProcess:
    """``tests.core.label_writer`` in a subprocess: an app-level editor we drive step by step."""

    def __init__(self, folder: Path, vid: int, annotator: str = "ann"):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.core.label_writer", str(folder), str(vid), annotator],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO, env=env())
        assert self.read()["ready"]

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, "the editor process died"
        return json.loads(line)

    def __call__(self, op: str, **kw) -> dict:
        self.proc.stdin.write(json.dumps({"op": op, **kw}) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0


def test_two_editor_processes_keep_each_others_labels(trailer):
    project, vid = trailer
    a, b = EditorProcess(project.folder, vid), EditorProcess(project.folder, vid)
    try:
        b("paint", genre="action", start=0, stop=21)
        a("paint", genre="comedy", start=0, stop=21)
        assert b("save")["conflicts"] == []
        saved = a("save")  # the story: A's save used to erase B's action
        assert saved["conflicts"] == [] and "Merged changes from editor ann" in saved["message"]
        # now both change action 15-25: B last, so B's values win there, and B is told
        a("paint", genre="action", start=15, stop=26, on=False)
        b("paint", genre="action", start=15, stop=26)
        b("paint", genre="action", start=15, stop=26, on=False)
        b("paint", genre="action", start=18, stop=21)
        a("save")
        report = b("save")
        assert "your edits won on frames 18-20 (action)" in report["message"]
        pulled = a("pull")
        assert [f for f, g in pulled["theirs"]] == [18, 19, 20]
    finally:
        a.close()
        b.close()
    stored = project.load_labels(vid, "ann")
    assert stored[:21, 0].all() and stored[:15, 1].all() and stored[18:21, 1].all()
    assert not stored[15:18, 1].any() and not stored[21:, 1].any() and stored.sum() == 21 + 18
    assert project.label_revision(vid, "ann") == 4


def test_an_import_while_the_editor_is_open_is_kept_and_the_editor_wins_its_own_cells(
        trailer, tmp_path):
    project, vid = trailer
    editor = EditorProcess(project.folder, vid)
    try:
        editor("paint", genre="action", start=0, stop=21)  # unsaved when the import runs
        editor("paint", genre="action", start=0, stop=6, on=False)
        imported = np.zeros((FRAMES, 6), bool)
        imported[100:151, 0] = True
        imported[0:31, 1] = True
        csv = tmp_path / "in.csv"
        write_labels(csv, imported, GENRES)
        done = subprocess.run(
            [sys.executable, "-m", "trailer_gui.cli", "labels", "import", str(project.folder),
             str(vid), str(csv), "--annotator", "ann"],
            capture_output=True, text=True, cwd=REPO, env=env(), timeout=120)
        assert done.returncode == 0, done.stderr
        report = editor("save")  # the app's next autosave used to replace the import
        message = report["message"]
        assert message.startswith("Merged changes from trailer labels import (pid ")
        assert message.endswith("your edits won on frames 0-5 (action)")
    finally:
        editor.close()
    stored = project.load_labels(vid, "ann")
    assert stored[100:151, 0].all() and stored[6:31, 1].all() and not stored[:6, 1].any()
    assert stored.sum() == 51 + 25 and project.label_revision(vid, "ann") == 2
